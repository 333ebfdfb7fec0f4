"""One-prompt text generation through the DashScope SDK, with retries and a finite timeout.

In the `dashscope` 2.0.2 SDK, most failures arrive as responses rather than exceptions.
A response has `status_code` 429 and `code` "Throttling.RateQuota" when requests come too
fast, a quota code such as "Arrearage" when the account cannot pay, 400
"DataInspectionFailed" when content moderation rejects the input or output, and 5xx for
server faults. Connection failures and timeouts raise `requests` exceptions. The SDK
returns the HTTP response headers in `response.headers`, so `Retry-After` is honoured.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from dashscope import Generation

from ur4rec.errors import LLMError
from ur4rec.llm.cache import STATUS_ERROR, STATUS_MODERATED, STATUS_OK, STATUS_TIMEOUT

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "qwen-plus"
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_RETRIES = 5
DEFAULT_BACKOFF_BASE_S = 1.0
DEFAULT_BACKOFF_MAX_S = 60.0

MODERATION_CODES = frozenset({"DataInspectionFailed", "data_inspection_failed"})
# NOTE: "Throttling.AllocationQuota" also reports per-minute token quotas, which recover by
# themselves. The run still stops on it, because the same code reports an exhausted free
# quota, and retrying against an exhausted quota only wastes time.
QUOTA_CODES = frozenset({"Arrearage", "Throttling.AllocationQuota", "AllocationQuota.FreeTierOnly"})
AUTH_CODES = frozenset({"InvalidApiKey"})


class QuotaExhaustedError(LLMError):
    """The account's quota or balance is exhausted; the run stops and can be resumed later."""

    summary: Any = None  # the GenerationSummary of the stopped run, set by the generator


class ApiKeyRejectedError(LLMError):
    """DashScope rejected the API key; every further request would fail the same way."""


class CallStopped(Exception):
    """A stop was requested while a call waited to retry; the key stays unfinished."""


@dataclass(frozen=True)
class Completion:
    """The outcome of one prompt: the text (empty unless ok) and what the request cost."""

    status: str
    text: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    request_id: str = ""
    attempts: int = 1
    detail: str = ""


@dataclass(frozen=True)
class _Attempt:
    completion: Completion
    retry: bool
    retry_after: float | None = None


def resolve_timeout(timeout_s: float | None) -> float:
    """Return the request timeout in seconds; None means `DEFAULT_TIMEOUT_S`, never no timeout."""
    if timeout_s is None:
        return DEFAULT_TIMEOUT_S
    value = float(timeout_s)
    if not math.isfinite(value) or value <= 0:
        raise LLMError(
            f"invalid request timeout {timeout_s!r}: use a finite number of seconds above 0 "
            f"(default {DEFAULT_TIMEOUT_S:g})"
        )
    return value


