"""The in-memory interaction data set shared by every reader.

Internal ids start at 1; id 0 is padding for items and unused for users, so every
per-user and per-item list has a placeholder at index 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ur4rec.errors import UnknownUserError


@dataclass(frozen=True)
class ItemInfo:
    """Metadata of one item; a reader without titles fills `title` from the raw id."""

    title: str
    year: int | None = None
    genres: tuple[str, ...] = ()
    release_date: str | None = None


@dataclass
class InteractionData:
    """Implicit-feedback interactions of users with items, one time-ordered sequence a user.

    `sequences[u]` contains the internal item ids of user `u` ordered by timestamp, with ties
    kept in the file's order; `timestamps[u]` is aligned with it.
    """

    name: str
    user_raw_ids: list[str]  # (U+1,), index 0 is ""
    item_raw_ids: list[str]  # (N+1,), index 0 is ""
    sequences: list[np.ndarray]  # (U+1,) int64 arrays, index 0 empty
    timestamps: list[np.ndarray]  # (U+1,) int64 arrays, index 0 empty
    items: list[ItemInfo]  # (N+1,), index 0 is a padding placeholder
    user_features: list[dict[str, str]] = field(default_factory=list)  # (U+1,) or empty
    _user_index: dict[str, int] = field(default_factory=dict, repr=False)
    _item_index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._user_index = {raw: u for u, raw in enumerate(self.user_raw_ids) if u > 0}
        self._item_index = {raw: i for i, raw in enumerate(self.item_raw_ids) if i > 0}

    @property
    def num_users(self) -> int:
        return len(self.user_raw_ids) - 1

    @property
    def num_items(self) -> int:
        return len(self.item_raw_ids) - 1

    @property
    def num_interactions(self) -> int:
        return int(sum(len(s) for s in self.sequences))

    def user_index(self, raw_id: str | int) -> int:
        """Map a raw user id to its internal id, raising `UnknownUserError` if absent."""
        key = str(raw_id)
        if key not in self._user_index:
            raise UnknownUserError(
                f"user {key!r} is not in data set {self.name!r} "
                f"(raw user ids run from {self.user_raw_ids[1]!r} to {self.user_raw_ids[-1]!r})"
            )
        return self._user_index[key]

    def item_index(self, raw_id: str | int) -> int | None:
        return self._item_index.get(str(raw_id))
