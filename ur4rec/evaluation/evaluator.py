"""Evaluation of a trained model under the full-ranking and sampled-100 protocols.

`full`: the target is ranked against all items, with the user's earlier items masked (never
the target). `sampled100`: the target is ranked against the user's stored negatives.
`full_unmasked` (optional) ranks against all items without masking, as RecBole does for
sequential models.
"""

from __future__ import annotations

import numpy as np
import torch

from ur4rec.data.batching import pad_left
from ur4rec.data.split import LeaveOneOutSplit
from ur4rec.evaluation.metrics import metrics_from_ranks, pessimistic_rank
from ur4rec.models.ur4rec import UR4Rec

SCORE_KINDS = ("fused", "sasrec", "retriever")


def _batch_inputs(split: LeaveOneOutSplit, users: np.ndarray, phase: str, max_len: int
                  ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    histories = [split.history(int(u), phase) for u in users]
    targets = split.valid_target[users] if phase == "valid" else split.test_target[users]
    return histories, pad_left(histories, max_len), targets


@torch.inference_mode()
def evaluate(model: UR4Rec, split: LeaveOneOutSplit, phase: str, negatives: np.ndarray,
             batch_size: int = 256, users: np.ndarray | None = None,
             score_kinds: tuple[str, ...] = ("fused",), unmasked: bool = False,
             device: str | torch.device = "cpu") -> dict[str, dict[str, dict[str, float]]]:
    """Rank each user's validation or test target.

    Returns {score kind: {protocol: {metric: value}}} for the requested score kinds.
    """
    was_training = model.training
    model.eval()
    users = split.eval_users() if users is None else users
    protocols = ["full", "sampled100"] + (["full_unmasked"] if unmasked else [])
    ranks: dict[str, dict[str, list[np.ndarray]]] = {
        kind: {p: [] for p in protocols} for kind in score_kinds
    }
    for start in range(0, len(users), batch_size):
        batch_users = users[start:start + batch_size]
        histories, inputs, targets = _batch_inputs(split, batch_users, phase, model.max_len)
        user_ids = torch.from_numpy(batch_users).to(device)
        item_seq = torch.from_numpy(inputs).to(device)
        target_t = torch.from_numpy(targets).to(device)
        needs_retriever = score_kinds != ("sasrec",)
        out = model(user_ids, item_seq, with_retriever=needs_retriever, positions=1,
                    with_sasrec=score_kinds != ("retriever",))
        scores = model.score(out, last_only=True)
        seen_mask = _seen_mask(histories, targets, model.num_items + 1, device)
        negs = torch.from_numpy(negatives[batch_users]).to(device)
        for kind in score_kinds:
            all_scores = getattr(scores, kind)[:, -1].float()  # (B, N+1)
            for protocol, rank in _ranks(all_scores, target_t, seen_mask, negs, unmasked).items():
                ranks[kind][protocol].append(rank.cpu().numpy())
    model.train(was_training)
    return {
        kind: {p: metrics_from_ranks(np.concatenate(r) if r else np.zeros(0)) for p, r in per.items()}
        for kind, per in ranks.items()
    }


def _seen_mask(histories: list[np.ndarray], targets: np.ndarray, width: int,
               device: str | torch.device) -> torch.Tensor:
    """Boolean (B, N+1): padding and every earlier item of the user, never the target."""
    mask = np.zeros((len(histories), width), dtype=bool)
    mask[:, 0] = True
    for row, history in enumerate(histories):
        mask[row, history] = True
        mask[row, targets[row]] = False
    return torch.from_numpy(mask).to(device)


def _ranks(scores: torch.Tensor, targets: torch.Tensor, seen: torch.Tensor,
           negatives: torch.Tensor, unmasked: bool) -> dict[str, torch.Tensor]:
    target_scores = scores.gather(1, targets.unsqueeze(1)).squeeze(1)  # (B,)
    out = {"full": pessimistic_rank(scores.masked_fill(seen, float("-inf")), target_scores)}
    candidates = torch.cat([targets.unsqueeze(1), negatives], dim=1)  # (B, 1 + K)
    out["sampled100"] = pessimistic_rank(scores.gather(1, candidates), target_scores)
    if unmasked:
        padding = torch.zeros_like(seen)
        padding[:, 0] = True
        out["full_unmasked"] = pessimistic_rank(scores.masked_fill(padding, float("-inf")), target_scores)
    return out
