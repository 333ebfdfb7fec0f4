import math

import numpy as np
import pytest
import torch

from ur4rec.evaluation.metrics import metrics_from_ranks, pessimistic_rank


@pytest.mark.parametrize("rank", [1, 2, 5, 10, 11, 20, 21, 100])
def test_single_rank_against_hand_values(rank):
    m = metrics_from_ranks(np.array([rank]))
    assert m["HR@10"] == (1.0 if rank <= 10 else 0.0)
    assert m["HR@5"] == (1.0 if rank <= 5 else 0.0)
    assert m["NDCG@10"] == pytest.approx(1 / math.log2(rank + 1) if rank <= 10 else 0.0)
    assert m["NDCG@20"] == pytest.approx(1 / math.log2(rank + 1) if rank <= 20 else 0.0)
    assert m["MRR"] == pytest.approx(1 / rank)


def test_mean_over_users():
    m = metrics_from_ranks(np.array([1, 3, 50]))
    assert m["HR@10"] == pytest.approx(2 / 3)
    assert m["NDCG@10"] == pytest.approx((1.0 + 0.5) / 3)
    assert m["MRR"] == pytest.approx((1 + 1 / 3 + 1 / 50) / 3)


def test_ties_rank_pessimistically():
    scores = torch.tensor([[0.5, 0.9, 0.5, 0.5, 0.1]])
    rank = pessimistic_rank(scores, torch.tensor([0.5]))
    # One item scores higher and two tie with the target: the target is ranked 4th.
    assert int(rank[0]) == 4


def test_all_equal_scores_rank_last():
    scores = torch.zeros(2, 7)
    ranks = pessimistic_rank(scores, torch.zeros(2))
    assert ranks.tolist() == [7, 7]