def retry_after_seconds(headers: dict[str, str] | None) -> float | None:
    """Parse a `Retry-After` header given as seconds or as an HTTP date; None if absent."""
    if not headers:
        return None
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class DashScopeClient:
    """A DashScope client that sends each prompt as a new one-message conversation.

    One client may be shared by several threads.

    Retries (at most `max_retries` after the first attempt) cover throttling, 5xx responses,
    timeouts and connection errors, with jittered exponential backoff or the server's
    `Retry-After`. Moderation rejections are never retried.
    """

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        *,
        timeout_s: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_base_s: float = DEFAULT_BACKOFF_BASE_S,
        backoff_max_s: float = DEFAULT_BACKOFF_MAX_S,
        base_url: str | None = None,
        stop_event: threading.Event | None = None,
    ) -> None:
        self._api_key = api_key
        self.model = model
        self.timeout_s = resolve_timeout(timeout_s)
        self.max_retries = max(0, int(max_retries))
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        # None keeps the SDK's endpoint: `dashscope.base_http_api_url`, which the SDK reads
        # from DASHSCOPE_HTTP_BASE_URL when it is imported.
        self.base_url = base_url
        self.stop_event = stop_event or threading.Event()

    def __repr__(self) -> str:
        return f"DashScopeClient(model={self.model!r}, timeout_s={self.timeout_s:g})"

    def _send(self, prompt: str) -> Any:
        # NOTE: `requests` applies the timeout to the connect and to each socket read, not
        # to the whole call, so a server that trickles bytes can take longer than timeout_s.
        extra = {"base_address": self.base_url} if self.base_url else {}
        return Generation.call(
            model=self.model,
            messages=[{"role": "user", "content": prompt}],
            result_format="message",
            api_key=self._api_key,
            request_timeout=self.timeout_s,
            **extra,
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        jitter = random.uniform(0.0, self.backoff_base_s)
        if retry_after is not None:
            return min(retry_after, self.backoff_max_s) + jitter
        return min(self.backoff_base_s * 2**attempt, self.backoff_max_s) * random.uniform(0.5, 1.0)

    def _wait(self, delay: float) -> None:
        if self.stop_event.wait(delay):
            raise CallStopped()

    def complete(self, prompt: str, label: str = "") -> Completion:
        """Generate a text for `prompt`; `label` names the item or user in log messages.

        Raises `QuotaExhaustedError` or `ApiKeyRejectedError` when the run has to stop,
        and `CallStopped` when the stop event is set while waiting to retry.
        """
        attempt = 0
        while True:
            attempt += 1
            result = self._attempt(prompt, label, attempt)
            if not result.retry or attempt > self.max_retries:
                return result.completion
            delay = self._backoff(attempt - 1, result.retry_after)
            logger.info(
                "%s: retrying in %.1f s (attempt %d of %d)",
                label, delay, attempt + 1, self.max_retries + 1,
            )
            self._wait(delay)

    def _attempt(self, prompt: str, label: str, attempt: int) -> _Attempt:
        try:
            response = self._send(prompt)
        except requests.exceptions.Timeout:
            logger.warning(
                "%s: request timed out after %.1f s (attempt %d)", label, self.timeout_s, attempt
            )
            detail = f"timed out after {self.timeout_s:g} s"
            return _Attempt(Completion(STATUS_TIMEOUT, attempts=attempt, detail=detail), True)
        except (requests.exceptions.RequestException, ValueError) as err:
            # ValueError covers a response body that is not valid JSON.
            logger.warning(
                "%s: request failed (attempt %d): %s", label, attempt, type(err).__name__
            )
            detail = type(err).__name__
            return _Attempt(Completion(STATUS_ERROR, attempts=attempt, detail=detail), True)
        return self._classify(response, label, attempt)

    def _classify(self, response: Any, label: str, attempt: int) -> _Attempt:
        status = int(response.status_code)
        code = str(response.code or "")
        request_id = str(response.request_id or "")
        if status == 200:
            return _Attempt(self._success(response, label, attempt), False)
        if code in QUOTA_CODES:
            raise QuotaExhaustedError(
                f"DashScope quota exhausted ({code}, HTTP {status}): top up the account or "
                "raise the quota, then continue the run (`--resume` on the command line, Start "
                "again in the studio); finished texts stay in the cache"
            )
        if status in (401, 403) or code in AUTH_CODES:
            raise ApiKeyRejectedError(
                f"DashScope rejected the API key ({code or 'HTTP ' + str(status)}): check "
                "DASHSCOPE_API_KEY or the key in the studio settings"
            )
        if code in MODERATION_CODES:
            logger.warning(
                "%s: rejected by content moderation (%s, request %s)", label, code, request_id
            )
            moderated = Completion(
                STATUS_MODERATED, request_id=request_id, attempts=attempt, detail=code
            )
            return _Attempt(moderated, False)

        detail = f"HTTP {status} {code}".strip()
        failed = Completion(STATUS_ERROR, request_id=request_id, attempts=attempt, detail=detail)
        if status == 429 or status >= 500:
            logger.warning("%s: %s (attempt %d, request %s)", label, detail, attempt, request_id)
            return _Attempt(failed, True, retry_after_seconds(response.headers))
        logger.error("%s: %s: %s (request %s)", label, detail, response.message, request_id)
        return _Attempt(failed, False)

    def _success(self, response: Any, label: str, attempt: int) -> Completion:
        output = response.output or {}
        choices = output.get("choices") or []
        message = (choices[0].get("message") or {}) if choices else {}
        text = message.get("content") if message else output.get("text")
        usage = response.usage or {}
        request_id = str(response.request_id or "")
        if not isinstance(text, str) or not text.strip():
            logger.error("%s: response contains no text (request %s)", label, request_id)
            return Completion(
                STATUS_ERROR, request_id=request_id, attempts=attempt, detail="empty response"
            )
        return Completion(
            STATUS_OK,
            text=text.strip(),
            prompt_tokens=int(usage.get("input_tokens") or 0),
            completion_tokens=int(usage.get("output_tokens") or 0),
            request_id=request_id,
            attempts=attempt,
        )
