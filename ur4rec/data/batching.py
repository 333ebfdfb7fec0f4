"""Padding, training batches and evaluation inputs built from a leave-one-out split."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch

from ur4rec.data.split import LeaveOneOutSplit


def pad_left(seqs: list[np.ndarray], max_len: int) -> np.ndarray:
    """Keep the last `max_len` items of each sequence, left-padded with 0: (B, max_len)."""
    out = np.zeros((len(seqs), max_len), dtype=np.int64)
    for row, seq in enumerate(seqs):
        tail = seq[-max_len:]
        if len(tail):
            out[row, max_len - len(tail):] = tail
    return out


@dataclass
class TrainBatch:
    user_ids: torch.Tensor  # (B,)
    item_seq: torch.Tensor  # (B, L) inputs
    pos_items: torch.Tensor  # (B, L) next item at each position, 0 on padding
    seq_lens: torch.Tensor  # (B,) full training length of each user


def window_starts(num_targets: int, max_len: int) -> list[int]:
    """Return the start offsets of windows that cover `num_targets` positions.

    The last window ends at `num_targets`. The windows do not overlap, so every position falls
    in exactly one of them. The first window is the short one.
    """
    starts = list(range(num_targets - max_len, 0, -max_len))
    return [0, *reversed(starts)]


class TrainBatches:
    """Whole-sequence batches: every position predicts the next training item.

    By default each user gives one row, the last `max_len` positions of their training
    sequence. With `windows=True` a longer sequence gives several rows, non-overlapping
    windows of `max_len` positions, so every training item is a target once per epoch. Rows
    of one user then share a user id, which suits SASRec alone but not the per-user memory.
    """

    def __init__(self, split: LeaveOneOutSplit, max_len: int, batch_size: int,
                 windows: bool = False) -> None:
        self.max_len = max_len
        self.batch_size = batch_size
        users = [u for u in range(1, split.num_users + 1) if len(split.train[u]) >= 2]
        rows: list[int] = []
        inputs: list[np.ndarray] = []
        targets: list[np.ndarray] = []
        for user in users:
            seq = split.train[user]
            num_targets = len(seq) - 1
            starts = window_starts(num_targets, max_len) if windows else [max(0, num_targets - max_len)]
            for start, end in zip(starts, [*starts[1:], num_targets]):
                rows.append(user)
                inputs.append(seq[start:end])
                targets.append(seq[start + 1:end + 1])
        self.users = np.array(rows, dtype=np.int64)
        self.inputs = pad_left(inputs, max_len)
        self.targets = pad_left(targets, max_len)
        self.lengths = np.array([len(split.train[u]) for u in rows], dtype=np.int64)

    def __len__(self) -> int:
        return (len(self.users) + self.batch_size - 1) // self.batch_size

    def order(self, seed: int) -> np.ndarray:
        """The shuffled row order of an epoch, a pure function of the seed."""
        return np.random.default_rng(seed).permutation(len(self.users))

    def epoch(self, seed: int, start_batch: int = 0) -> Iterator[tuple[int, TrainBatch]]:
        """Yield (batch index, batch) for one epoch, starting at `start_batch`."""
        order = self.order(seed)
        for index in range(start_batch, len(self)):
            rows = order[index * self.batch_size:(index + 1) * self.batch_size]
            yield index, TrainBatch(
                user_ids=torch.from_numpy(self.users[rows]),
                item_seq=torch.from_numpy(self.inputs[rows]),
                pos_items=torch.from_numpy(self.targets[rows]),
                seq_lens=torch.from_numpy(self.lengths[rows]),
            )


def sample_eval_negatives(split: LeaveOneOutSplit, num_items: int, count: int,
                          seed: int) -> np.ndarray:
    """Draw `count` negatives per user, excluding every item the user interacted with.

    Returns (U+1, count) int64; rows of users without targets are zero.
    """
    rng = np.random.default_rng(seed)
    negatives = np.zeros((split.num_users + 1, count), dtype=np.int64)
    for user in split.eval_users():
        seen = set(split.train[user].tolist()) | set(split.held_out(user))
        available = num_items - len(seen)
        if available < count:
            raise ValueError(
                f"user {user} has only {available} unseen items, fewer than {count} eval negatives"
            )
        chosen: list[int] = []
        while len(chosen) < count:
            draw = rng.integers(1, num_items + 1, size=2 * count)
            for item in draw.tolist():
                if item not in seen:
                    seen.add(item)
                    chosen.append(item)
                    if len(chosen) == count:
                        break
        negatives[user] = chosen
    return negatives
