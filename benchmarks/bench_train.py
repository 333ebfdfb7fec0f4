"""Benchmark a training run: throughput, validation time, time to the best epoch, metrics, memory.

    python benchmarks/bench_train.py --config configs/quick.yaml [--set key=value ...]
        [--output DIR] [--track-unmasked] [--json]

The run trains through `start_run` like the CLI, with this script subscribed to the event bus.
Data loading and text encoding happen before the clock of the first stage starts and are timed
on their own. For the SASRec stage the best model is also evaluated without masking the user's
earlier items (`full_unmasked`, RecBole's full-ranking protocol).
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from training_clock import Clock, TrainingClock

from ur4rec.config import Config
from ur4rec.data.batching import TrainBatches
from ur4rec.evaluation.evaluator import evaluate
from ur4rec.models.ur4rec import UR4Rec
from ur4rec.pipeline import Prepared, build_model, prepare, set_threads
from ur4rec.runs import open_run
from ur4rec.training import events as ev
from ur4rec.training.checkpoint import load_checkpoint
from ur4rec.training.run_dir import RunDir
from ur4rec.training.runner import start_run

SASREC_STAGE = "pretrain_sasrec"
DEFAULT_UNMASKED_TARGET = 0.070


class UnmaskedTracker:
    """After each SASRec epoch, evaluate the epoch's model on unmasked full ranking (validation).

    It loads the epoch's `last.pt` checkpoint into a model of its own, so the training model is
    never touched, and removes its own time from `clock`, so the training figures stay as they
    would be without it.
    """

    def __init__(self, model: UR4Rec, prepared: Prepared, run_dir: Path, clock: Clock) -> None:
        self.model = model
        self.prepared = prepared
        self.run = RunDir(run_dir)
        self.clock = clock
        self.ndcg_by_epoch: dict[int, float] = {}
        self.excluded_s = 0.0

    def __call__(self, event: ev.Event) -> None:
        if not (isinstance(event, ev.CheckpointSaved) and event.stage == SASREC_STAGE and not event.best):
            return
        start = time.perf_counter()
        # A last-checkpoint event after an epoch carries the number of finished epochs.
        epoch = event.epoch - 1
        self.model.load_state_dict(load_checkpoint(Path(event.path))["model"])
        negatives = np.load(self.run.negatives_path)
        metrics = evaluate(
            self.model,
            self.prepared.split,
            "valid",
            negatives,
            score_kinds=("sasrec",),
            unmasked=True,
        )
        self.ndcg_by_epoch[epoch] = metrics["sasrec"]["full_unmasked"]["NDCG@10"]
        spent = time.perf_counter() - start
        self.excluded_s += spent
        self.clock.exclude(spent)

    def first_reaching(self, target: float) -> int | None:
        return next((e for e, v in sorted(self.ndcg_by_epoch.items()) if v >= target), None)


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    common.add_config_arguments(
        parser,
        "YAML config to train (default: configs/quick.yaml)",
        "override a config value, e.g. training.epochs_per_stage=1 (repeatable)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="run folder to train into and keep (default: a temporary folder, deleted afterwards)",
    )
    parser.add_argument("--stages", nargs="+", default=None, help="stages to run (default: the config's)")
    parser.add_argument(
        "--track-unmasked",
        action="store_true",
        help="evaluate unmasked validation NDCG@10 after every SASRec epoch; its "
        "time is left out of every reported wall time",
    )
    parser.add_argument(
        "--unmasked-target",
        type=float,
        default=DEFAULT_UNMASKED_TARGET,
        help=f"unmasked validation NDCG@10 whose first epoch is reported (default {DEFAULT_UNMASKED_TARGET})",
    )
    parser.add_argument(
        "--no-tensorboard",
        action="store_true",
        help="do not write TensorBoard files (the CLI writes them)",
    )
    return parser.parse_args()


def train(args, config: Config, run_dir: Path) -> dict:
    """Prepare the data, train with the clock subscribed and return every figure."""
    set_threads(config)
    prepare_start = time.perf_counter()
    prepared = prepare(config)
    prepare_s = time.perf_counter() - prepare_start
    rows = len(TrainBatches(prepared.split, config.data.max_seq_len, 1).users)
    sasrec_rows = len(
        TrainBatches(prepared.split, config.data.max_seq_len, 1, windows=config.training.sasrec_windows).users
    )

    clock = Clock()
    timing = TrainingClock(clock, config.training.monitor_protocol)
    bus = ev.EventBus()
    bus.subscribe(timing)
    tracker = None
    if args.track_unmasked:
        # Built before training: build_model reseeds torch's global generator.
        tracker = UnmaskedTracker(build_model(config, prepared), prepared, run_dir, clock)
        bus.subscribe(tracker)

    run_start = clock()
    start_run(
        config,
        run_dir,
        stages=args.stages,
        bus=bus,
        prepared=prepared,
        tensorboard=not args.no_tensorboard,
    )
    run_wall_s = clock() - run_start

    # Sequences per second count training rows: users, or windows in a windowed SASRec stage.
    stages = {
        name: stage.summary(sasrec_rows if name == SASREC_STAGE else rows) for name, stage in timing.stages.items()
    }
    figures = {
        "config": str(args.config),
        "overrides": args.overrides,
        "run_dir": str(run_dir),
        "data": {
            "name": prepared.data.name,
            "users": prepared.data.num_users,
            "items": prepared.data.num_items,
            "interactions": prepared.data.num_interactions,
        },
        "prepare_s": prepare_s,
        "run_wall_s": run_wall_s,
        "total_wall_s": prepare_s + run_wall_s,
        "excluded_tracking_s": tracker.excluded_s if tracker else 0.0,
        "peak_rss_mb": common.peak_rss_mb(),
        "stages": stages,
    }
    if SASREC_STAGE in stages and not stages[SASREC_STAGE]["stopped"]:
        figures["sasrec_unmasked"] = unmasked_figures(run_dir, prepared, timing, tracker, args.unmasked_target)
    return figures


def unmasked_figures(
    run_dir: Path,
    prepared: Prepared,
    timing: TrainingClock,
    tracker: UnmaskedTracker | None,
    target: float,
) -> dict:
    """Masked and unmasked full-ranking NDCG@10 of the best SASRec model, and the target epoch."""
    loaded = open_run(run_dir, SASREC_STAGE, prepared=prepared)
    negatives = np.load(loaded.run.negatives_path)
    out: dict = {}
    for phase in ("valid", "test"):
        metrics = evaluate(loaded.model, prepared.split, phase, negatives, score_kinds=("sasrec",), unmasked=True)[
            "sasrec"
        ]
        out[phase] = {p: metrics[p]["NDCG@10"] for p in ("full", "full_unmasked", "sampled100")}
    out["target"] = target
    if tracker is not None:
        stage = timing.stages[SASREC_STAGE]
        out["valid_unmasked_by_epoch"] = {e + 1: v for e, v in sorted(tracker.ndcg_by_epoch.items())}
        epoch = tracker.first_reaching(target)
        reached = stage.epoch(epoch) if epoch is not None else None
        out["target_epoch"] = None if epoch is None else epoch + 1
        out["wall_s_to_target"] = (
            None if reached is None or reached.metrics_at is None else reached.metrics_at - stage.started
        )
    return out


def report(figures: dict, args) -> None:
    out = common.Report("bench_train", args.json)
    out.data.update(figures)
    data = figures["data"]
    out.note(
        f"Config {figures['config']} {' '.join(figures['overrides'])}\n"
        f"Data {data['name']}: {data['users']:,} users, {data['items']:,} items, "
        f"{data['interactions']:,} interactions"
    )
    stages = figures["stages"]
    out.table(
        [
            "stage",
            "epochs",
            "train s/epoch",
            "seq/s",
            "valid s/epoch",
            "ckpt s/epoch",
            "start valid s",
            "best epoch",
            "s to best",
            "best valid NDCG@10",
            "finish s",
            "stage s",
            "peak RSS MB",
        ],
        [
            [
                name,
                s["epochs_run"],
                s["train_s_per_epoch"],
                s["sequences_per_s"],
                s["valid_s_per_epoch"],
                s["checkpoint_s_per_epoch"],
                s["baseline_valid_s"],
                "start" if s["best_epoch"] == 0 else s["best_epoch"],
                s["wall_s_to_best"],
                s["best_valid_ndcg10_monitored"],
                s["finish_s"],
                s["wall_s"],
                s["peak_rss_mb"],
            ]
            for name, s in stages.items()
        ],
        "Per stage (times in seconds; 's to best' counts from the stage's start)",
    )
    out.table(
        [
            "stage",
            "score",
            "valid full NDCG@10",
            "test full NDCG@10",
            "test full HR@10",
            "test sampled100 NDCG@10",
            "test sampled100 HR@10",
        ],
        [
            [
                name,
                s["score"],
                s["valid"].get("full", {}).get("NDCG@10"),
                s["test"].get("full", {}).get("NDCG@10"),
                s["test"].get("full", {}).get("HR@10"),
                s["test"].get("sampled100", {}).get("NDCG@10"),
                s["test"].get("sampled100", {}).get("HR@10"),
            ]
            for name, s in stages.items()
        ],
        "Best model of each stage, all users",
    )
    out.note(
        f"Data, texts and embeddings: {figures['prepare_s']:.1f} s; training run: "
        f"{figures['run_wall_s']:.1f} s; total: {figures['total_wall_s']:.1f} s; "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB"
    )
    if "sasrec_unmasked" in figures:
        out.note(unmasked_text(figures["sasrec_unmasked"], figures["excluded_tracking_s"]))
    out.note(
        "Notes: 'train' runs from the event before an epoch's first step to its last StepLoss; "
        "'valid' from that StepLoss to EpochMetrics (validation on training.max_eval_users users "
        "when set); 'ckpt' is the checkpoint writing after it. 'start valid' is the validation of "
        "the model that a stage after the first starts from; 'best epoch' is 'start' when no "
        "epoch beat that model. 'finish' is the stage end (best model, memory snapshot, "
        "validation and test evaluation of all users). 'best valid NDCG@10' is the "
        "early-stopping value of the best epoch. Peak RSS is the process's "
        "high-water mark at the end of each stage, so it never decreases.",
        wrap=True,
    )
    out.finish()


def unmasked_text(figures: dict, excluded_s: float) -> str:
    lines = ["SASRec best model, full ranking NDCG@10 (masked: earlier items excluded; unmasked: RecBole's protocol)"]
    for phase in ("valid", "test"):
        m = figures[phase]
        lines.append(
            f"  {phase}: masked {m['full']:.4f}, unmasked {m['full_unmasked']:.4f}, sampled100 {m['sampled100']:.4f}"
        )
    if "valid_unmasked_by_epoch" in figures:
        per_epoch = ", ".join(f"{e}: {v:.4f}" for e, v in figures["valid_unmasked_by_epoch"].items())
        lines.append(f"  unmasked valid NDCG@10 per epoch: {per_epoch}")
        if figures["target_epoch"] is None:
            lines.append(f"  never reached {figures['target']:.3f}")
        else:
            lines.append(
                f"  first reached {figures['target']:.3f} after epoch {figures['target_epoch']}, "
                f"{figures['wall_s_to_target']:.1f} s after the stage started"
            )
        lines.append(
            f"  The per-epoch unmasked evaluations took {excluded_s:.1f} s; that time is "
            "left out of every wall time above."
        )
    else:
        lines.append(
            "  (pass --track-unmasked to find the epoch at which unmasked validation NDCG@10 "
            f"first reaches {figures['target']:.3f})"
        )
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    common.setup_logging(args.verbose)
    common.setup_data_env(args.data_root)
    config = common.load_bench_config(args.config, args.overrides)
    keep = args.output is not None
    run_dir = args.output.resolve() if keep else Path(tempfile.mkdtemp(prefix="ur4rec-bench-train-")) / "run"
    try:
        figures = train(args, config, run_dir)
    finally:
        if not keep:
            shutil.rmtree(run_dir.parent, ignore_errors=True)
    report(figures, args)


if __name__ == "__main__":
    main()
