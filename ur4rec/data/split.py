"""Chronological leave-one-out split."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ur4rec.data.dataset import InteractionData

logger = logging.getLogger(__name__)

MIN_EVAL_INTERACTIONS = 3


@dataclass
class LeaveOneOutSplit:
    """Each user's last item is the test target and the one before it the validation target.

    Users with fewer than three interactions keep all of them for training and have target 0.
    """

    train: list[np.ndarray]  # (U+1,) int64 arrays, index 0 empty
    valid_target: np.ndarray  # (U+1,) int64, 0 = no target
    test_target: np.ndarray  # (U+1,) int64, 0 = no target

    @property
    def num_users(self) -> int:
        return len(self.train) - 1

    def eval_users(self) -> np.ndarray:
        """Internal ids of the users that have validation and test targets."""
        return np.flatnonzero(self.test_target > 0)

    def history(self, user: int, phase: str) -> np.ndarray:
        """Return the input sequence for `phase` ("train", "valid" or "test").

        The validation input is the training sequence; the test input adds the validation item.
        """
        if phase in ("train", "valid"):
            return self.train[user]
        if phase == "test":
            if self.valid_target[user] == 0:
                return self.train[user]
            return np.append(self.train[user], self.valid_target[user])
        raise ValueError(f"unknown phase {phase!r}; expected 'train', 'valid' or 'test'")

    def held_out(self, user: int) -> tuple[int, ...]:
        """Return the user's validation and test items (empty for train-only users)."""
        return tuple(int(i) for i in (self.valid_target[user], self.test_target[user]) if i > 0)


def leave_one_out(data: InteractionData) -> LeaveOneOutSplit:
    """Split every user's time-ordered sequence into train, validation and test targets."""
    num_users = data.num_users
    train: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    valid_target = np.zeros(num_users + 1, dtype=np.int64)
    test_target = np.zeros(num_users + 1, dtype=np.int64)
    short_users = 0
    for user in range(1, num_users + 1):
        seq = data.sequences[user]
        if len(seq) < MIN_EVAL_INTERACTIONS:
            train.append(seq.copy())
            short_users += 1
            continue
        train.append(seq[:-2].copy())
        valid_target[user] = seq[-2]
        test_target[user] = seq[-1]
    if short_users:
        logger.info(
            "%d of %d users have fewer than %d interactions: they are used for training only",
            short_users, num_users, MIN_EVAL_INTERACTIONS,
        )
    return LeaveOneOutSplit(train=train, valid_target=valid_target, test_target=test_target)
