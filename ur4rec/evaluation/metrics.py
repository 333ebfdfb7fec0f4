"""Ranking metrics for one relevant item per user.

With the relevant item at 1-based rank r: HR@K = 1 if r <= K else 0;
NDCG@K = 1 / log2(r + 1) if r <= K else 0; MRR = 1 / r (not truncated).
"""

from __future__ import annotations

import numpy as np
import torch

CUTOFFS = (5, 10, 20)


def pessimistic_rank(scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """1-based rank of each target among scores (B, C); tied items rank ahead of the target.

    `scores` must contain the target's own score once; target_scores is (B,).
    """
    target = target_scores.unsqueeze(1)
    higher = (scores > target).sum(1)
    ties = (scores == target).sum(1) - 1  # the target itself is not a tie
    return higher + ties + 1


def metrics_from_ranks(ranks: np.ndarray, cutoffs: tuple[int, ...] = CUTOFFS) -> dict[str, float]:
    """Mean HR@K, NDCG@K and MRR over users; ranks are 1-based."""
    ranks = np.asarray(ranks, dtype=np.float64)
    if ranks.size == 0:
        return {**{f"HR@{k}": 0.0 for k in cutoffs}, **{f"NDCG@{k}": 0.0 for k in cutoffs}, "MRR": 0.0}
    result: dict[str, float] = {}
    for k in cutoffs:
        result[f"HR@{k}"] = float(np.mean(ranks <= k))
    for k in cutoffs:
        result[f"NDCG@{k}"] = float(np.mean(np.where(ranks <= k, 1.0 / np.log2(ranks + 1.0), 0.0)))
    result["MRR"] = float(np.mean(1.0 / ranks))
    return result
