"""Handling of the DashScope API key: lookup, masking for display, and log redaction."""

from __future__ import annotations

import logging
import os

from ur4rec.errors import LLMError

API_KEY_ENV = "DASHSCOPE_API_KEY"
REDACTED = "sk-***"


def mask_key(key: str | None) -> str:
    """Return a display form such as "sk-…1234" that shows only the last four characters."""
    if not key:
        return "(not set)"
    if len(key) <= 8:
        return "sk-…"
    return f"sk-…{key[-4:]}"


def resolve_api_key(api_key: str | None = None) -> str:
    """Return `api_key` if given, else `DASHSCOPE_API_KEY`; raise `LLMError` if neither is set."""
    key = (api_key or os.environ.get(API_KEY_ENV, "")).strip()
    if not key:
        raise LLMError(
            f"no DashScope API key: set the {API_KEY_ENV} environment variable (in the studio: "
            "the key in File > Settings), or use the offline backend (`--backend offline`) for "
            "template texts"
        )
    return key


class RedactingFilter(logging.Filter):
    """A log filter that replaces a secret with a placeholder in every record it receives.

    Attach it to handlers, not loggers, because a filter on a logger does not receive the
    records that child loggers propagate to it.
    """

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secret:
            return True
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, REDACTED)
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            if self.secret in str(record.exc_info[1]):
                record.exc_info = None
                record.exc_text = None
                record.msg = f"{record.msg} (traceback hidden because it contained the API key)"
        return True


def install_redacting_filter(secret: str) -> RedactingFilter:
    """Attach a `RedactingFilter` for `secret` to every handler of the root logger."""
    redactor = RedactingFilter(secret)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor


def remove_redacting_filter(redactor: RedactingFilter) -> None:
    """Detach a filter installed by `install_redacting_filter`."""
    for handler in logging.getLogger().handlers:
        handler.removeFilter(redactor)
