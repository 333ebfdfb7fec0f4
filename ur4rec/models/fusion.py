"""Fusion of SASRec and retriever scores: fixed, learned or per-user adaptive weights."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ur4rec.config import FusionConfig


class ScoreFusion(nn.Module):
    """Weights the two score sources; `weights` returns (..., 2) as (sasrec, retriever)."""

    def __init__(self, config: FusionConfig, sasrec_dim: int, retriever_dim: int) -> None:
        super().__init__()
        self.method = config.method
        initial = torch.tensor([config.sasrec_weight, config.retriever_weight], dtype=torch.float)
        if self.method == "weighted":
            self.register_buffer("fixed", initial)
        else:
            # Start the softmax at the configured proportions.
            logits = torch.log(initial.clamp(min=1e-4) / initial.sum().clamp(min=1e-4))
            self.logits = nn.Parameter(logits)
        if self.method == "adaptive":
            self.net = nn.Sequential(
                nn.Linear(sasrec_dim + retriever_dim, 64), nn.GELU(), nn.Linear(64, 2)
            )
            nn.init.zeros_(self.net[2].weight)
            nn.init.zeros_(self.net[2].bias)

    def weights(self, seq_output: torch.Tensor, retriever_rep: torch.Tensor) -> torch.Tensor:
        """Fusion weights for each position: (..., Ds), (..., Dr) -> (..., 2)."""
        shape = seq_output.shape[:-1]
        if self.method == "weighted":
            return self.fixed.expand(*shape, 2)
        if self.method == "learned":
            return F.softmax(self.logits, dim=-1).expand(*shape, 2)
        features = torch.cat([seq_output, retriever_rep], dim=-1)
        return F.softmax(self.logits + self.net(features), dim=-1)

    @staticmethod
    def fuse(sasrec_scores: torch.Tensor, retriever_scores: torch.Tensor,
             weights: torch.Tensor) -> torch.Tensor:
        """Combine (..., C) score tensors with (..., 2) weights."""
        return weights[..., :1] * sasrec_scores + weights[..., 1:] * retriever_scores
