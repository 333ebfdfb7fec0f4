"""Seeded synthetic interaction data with sequential structure, for tests and scaling runs.

Every item belongs to one genre cluster, and the items of a cluster form a fixed chain.
A user walks along the chain of one cluster, usually one item at a time and sometimes
skipping one, and now and then jumps to another of their favourite clusters. So the next
item is largely predictable from the current one, which a sequential model can learn and a
popularity baseline cannot. All sampling is vectorized with numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.errors import DataError

SYNTHETIC_GENRES = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "Western",
)

MIN_SEQUENCE_LENGTH = 3  # every user gets validation and test targets
FAVOURITE_CLUSTERS = 3  # clusters a user returns to
SWITCH_PROB = 0.08  # chance per step of jumping to another cluster
EXPLORE_PROB = 0.1  # chance that a jump goes to a random cluster, not a favourite
SKIP_PROB = 0.2  # chance that a step skips one item of the chain
NOISE_PROB = 0.1  # chance that an interaction is a uniformly random item
LENGTH_SIGMA = 0.5  # log-normal spread of the sequence lengths
START_TIME = 1_500_000_000  # Unix seconds of the earliest possible first interaction
MEAN_GAP_S = 6 * 3600  # mean time between two interactions of a user


@dataclass
class _Catalog:
    cluster_of_item: np.ndarray  # (N,) cluster of item i+1
    chain: np.ndarray  # (N,) item ids (1-based) grouped by cluster, in chain order
    offsets: np.ndarray  # (C,) start of each cluster in `chain`
    sizes: np.ndarray  # (C,) items in each cluster


def generate_synthetic(
    num_users: int, num_items: int, interactions_per_user: float, seed: int
) -> InteractionData:
    """Generate a data set of about `num_users * interactions_per_user` interactions.

    Sequence lengths are log-normal around `interactions_per_user` with at least
    `MIN_SEQUENCE_LENGTH` interactions, so the mean is a little higher when the requested
    mean is small. The same arguments always give the same data.
    """
    _check_arguments(num_users, num_items, interactions_per_user)
    rng = np.random.default_rng(seed)
    catalog = _make_catalog(num_items, rng)
    lengths = _sequence_lengths(num_users, interactions_per_user, rng)  # (U,)

    item_seq = _walk(catalog, lengths, num_items, rng)  # (T,)
    timestamps = _timestamps(lengths, rng)  # (T,)
    boundaries = np.cumsum(lengths)[:-1]

    return InteractionData(
        name=f"synthetic-{num_users}x{num_items}-seed{seed}",
        user_raw_ids=[""] + [str(u) for u in range(1, num_users + 1)],
        item_raw_ids=[""] + [str(i) for i in range(1, num_items + 1)],
        sequences=[np.zeros(0, dtype=np.int64)] + np.split(item_seq, boundaries),
        timestamps=[np.zeros(0, dtype=np.int64)] + np.split(timestamps, boundaries),
        items=[ItemInfo(title="")] + _item_infos(catalog, rng),
    )


def _check_arguments(num_users: int, num_items: int, interactions_per_user: float) -> None:
    where = "synthetic data"
    if num_users < 1:
        raise DataError(where, f"num_users must be at least 1, got {num_users}")
    if num_items < 2:
        raise DataError(where, f"num_items must be at least 2, got {num_items}")
    if not (math.isfinite(interactions_per_user) and interactions_per_user > 0):
        raise DataError(
            where, f"interactions_per_user must be a positive number, got {interactions_per_user}"
        )


def _make_catalog(num_items: int, rng: np.random.Generator) -> _Catalog:
    num_clusters = min(len(SYNTHETIC_GENRES), num_items)
    cluster_of_item = rng.integers(0, num_clusters, size=num_items)
    # Give every cluster at least one item.
    cluster_of_item[rng.permutation(num_items)[:num_clusters]] = np.arange(num_clusters)

    # A random order inside each cluster becomes its chain.
    shuffled = rng.permutation(num_items)
    chain = shuffled[np.argsort(cluster_of_item[shuffled], kind="stable")] + 1
    sizes = np.bincount(cluster_of_item, minlength=num_clusters)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    return _Catalog(cluster_of_item, chain, offsets, sizes)


def _sequence_lengths(num_users: int, mean: float, rng: np.random.Generator) -> np.ndarray:
    # exp(N(-s^2/2, s)) has mean 1, so the lengths average `mean` before the minimum applies.
    scale = rng.lognormal(-LENGTH_SIGMA**2 / 2, LENGTH_SIGMA, size=num_users)
    return np.maximum(MIN_SEQUENCE_LENGTH, np.rint(mean * scale)).astype(np.int64)


def _walk(
    catalog: _Catalog, lengths: np.ndarray, num_items: int, rng: np.random.Generator
) -> np.ndarray:
    total = int(lengths.sum())
    num_clusters = len(catalog.sizes)
    user_of_step = np.repeat(np.arange(len(lengths)), lengths)  # (T,)
    first_steps = np.concatenate(([0], np.cumsum(lengths)[:-1]))  # (U,)

    # Segments: maximal runs of steps inside one cluster; a user's first step opens one.
    opens_segment = rng.random(total) < SWITCH_PROB
    opens_segment[first_steps] = True
    segment_starts = np.flatnonzero(opens_segment)  # (S,)
    segment_of_step = np.cumsum(opens_segment) - 1  # (T,)

    # Each segment picks one of its user's favourite clusters, or explores a random one.
    favourites = rng.integers(0, num_clusters, size=(len(lengths), FAVOURITE_CLUSTERS))
    segment_user = user_of_step[segment_starts]
    cluster = favourites[segment_user, rng.integers(0, FAVOURITE_CLUSTERS, len(segment_starts))]
    explore = rng.random(len(segment_starts)) < EXPLORE_PROB
    cluster[explore] = rng.integers(0, num_clusters, int(explore.sum()))
    start = rng.integers(0, catalog.sizes[cluster])  # (S,) entry point into the chain

    # Walk the chain: one item a step, sometimes two; the opening step stays at the entry.
    steps = np.where(rng.random(total) < SKIP_PROB, 2, 1)
    steps[segment_starts] = 0
    walked = np.cumsum(steps)
    walked -= walked[segment_starts][segment_of_step]  # (T,) steps since the segment opened

    step_cluster = cluster[segment_of_step]
    position = (start[segment_of_step] + walked) % catalog.sizes[step_cluster]
    item_seq = catalog.chain[catalog.offsets[step_cluster] + position]

    noise = rng.random(total) < NOISE_PROB
    item_seq[noise] = rng.integers(1, num_items + 1, int(noise.sum()))
    return item_seq.astype(np.int64)


def _timestamps(lengths: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    total = int(lengths.sum())
    first_steps = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    gaps = 1 + rng.exponential(MEAN_GAP_S, size=total).astype(np.int64)  # >= 1 s
    gaps[first_steps] = START_TIME + rng.integers(0, 365 * 24 * 3600, size=len(lengths))
    elapsed = np.cumsum(gaps)
    user_base = np.repeat(elapsed[first_steps] - gaps[first_steps], lengths)
    return elapsed - user_base


def _item_infos(catalog: _Catalog, rng: np.random.Generator) -> list[ItemInfo]:
    num_items = len(catalog.cluster_of_item)
    num_clusters = len(catalog.sizes)
    era = rng.integers(1950, 2016, size=num_clusters)  # each genre has its own era
    years = np.clip(era[catalog.cluster_of_item] + np.rint(rng.normal(0, 6, num_items)), 1920, 2023)
    second_genre = rng.integers(0, num_clusters, size=num_items)
    has_second = (rng.random(num_items) < 0.4) & (second_genre != catalog.cluster_of_item)

    infos = []
    for index, (primary, year, second, two) in enumerate(
        zip(catalog.cluster_of_item.tolist(), years.astype(int).tolist(),
            second_genre.tolist(), has_second.tolist(), strict=True)
    ):
        genres = (SYNTHETIC_GENRES[primary],) + ((SYNTHETIC_GENRES[second],) if two else ())
        infos.append(ItemInfo(title=f"Synthetic Item {index + 1}", year=year, genres=genres))
    return infos
