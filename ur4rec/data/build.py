"""Assembly of `InteractionData` from parsed interaction columns.

Every file reader ends here. Raw ids become internal ids 1..U and 1..N, and duplicate
(user, item, timestamp) rows are dropped. Each user's items are ordered by timestamp with a
stable sort, so interactions with equal timestamps keep the file's order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.errors import DataError

logger = logging.getLogger(__name__)


@dataclass
class RawInteractions:
    """Interaction columns as read from a file, one entry per row in file order."""

    path: Path
    users: np.ndarray | pd.Series  # (T,) raw user ids, int64 or str
    items: np.ndarray | pd.Series  # (T,) raw item ids, int64 or str
    timestamps: np.ndarray  # (T,) int64
    line_numbers: np.ndarray  # (T,) int64, 1-based line of each row


def build_interaction_data(
    name: str,
    raw: RawInteractions,
    item_catalog: Mapping[str, ItemInfo] | None = None,
    user_features: Mapping[str, dict[str, str]] | None = None,
) -> InteractionData:
    """Remap ids, drop duplicate rows and build the time-ordered sequence of every user.

    Integer raw ids are numbered in increasing order, so ids 1..N that are all present keep
    their value. String raw ids are numbered in increasing order when all of them are
    decimal digits and otherwise in order of first appearance. Items missing from
    `item_catalog` get their raw id as the title.
    """
    if len(raw.timestamps) == 0:
        raise DataError(raw.path, "the file contains no interactions")
    raw = _drop_duplicates(raw)

    user_raw_ids, user_codes = encode_ids(raw.users)  # (U,), (T,)
    item_raw_ids, item_codes = encode_ids(raw.items)  # (N,), (T,)

    # lexsort is stable and sorts by the last key first: user, then timestamp, then file order.
    order = np.lexsort((raw.timestamps, user_codes))
    counts = np.bincount(user_codes, minlength=len(user_raw_ids) + 1)  # (U+1,)
    boundaries = np.cumsum(counts)[:-1]
    sequences = np.split(item_codes[order], boundaries)
    timestamps = np.split(raw.timestamps[order].astype(np.int64), boundaries)

    catalog = item_catalog or {}
    items = [ItemInfo(title="")] + [catalog.get(r) or ItemInfo(title=r) for r in item_raw_ids]
    features: list[dict[str, str]] = []
    if user_features is not None:
        features = [{}] + [dict(user_features.get(r, {})) for r in user_raw_ids]
        _warn_missing_features(raw.path, user_raw_ids, user_features)

    return InteractionData(
        name=name,
        user_raw_ids=[""] + user_raw_ids,
        item_raw_ids=[""] + item_raw_ids,
        sequences=sequences,
        timestamps=timestamps,
        items=items,
        user_features=features,
    )


def encode_ids(values: np.ndarray | pd.Series) -> tuple[list[str], np.ndarray]:
    """Return the distinct raw ids as strings and each value's internal id (1-based, int64)."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.integer):
        uniques, inverse = np.unique(values, return_inverse=True)
        return [str(v) for v in uniques.tolist()], inverse.astype(np.int64) + 1

    codes, uniques = pd.factorize(pd.Series(values, dtype=str), sort=False)
    raw_ids = [str(v) for v in uniques]
    if all(r.isascii() and r.isdigit() for r in raw_ids):
        # Order digit strings by value; "007" and "7" stay distinct ids.
        order = sorted(range(len(raw_ids)), key=lambda k: (int(raw_ids[k]), raw_ids[k]))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return [raw_ids[k] for k in order], rank[codes] + 1
    return raw_ids, codes.astype(np.int64) + 1


def _warn_missing_features(
    path: Path, user_raw_ids: list[str], user_features: Mapping[str, dict[str, str]]
) -> None:
    missing = [r for r in user_raw_ids if r not in user_features]
    if missing:
        logger.warning(
            "%s: %d users have no demographic features (first: user %s); they get none",
            path, len(missing), missing[0],
        )


def _drop_duplicates(raw: RawInteractions) -> RawInteractions:
    frame = pd.DataFrame({"user": raw.users, "item": raw.items, "time": raw.timestamps})
    duplicated = frame.duplicated().to_numpy()
    if not duplicated.any():
        return raw

    first = int(np.flatnonzero(duplicated)[0])
    logger.warning(
        "%s: dropped %d duplicate (user, item, timestamp) rows and kept the first of each; "
        "the first dropped row is line %d (user %s, item %s, timestamp %d)",
        raw.path, int(duplicated.sum()), int(raw.line_numbers[first]),
        frame["user"].iloc[first], frame["item"].iloc[first], int(raw.timestamps[first]),
    )
    keep = ~duplicated
    return RawInteractions(
        path=raw.path,
        users=_take(raw.users, keep),
        items=_take(raw.items, keep),
        timestamps=raw.timestamps[keep],
        line_numbers=raw.line_numbers[keep],
    )


def _take(values: np.ndarray | pd.Series, mask: np.ndarray) -> np.ndarray | pd.Series:
    if isinstance(values, pd.Series):
        return values[mask].reset_index(drop=True)
    return values[mask]
