"""The seeded synthetic data generator: shape, determinism, sequential structure and speed."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from ur4rec.data.split import leave_one_out
from ur4rec.data.synthetic import MIN_SEQUENCE_LENGTH, SYNTHETIC_GENRES, generate_synthetic
from ur4rec.errors import DataError


@pytest.fixture(scope="module")
def small():
    return generate_synthetic(num_users=300, num_items=500, interactions_per_user=40.0, seed=7)


def top_successor_share(sequences: list[np.ndarray]) -> float:
    """Share of transitions a -> b where b is the most frequent successor of a."""
    successors: dict[int, Counter] = defaultdict(Counter)
    for seq in sequences:
        for current, following in zip(seq[:-1].tolist(), seq[1:].tolist(), strict=True):
            successors[current][following] += 1
    hits = sum(counts.most_common(1)[0][1] for counts in successors.values())
    total = sum(sum(counts.values()) for counts in successors.values())
    return hits / total


def test_synthetic_shape(small):
    assert small.num_users == 300
    assert small.num_items == 500
    assert small.user_raw_ids[1] == "1"
    assert small.item_raw_ids[500] == "500"
    lengths = np.array([len(seq) for seq in small.sequences[1:]])
    assert lengths.min() >= MIN_SEQUENCE_LENGTH
    assert 0.9 * 300 * 40 < small.num_interactions < 1.1 * 300 * 40
    assert len(small.sequences[0]) == 0


def test_synthetic_ids_in_range(small):
    items = np.concatenate(small.sequences[1:])
    assert items.dtype == np.int64
    assert items.min() >= 1
    assert items.max() <= 500


def test_synthetic_item_metadata(small):
    assert small.items[17].title == "Synthetic Item 17"
    for info in small.items[1:]:
        assert 1 <= len(info.genres) <= 2
        assert set(info.genres) <= set(SYNTHETIC_GENRES)
        assert 1920 <= info.year <= 2023


def test_synthetic_timestamps_increase(small):
    for user in range(1, small.num_users + 1):
        times = small.timestamps[user]
        assert len(times) == len(small.sequences[user])
        assert (np.diff(times) > 0).all(), f"user {user}"


def test_synthetic_same_seed_same_data(small):
    again = generate_synthetic(num_users=300, num_items=500, interactions_per_user=40.0, seed=7)
    for user in range(1, 301):
        assert np.array_equal(again.sequences[user], small.sequences[user])
        assert np.array_equal(again.timestamps[user], small.timestamps[user])
    assert again.items == small.items


def test_synthetic_other_seed_differs(small):
    other = generate_synthetic(num_users=300, num_items=500, interactions_per_user=40.0, seed=8)
    assert not np.array_equal(other.sequences[1], small.sequences[1])


def test_synthetic_next_item_is_predictable(small):
    # The chains make the next item predictable; shuffling each sequence destroys that.
    rng = np.random.default_rng(0)
    shuffled = [rng.permutation(seq) for seq in small.sequences[1:]]
    structured_share = top_successor_share(small.sequences[1:])
    shuffled_share = top_successor_share(shuffled)
    assert structured_share > 0.4
    assert shuffled_share < 0.25
    assert structured_share > 2 * shuffled_share


def test_synthetic_leave_one_out(small):
    split = leave_one_out(small)
    assert len(split.eval_users()) == 300


def test_synthetic_tiny_catalog():
    data = generate_synthetic(num_users=5, num_items=2, interactions_per_user=3.0, seed=0)
    assert set(np.concatenate(data.sequences[1:]).tolist()) <= {1, 2}


@pytest.mark.parametrize(
    ("users", "items", "per_user", "expected"),
    [
        (0, 10, 5.0, "num_users"),
        (10, 1, 5.0, "num_items"),
        (10, 10, 0.0, "interactions_per_user"),
        (10, 10, float("nan"), "interactions_per_user"),
    ],
)
def test_synthetic_invalid_arguments(users, items, per_user, expected):
    with pytest.raises(DataError, match=expected):
        generate_synthetic(users, items, per_user, seed=0)


def test_synthetic_100x_movielens_is_fast():
    # 100 times MovieLens-100K: 94,300 users, 168,200 items, about 10M interactions.
    started = time.perf_counter()
    data = generate_synthetic(
        num_users=94_300, num_items=168_200, interactions_per_user=106.0, seed=1
    )
    elapsed = time.perf_counter() - started
    assert data.num_interactions > 9_000_000
    # About 3 s on 2 CPU cores; a per-interaction Python loop would take minutes.
    assert elapsed < 60
