"""Audit of user texts that name a user's held-out (validation or test) item.

A user preference text written from a user's latest items can name the very item the
model is evaluated on, which inflates every text-based metric. This module finds such texts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from ur4rec.data.dataset import InteractionData
from ur4rec.data.split import LeaveOneOutSplit
from ur4rec.llm.titles import find_title_mention, normalize_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Leak:
    """One user text that names one held-out item, with the title form it used."""

    user: int
    item: int
    title: str
    matched: str


@dataclass
class LeakReport:
    """Result of auditing user texts against the held-out items of a split."""

    users_checked: int
    leaking_users: list[int]
    share: float
    leaks: list[Leak] = field(default_factory=list)


def find_leaks(
    data: InteractionData, split: LeaveOneOutSplit, user_texts: dict[int, str]
) -> list[Leak]:
    """Return every (user, held-out item) pair whose title the user's text names."""
    leaks = []
    for user in sorted(user_texts):
        text = user_texts[user]
        for item in split.held_out(user):
            title = data.items[item].title
            matched = find_title_mention(text, title)
            if matched is not None:
                leaks.append(Leak(user=user, item=item, title=title, matched=matched))
    return leaks


def find_leaking_users(
    data: InteractionData, split: LeaveOneOutSplit, user_texts: dict[int, str]
) -> list[int]:
    """Return the sorted internal ids of users whose text names a held-out item."""
    return sorted({leak.user for leak in find_leaks(data, split, user_texts)})


def audit_user_texts(
    data: InteractionData, split: LeaveOneOutSplit, user_texts: dict[int, str]
) -> LeakReport:
    """Check every user that has a text and held-out items and summarize the leaks."""
    checked = {user: text for user, text in user_texts.items() if split.held_out(user)}
    leaks = find_leaks(data, split, checked)
    leaking = sorted({leak.user for leak in leaks})
    share = len(leaking) / len(checked) if checked else 0.0
    logger.info(
        "%d of %d user texts name a held-out item (%.1f%%)",
        len(leaking), len(checked), 100.0 * share,
    )
    return LeakReport(users_checked=len(checked), leaking_users=leaking, share=share, leaks=leaks)


def _title_key(title: str) -> str:
    return normalize_text(title)


def text_safe_history(data: InteractionData, split: LeaveOneOutSplit, user: int) -> np.ndarray:
    """Return the user's training items without those whose title equals a held-out title.

    MovieLens-100K lists 18 films twice under two ids (for example "Chasing Amy (1997)" as
    items 246 and 268). When a user has rated both copies and one is held out, the other
    copy is a training item with the held-out title. Such items are left out of any text or
    prompt built for that user (11 training items in ML-100K). Titles include the year.
    """
    history = split.train[user]
    held_out_titles = {_title_key(data.items[item].title) for item in split.held_out(user)}
    if not held_out_titles:
        return history
    keep = [_title_key(data.items[item].title) not in held_out_titles for item in history]
    return history[np.asarray(keep, dtype=bool)] if len(history) else history
