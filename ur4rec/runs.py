"""Open a finished run: its config, data, texts and best model, for evaluation and recommendation."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ur4rec.config import Config
from ur4rec.errors import RunError
from ur4rec.evaluation.evaluator import SCORE_KINDS, evaluate
from ur4rec.models.moe import EXPERTS
from ur4rec.models.ur4rec import UR4Rec
from ur4rec.pipeline import Prepared, build_model, prepare
from ur4rec.training.checkpoint import load_checkpoint, load_model_state
from ur4rec.training.run_dir import RunDir, read_json
from ur4rec.training.runner import load_run_config

logger = logging.getLogger(__name__)


@dataclass
class LoadedRun:
    run: RunDir
    config: Config
    prepared: Prepared
    model: UR4Rec
    stage: str


def latest_stage(run: RunDir) -> str:
    """Return the last finished stage of a run, whose best checkpoint `open_run` loads by default."""
    state = run.read_state()
    if not state["completed"]:
        raise RunError(f"{run.root}: no stage has finished yet; train or resume the run first")
    return list(state["completed"])[-1]


def open_run(run_dir: str | Path, stage: str | None = None, prepared: Prepared | None = None) -> LoadedRun:
    """Load the run's config and the best model of `stage` (default: the last finished stage)."""
    run = RunDir(Path(run_dir))
    config = load_run_config(run.root)
    stage = stage or latest_stage(run)
    checkpoint = run.checkpoint(stage, "best")
    if not checkpoint.is_file():
        raise RunError(f"{checkpoint}: no best checkpoint for stage {stage!r}")
    payload = load_checkpoint(checkpoint)  # fails fast, before the slow data preparation
    prepared = prepared or prepare(config)
    model = build_model(config, prepared)
    load_model_state(model, payload, checkpoint)
    model.eval()
    return LoadedRun(run, config, prepared, model, stage)


def evaluate_run(loaded: LoadedRun, unmasked: bool = False) -> dict:
    """Validation and test metrics of every score kind under both protocols."""
    path = loaded.run.negatives_path
    if not path.is_file():
        raise RunError(f"{path}: file not found; the run directory is incomplete, so train it again")
    negatives = np.load(path)
    kinds = tuple(k for k in SCORE_KINDS if k == "fused"
                  or (k == "sasrec" and loaded.model.uses_sasrec)
                  or (k == "retriever" and loaded.model.uses_retriever))
    split = loaded.prepared.split
    return {
        phase: evaluate(loaded.model, split, phase, negatives, score_kinds=kinds, unmasked=unmasked)
        for phase in ("valid", "test")
    }


@dataclass
class Recommendation:
    rank: int
    item_id: str
    title: str
    fused: float
    sasrec: float
    retriever: float
    gates: dict[str, float]


@torch.inference_mode()
def recommend(loaded: LoadedRun, raw_user_id: str, k: int = 10, phase: str = "test") -> list[Recommendation]:
    """Top-k items for a user from the input of `phase`, excluding items already in that input.

    With phase "test" the input is the training sequence plus the validation item, so the test
    item can appear among the recommendations.
    """
    data, split, model = loaded.prepared.data, loaded.prepared.split, loaded.model
    user = data.user_index(raw_user_id)
    history = split.history(user, phase)
    item_seq = torch.zeros(1, model.max_len, dtype=torch.long)
    tail = torch.from_numpy(history[-model.max_len:].astype(np.int64))
    if len(tail):
        item_seq[0, -len(tail):] = tail
    scores = model.score(model(torch.tensor([user]), item_seq, positions=1), last_only=True)
    fused = scores.fused[0, -1].clone()
    fused[0] = float("-inf")
    fused[torch.from_numpy(history.astype(np.int64))] = float("-inf")
    top = torch.topk(fused, min(k, int(torch.isfinite(fused).sum()))).indices
    out = []
    for rank, item in enumerate(top.tolist(), start=1):
        gates = scores.gates[0, -1, item].tolist() if scores.gates is not None else [1 / 3] * 3
        out.append(Recommendation(
            rank, data.item_raw_ids[item], data.items[item].title, float(scores.fused[0, -1, item]),
            float(scores.sasrec[0, -1, item]), float(scores.retriever[0, -1, item]),
            dict(zip(EXPERTS, (float(g) for g in gates))),
        ))
    return out


def read_results(run_dir: str | Path) -> dict:
    run = RunDir(Path(run_dir))
    run.require()
    return read_json(run.results_path)
