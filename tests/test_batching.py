"""Training batches: one row per user by default, every training target once with windows."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ur4rec.data.batching import TrainBatches, window_starts
from ur4rec.data.split import LeaveOneOutSplit


def make_split(lengths: list[int]) -> LeaveOneOutSplit:
    """A split whose user u trains on items u*1000+1 .. u*1000+n (distinct across users)."""
    train = [np.zeros(0, dtype=np.int64)]
    train += [np.arange(1, n + 1, dtype=np.int64) + 1000 * u for u, n in enumerate(lengths, 1)]
    zeros = np.zeros(len(train), dtype=np.int64)
    return LeaveOneOutSplit(train=train, valid_target=zeros, test_target=zeros.copy())


def rows_of(batches: TrainBatches) -> list[tuple[int, list[int], list[int]]]:
    rows = []
    for user, inputs, targets in zip(batches.users, batches.inputs, batches.targets):
        rows.append((int(user), [int(i) for i in inputs if i], [int(t) for t in targets if t]))
    return rows


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=9))
@settings(max_examples=200, deadline=None)
def test_windows_cover_every_target_once(lengths: list[int], max_len: int) -> None:
    split = make_split(lengths)
    batches = TrainBatches(split, max_len, batch_size=4, windows=True)
    targets = Counter()
    for user, inputs, row_targets in rows_of(batches):
        seq = list(split.train[user])
        assert 1 <= len(row_targets) <= max_len
        start = seq.index(inputs[0])
        # Each row is a contiguous slice: inputs predict the next item of the same sequence.
        assert inputs == seq[start:start + len(inputs)]
        assert row_targets == seq[start + 1:start + 1 + len(inputs)]
        targets.update(row_targets)
    expected = Counter(int(i) for n, seq in zip(lengths, split.train[1:]) if n >= 2
                       for i in seq[1:])
    assert targets == expected


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=12),
       st.integers(min_value=1, max_value=9))
@settings(max_examples=100, deadline=None)
def test_default_rows_are_the_last_window(lengths: list[int], max_len: int) -> None:
    split = make_split(lengths)
    batches = TrainBatches(split, max_len, batch_size=4)
    rows = rows_of(batches)
    assert [user for user, _, _ in rows] == [u for u, n in enumerate(lengths, 1) if n >= 2]
    for user, inputs, targets in rows:
        seq = [int(i) for i in split.train[user]]
        assert inputs == seq[:-1][-max_len:]
        assert targets == seq[1:][-max_len:]
        assert batches.lengths[batches.users.tolist().index(user)] == len(seq)


def test_window_starts_examples() -> None:
    assert window_starts(120, 50) == [0, 20, 70]
    assert window_starts(100, 50) == [0, 50]
    assert window_starts(30, 50) == [0]
