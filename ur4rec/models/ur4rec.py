"""UR4Rec: SASRec and the MoE text retriever with per-user memory, fused."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ur4rec.config import Config
from ur4rec.models.fusion import ScoreFusion
from ur4rec.models.memory import MemoryBank, ReplayResult
from ur4rec.models.moe import MoERetriever, RetrieverOutput
from ur4rec.models.sasrec import SASRec


@dataclass
class ModelOutput:
    seq_output: torch.Tensor  # (B, L, Ds)
    retriever: RetrieverOutput | None
    replay: ReplayResult | None
    fusion_weights: torch.Tensor  # (B, L, 2)


@dataclass
class Scores:
    sasrec: torch.Tensor  # (B, L, C)
    retriever: torch.Tensor  # (B, L, C)
    fused: torch.Tensor  # (B, L, C)
    gates: torch.Tensor | None  # (B, L, C, E)


class UR4Rec(nn.Module):
    """The composed recommender; `config.training.model` selects SASRec or the retriever alone."""

    def __init__(self, num_users: int, num_items: int, config: Config,
                 user_text: torch.Tensor, item_text: torch.Tensor) -> None:
        super().__init__()
        self.kind = config.training.model
        self.num_items = num_items
        self.max_len = config.data.max_seq_len
        self.sasrec = SASRec(num_items, self.max_len, config.sasrec)
        self.retriever = MoERetriever(num_items, user_text, item_text, config.moe)
        self.memory = None
        if config.memory.max_memory_size > 0:
            self.memory = MemoryBank(num_users, config.moe.hidden_dim, config.memory)
        self.fusion = ScoreFusion(config.fusion, config.sasrec.hidden_dim, config.moe.hidden_dim)

    @property
    def uses_sasrec(self) -> bool:
        return self.kind != "retriever_only"

    @property
    def uses_retriever(self) -> bool:
        return self.kind != "sasrec_only"

    def forward(self, user_ids: torch.Tensor, item_seq: torch.Tensor,
                with_retriever: bool = True, positions: int = 0, with_sasrec: bool = True) -> ModelOutput:
        """Encode a batch: user_ids (B,), left-padded item_seq (B, L).

        `with_retriever=False` skips the retriever and memory when only SASRec scores are needed,
        and `with_sasrec=False` skips SASRec when only retriever scores are (its output is zero).
        `positions=N` returns only the last N positions (0: all), so a loss or an evaluation that
        reads only those does not pay for the retriever's proxies and router at the others. The
        memory replay still runs over the whole sequence.
        """
        batch, length = item_seq.shape
        keep = positions if 0 < positions < length else length
        seq_output = None
        if self.uses_sasrec and with_sasrec:
            seq_output = self.sasrec(item_seq)[:, -keep:]  # (B, K, Ds)
        retriever_out = replay = None
        if self.uses_retriever and with_retriever:
            memory = None
            if self.memory is not None:
                memory, replay = self._memory_states(user_ids, item_seq)
                memory = memory[:, -keep:]
            retriever_out = self.retriever(user_ids, item_seq, memory, positions=keep)
        length = keep
        if seq_output is None:
            seq_output = item_seq.new_zeros(batch, length, self.sasrec.item_emb.embedding_dim).float()
        rep = retriever_out.representation if retriever_out is not None else seq_output.new_zeros(
            batch, length, self.retriever.dim)
        weights = self.fusion.weights(seq_output, rep)  # (B, L, 2)
        return ModelOutput(seq_output, retriever_out, replay, weights)

    def _memory_states(self, user_ids: torch.Tensor, item_seq: torch.Tensor
                       ) -> tuple[torch.Tensor, ReplayResult | None]:
        """Memory at every position (B, L, D) and, for sequence triggers, the replay result."""
        if self.memory.sequence_triggered:
            # The replay input is the retriever representation without memory.
            plain = self.retriever(user_ids, item_seq, None).representation  # (B, L, D)
            replay = self.memory.replay(plain, item_seq > 0)
            return replay.states, replay
        # NOTE: TIME_BASED and EXPLICIT read the stored state at every position, so during
        # training earlier positions see a memory built from the whole training sequence.
        stored = self.memory.read(user_ids)  # (B, D)
        return stored.unsqueeze(1).expand(-1, item_seq.size(1), -1), None

    def score(self, out: ModelOutput, candidates: torch.Tensor | None = None,
              last_only: bool = False) -> Scores:
        """Score candidates (C,) or all items (C = N + 1, column 0 is padding)."""
        seq_output, weights = out.seq_output, out.fusion_weights
        if last_only:
            out = last_positions(out, 1)
        seq_output, weights, retriever_out = out.seq_output, out.fusion_weights, out.retriever
        item_emb = self.sasrec.item_embeddings()
        if candidates is not None:
            item_emb = item_emb[candidates]
        sasrec_scores = seq_output @ item_emb.T  # (B, L, C)
        if retriever_out is not None:
            retriever_scores, gates = self.retriever.score(retriever_out, candidates)
        else:
            retriever_scores, gates = torch.zeros_like(sasrec_scores), None
        if self.kind == "sasrec_only":
            fused = sasrec_scores
        elif self.kind == "retriever_only":
            fused = retriever_scores
        else:
            fused = ScoreFusion.fuse(sasrec_scores, retriever_scores, weights)
        return Scores(sasrec_scores, retriever_scores, fused, gates)

    @torch.no_grad()
    def store_memory(self, user_ids: torch.Tensor, out: ModelOutput, seq_lens: torch.Tensor,
                     step: int) -> None:
        """Write the batch's final memory states to the bank (sequence triggers only)."""
        if self.memory is None or out.replay is None:
            return
        replay = out.replay
        self.memory.store(user_ids, replay.final, replay.has_memory, step, seq_lens,
                          replay.drift, replay.num_updates)


def last_positions(out: ModelOutput, count: int) -> ModelOutput:
    """Keep the last `count` positions of every per-position tensor of a model output."""
    retriever = out.retriever
    if retriever is not None:
        retriever = RetrieverOutput(
            retriever.user_vectors[:, -count:], retriever.representation[:, -count:],
            None if retriever.gate_query is None else retriever.gate_query[:, -count:],
            None if retriever.gate_bias is None else retriever.gate_bias[:, -count:],
        )
    return ModelOutput(out.seq_output[:, -count:], retriever, out.replay, out.fusion_weights[:, -count:])


def cross_entropy(logits: torch.Tensor, targets: torch.Tensor, ignore_index: int = 0) -> torch.Tensor:
    """Mean cross-entropy over positions whose target is not `ignore_index`; logits (B, L, C)."""
    if not bool((targets != ignore_index).any()):
        return logits.sum() * 0.0
    return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=ignore_index)
