"""The text table the training pipeline uses: one text per item and per user.

Imported LLM texts are used where they exist, and missing ones are filled with offline
templates. The text policy decides what happens to user texts that name a held-out item.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ur4rec.data.dataset import InteractionData
from ur4rec.data.split import LeaveOneOutSplit
from ur4rec.errors import ConfigError
from ur4rec.llm.leakage import LeakReport, audit_user_texts, text_safe_history
from ur4rec.llm.sources import load_texts, text_file_path
from ur4rec.llm.templates import item_template, user_template

logger = logging.getLogger(__name__)

TEXT_POLICIES = ("regenerate-leaking", "drop-leaking", "keep", "regenerate-all")

SOURCE_IMPORTED = "imported"
SOURCE_TEMPLATE = "offline_template"
SOURCE_LEAK_REPLACED = "leak_replaced"
SOURCE_DROPPED = "dropped"
SOURCE_IMPORTED_LEAKING = "imported_leaking"
SOURCE_REGENERATED = "regenerated"


@dataclass
class TextTable:
    """One text and its source label per item and per user; index 0 is an empty placeholder."""

    item_texts: list[str]  # (N+1,)
    item_sources: list[str]  # (N+1,)
    user_texts: list[str]  # (U+1,)
    user_sources: list[str]  # (U+1,)
    leak_report: LeakReport


def _imported(texts_dir: Path | None, kind: str, raw_ids: list[str]) -> dict[int, str]:
    if texts_dir is None:
        logger.info("no texts folder given: all %s texts come from offline templates", kind)
        return {}
    path = text_file_path(texts_dir, kind)
    if not path.is_file():
        logger.info("%s not found: all %s texts come from offline templates", path, kind)
        return {}
    return load_texts(path, raw_ids, kind).texts


def _item_column(data: InteractionData, imported: dict[int, str]) -> tuple[list[str], list[str]]:
    texts, sources = [""], [""]
    for item in range(1, data.num_items + 1):
        if item in imported:
            texts.append(imported[item])
            sources.append(SOURCE_IMPORTED)
        else:
            texts.append(item_template(data.items[item]))
            sources.append(SOURCE_TEMPLATE)
    return texts, sources


def _user_entry(
    data: InteractionData, split: LeaveOneOutSplit, user: int, text: str | None,
    leaking: bool, policy: str,
) -> tuple[str, str]:
    if text is None:
        return user_template(data, text_safe_history(data, split, user)), SOURCE_TEMPLATE
    if policy == "regenerate-all":
        return user_template(data, text_safe_history(data, split, user)), SOURCE_REGENERATED
    if not leaking:
        return text, SOURCE_IMPORTED
    if policy == "regenerate-leaking":
        return user_template(data, text_safe_history(data, split, user)), SOURCE_LEAK_REPLACED
    if policy == "drop-leaking":
        return "", SOURCE_DROPPED
    return text, SOURCE_IMPORTED_LEAKING


def build_texts(
    data: InteractionData,
    split: LeaveOneOutSplit,
    texts_dir: Path | None,
    policy: str = "regenerate-leaking",
) -> TextTable:
    """Assemble item and user texts from `texts_dir` and offline templates.

    User templates are built from the training sequence only, never from validation or
    test items. `policy` decides what happens to an imported user text that names a
    held-out item: "regenerate-leaking" replaces it with a template, "drop-leaking" leaves
    the user without text, "keep" keeps it (for measuring the effect of the leak).
    "regenerate-all" replaces every imported user text with a template: texts written from a
    user's latest items can describe a held-out item without naming its title.
    """
    if policy not in TEXT_POLICIES:
        raise ConfigError(
            "data.texts_policy",
            f"unknown policy {policy!r}; valid values are {', '.join(TEXT_POLICIES)}",
        )

    item_texts, item_sources = _item_column(data, _imported(texts_dir, "items", data.item_raw_ids))

    imported_users = _imported(texts_dir, "users", data.user_raw_ids)
    report = audit_user_texts(data, split, imported_users)
    leaking = set(report.leaking_users)
    user_texts, user_sources = [""], [""]
    for user in range(1, data.num_users + 1):
        text, source = _user_entry(
            data, split, user, imported_users.get(user), user in leaking, policy
        )
        user_texts.append(text)
        user_sources.append(source)

    _log_counts(item_sources, user_sources, len(leaking), policy)
    return TextTable(item_texts, item_sources, user_texts, user_sources, report)


def _log_counts(
    item_sources: list[str], user_sources: list[str], leaking: int, policy: str
) -> None:
    logger.info(
        "item texts: %d imported, %d filled from templates",
        item_sources.count(SOURCE_IMPORTED), item_sources.count(SOURCE_TEMPLATE),
    )
    logger.info(
        "user texts: %d imported, %d filled from templates, %d leaking (policy %s): "
        "%d replaced, %d dropped, %d kept",
        user_sources.count(SOURCE_IMPORTED), user_sources.count(SOURCE_TEMPLATE), leaking, policy,
        user_sources.count(SOURCE_LEAK_REPLACED), user_sources.count(SOURCE_DROPPED),
        user_sources.count(SOURCE_IMPORTED_LEAKING),
    )
