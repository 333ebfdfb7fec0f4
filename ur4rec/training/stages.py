"""Stage specifications: the modules each training stage trains, its loss and its score."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ur4rec.data.batching import TrainBatch
from ur4rec.models.ur4rec import UR4Rec, cross_entropy


@dataclass(frozen=True)
class StageSpec:
    name: str
    modules: tuple[str, ...]  # parameter groups that train: sasrec, retriever, fusion
    score: str  # score kind used for the loss and early stopping: sasrec, retriever or fused


STAGE_SPECS = {
    "pretrain_sasrec": StageSpec("pretrain_sasrec", ("sasrec",), "sasrec"),
    "pretrain_retriever": StageSpec("pretrain_retriever", ("retriever",), "retriever"),
    "joint_finetune": StageSpec("joint_finetune", ("sasrec", "retriever"), "fused"),
    "end_to_end": StageSpec("end_to_end", ("sasrec", "retriever", "fusion"), "fused"),
}

MODEL_STAGES = {
    "ur4rec": tuple(STAGE_SPECS),
    "sasrec_only": ("pretrain_sasrec",),
    "retriever_only": ("pretrain_retriever",),
}


def module_parameters(model: UR4Rec, module: str) -> list[nn.Parameter]:
    if module == "sasrec":
        return list(model.sasrec.parameters())
    if module == "retriever":
        params = list(model.retriever.parameters())
        if model.memory is not None:
            params += list(model.memory.parameters())
        return params
    if module == "fusion":
        return list(model.fusion.parameters())
    raise ValueError(f"unknown module {module!r}")


def set_trainable(model: UR4Rec, modules: tuple[str, ...]) -> None:
    """Freeze every parameter except those of `modules`."""
    for param in model.parameters():
        param.requires_grad_(False)
    for module in modules:
        for param in module_parameters(model, module):
            param.requires_grad_(True)


@dataclass
class StepOutput:
    loss: torch.Tensor
    gates: torch.Tensor | None  # (M, E) gate weights at the target items
    fusion: torch.Tensor | None  # (M, 2) fusion weights at the target positions
    out: object | None  # ModelOutput for memory writes


def sample_candidates(targets: torch.Tensor, num_items: int, num_negatives: int,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidates for a sampled softmax: the batch's targets plus shared random negatives.

    Returns the sorted candidate ids (C,) and each target's column (B, L) (0 where padding).
    """
    negatives = torch.randint(1, num_items + 1, (num_negatives,), generator=generator)
    candidates = torch.unique(torch.cat([targets[targets > 0], negatives]))  # sorted
    columns = torch.searchsorted(candidates, targets.clamp(min=1))
    return candidates, columns


def compute_loss(model: UR4Rec, batch: TrainBatch, score_kind: str,
                 num_negatives: int, loss_positions: int = 0) -> StepOutput:
    """Compute the loss of one batch: cross-entropy of the next item at every real position.

    Retriever and fused losses score only the last `loss_positions` positions (0: all), because
    per-candidate gates cost (B, L, C, experts) memory and time.
    """
    targets = batch.pos_items  # (B, L)
    if score_kind == "sasrec":
        # Fast path: SASRec alone needs neither the retriever nor the memory.
        # The logits leave out the padding column 0, so targets shift down by one and padding
        # positions (-1) are ignored: no masked copy of the (B, L, N) logits.
        logits = model.sasrec(batch.item_seq) @ model.sasrec.item_embeddings()[1:].T  # (B, L, N)
        return StepOutput(cross_entropy(logits, targets - 1, ignore_index=-1), None, None, None)

    # The retriever loss reads no SASRec score, so the SASRec forward pass is skipped.
    retriever_alone = score_kind == "retriever"
    out = model(batch.user_ids, batch.item_seq, positions=loss_positions, with_sasrec=not retriever_alone)
    targets = targets[:, -out.seq_output.size(1):]
    is_target = targets > 0
    if num_negatives > 0:
        candidates, columns = sample_candidates(targets, model.num_items, num_negatives)
        scores = model.score(out, candidates)
        logits = getattr(scores, score_kind)  # (B, L, C)
        loss = cross_entropy_columns(logits, columns, is_target)
        gate_columns = columns
    else:
        scores = model.score(out)
        logits = getattr(scores, score_kind)  # (B, L, N+1)
        logits = logits.masked_fill(_padding_column(logits), float("-inf"))
        loss = cross_entropy(logits, targets)
        gate_columns = targets
    gates = None
    if scores.gates is not None:
        index = gate_columns.unsqueeze(-1).unsqueeze(-1).expand(-1, -1, 1, scores.gates.size(-1))
        gates = scores.gates.gather(2, index).squeeze(2)[is_target].detach()  # (M, E)
    # Without the SASRec output the fusion weights would be meaningless, so none are reported.
    fusion = None if retriever_alone else out.fusion_weights[is_target].detach()  # (M, 2)
    return StepOutput(loss, gates, fusion, out)


def _padding_column(logits: torch.Tensor) -> torch.Tensor:
    mask = torch.zeros(logits.size(-1), dtype=torch.bool, device=logits.device)
    mask[0] = True
    return mask


def cross_entropy_columns(logits: torch.Tensor, columns: torch.Tensor,
                          is_target: torch.Tensor) -> torch.Tensor:
    if not bool(is_target.any()):
        return logits.sum() * 0.0
    return nn.functional.cross_entropy(logits[is_target], columns[is_target])
