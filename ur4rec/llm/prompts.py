"""Versioned prompt templates for item descriptions and user preference summaries.

The templates are package data in `ur4rec/llm/prompts/<kind>_<version>.txt`, written with
`string.Template` placeholders (`$title`, `$history`, ...). The hash of a template's text is
part of every cache key, so editing a template starts a fresh set of cached texts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from string import Template

from ur4rec.data.dataset import InteractionData
from ur4rec.data.split import LeaveOneOutSplit
from ur4rec.llm.leakage import text_safe_history
from ur4rec.llm.templates import display_title
from ur4rec.llm.titles import natural_title

TEXT_KINDS = ("items", "users")
PROMPT_VERSION = "v1"
DEFAULT_MAX_HISTORY = 30


@dataclass(frozen=True)
class PromptTemplate:
    """The text of one prompt template and where it came from."""

    kind: str
    version: str
    text: str

    @property
    def hash(self) -> str:
        return prompt_hash(self.text)


def prompt_hash(template_text: str) -> str:
    """Return a short, stable hash of a template's text (16 hex digits of SHA-256)."""
    return hashlib.sha256(template_text.encode("utf-8")).hexdigest()[:16]


def load_template(kind: str, version: str = PROMPT_VERSION) -> PromptTemplate:
    """Read the packaged template for `kind` ("items" or "users") and `version`."""
    if kind not in TEXT_KINDS:
        raise ValueError(f"unknown text kind {kind!r}; expected one of {', '.join(TEXT_KINDS)}")
    resource = resources.files("ur4rec.llm") / "prompts" / f"{kind}_{version}.txt"
    return PromptTemplate(kind=kind, version=version, text=resource.read_text(encoding="utf-8"))


def build_item_prompt(
    data: InteractionData, item: int, template: PromptTemplate | None = None
) -> str:
    """Fill the item template with the item's title, year and genres."""
    template = template or load_template("items")
    info = data.items[item]
    genres = [genre for genre in info.genres if genre.lower() != "unknown"]
    title = natural_title(info.title)
    return Template(template.text).substitute(
        title=title,
        year=str(info.year) if info.year is not None else "in an unknown year",
        genres=", ".join(genres) if genres else "unknown",
    )


def build_user_prompt(
    data: InteractionData,
    split: LeaveOneOutSplit,
    user: int,
    max_history: int = DEFAULT_MAX_HISTORY,
    template: PromptTemplate | None = None,
) -> str:
    """Fill the user template with the user's training history, most recent first.

    Only `split.train[user]` is used, minus any training item whose title equals a held-out
    title (see `text_safe_history`), so the prompt never names the validation or test item.
    """
    template = template or load_template("users")
    history = text_safe_history(data, split, user)[::-1][:max_history]
    lines = []
    for item in history:
        info = data.items[int(item)]
        genres = ", ".join(genre for genre in info.genres if genre.lower() != "unknown")
        lines.append(f"- {display_title(info)}" + (f" [{genres}]" if genres else ""))
    return Template(template.text).substitute(count=str(len(lines)), history="\n".join(lines))


def build_prompt(
    kind: str,
    data: InteractionData,
    split: LeaveOneOutSplit,
    internal_id: int,
    template: PromptTemplate,
    max_history: int = DEFAULT_MAX_HISTORY,
) -> str:
    """Build the prompt of one item or user, dispatching on `kind`."""
    if kind == "items":
        return build_item_prompt(data, internal_id, template)
    return build_user_prompt(data, split, internal_id, max_history, template)
