"""Benchmark how training and evaluation time grow with the data: four data sets, one config.

    python benchmarks/bench_scale.py [--skip video synthetic-100x] [--epochs 2] [--json]

Each data set runs in a subprocess of its own, so its peak RSS is its own. A subprocess reads the
data, builds the texts and encodes them (each step timed), trains `pretrain_sasrec` and
`pretrain_retriever` for a fixed number of epochs with early stopping out of the way, and then
times one evaluation of all users. The synthetic sets keep MovieLens-100K's 1,682 items, so their
epoch time grows with the interactions alone and not with the item count.

Data sets without LLM texts (Video, synthetic) get offline template texts. Their embeddings are
cached per data set under `.cache/bench-embeddings/`, and the table shows whether a run found the
cache. Only the first run pays for encoding, but that run is slow: a synthetic user template lists
20 titles, about 236 of MiniLM's 256 tokens. With one torch thread on a shared 2-core machine,
encoding the 11,112 texts of synthetic-10x took 19 minutes, so synthetic-100x (95,982 texts)
takes hours the first time. `--random-embeddings` skips that encoding with seeded random vectors of
the same shape: the model does the same work whatever the values, so the times stay comparable,
but the metrics mean nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import common
import numpy as np
import torch
import torch.nn.functional as F
from training_clock import TrainingClock

from ur4rec.config import Config
from ur4rec.data.batching import TrainBatches
from ur4rec.data.split import leave_one_out
from ur4rec.evaluation.evaluator import SCORE_KINDS, evaluate
from ur4rec.llm.texts import build_texts
from ur4rec.pipeline import Prepared, load_data, locate_texts, set_threads
from ur4rec.runs import open_run
from ur4rec.text.encoder import TextEncoder
from ur4rec.training import events as ev
from ur4rec.training.runner import start_run

STAGES = ("pretrain_sasrec", "pretrain_retriever")
# Applied to every data set before --set. The retriever loss scores the last 10 positions, as the
# full MovieLens config does: over all 50, its (batch, positions, items, experts) tensors take
# about 1.8 GB each on Video's 23,715 items, and training needs several of them at once.
SCALE_OVERRIDES = ("training.loss_positions=10",)
ML100K_USERS, ML100K_ITEMS, ML100K_INTERACTIONS = 943, 1682, 100_000
BENCH_CACHE = common.REPO_ROOT / ".cache" / "bench-embeddings"
MINILM_DIM = 384  # the output size of all-MiniLM-L6-v2, the default text encoder


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    overrides: tuple[str, ...]
    large: bool  # runs --large-epochs and validates on --large-eval-users users
    cache: str = ""  # embedding cache folder under BENCH_CACHE; empty: the config's cache_dir
    needs: str = ""  # file under the shared data folder that must exist


def synthetic(name: str, factor: int, large: bool) -> DatasetSpec:
    users = ML100K_USERS * factor
    per_user = ML100K_INTERACTIONS / ML100K_USERS
    return DatasetSpec(
        name,
        f"synthetic, {factor}x MovieLens-100K users ({users:,}), {ML100K_ITEMS:,} items",
        (
            "data.dataset=synthetic",
            f"data.synthetic_users={users}",
            f"data.synthetic_items={ML100K_ITEMS}",
            f"data.synthetic_interactions_per_user={per_user:.4f}",
            'data.texts_dir=""',
        ),
        large,
        cache=name,
    )


def dataset_specs(data_root: Path) -> dict[str, DatasetSpec]:
    video = data_root / "sasrec" / "Video.txt"
    specs = [
        DatasetSpec("ml-100k", "MovieLens-100K with the LLM texts (the config as given)", (), False),
        synthetic("synthetic-10x", 10, False),
        DatasetSpec(
            "video",
            "Amazon Video Games (SASRec text file), template texts from item ids",
            ("data.dataset=sasrec-txt", f"data.data_dir={video}", 'data.texts_dir=""'),
            True,
            cache="video",
            needs="sasrec/Video.txt",
        ),
        synthetic("synthetic-100x", 100, True),
    ]
    return {spec.name: spec for spec in specs}


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    common.add_config_arguments(
        parser,
        "base config for every data set (default: configs/quick.yaml)",
        "override a config value for every data set (repeatable)",
    )
    parser.add_argument(
        "--skip",
        nargs="+",
        default=[],
        metavar="DATASET",
        help="data sets to leave out: ml-100k synthetic-10x video synthetic-100x",
    )
    parser.add_argument("--only", nargs="+", default=None, metavar="DATASET", help="run only these data sets")
    parser.add_argument("--epochs", type=int, default=2, help="epochs per stage (default 2)")
    parser.add_argument(
        "--large-epochs",
        type=int,
        default=1,
        help="epochs per stage on video and synthetic-100x (default 1)",
    )
    parser.add_argument(
        "--large-eval-users",
        type=int,
        default=2000,
        help="users validated after each epoch on video and synthetic-100x "
        "(training.max_eval_users; default 2000; 0: all)",
    )
    parser.add_argument(
        "--eval-users",
        type=int,
        default=0,
        help="users in the timed evaluation (default 0: all); fewer users give an estimate of the time for all of them",
    )
    parser.add_argument(
        "--encode-threads",
        type=int,
        default=0,
        help="torch threads while encoding texts (default 0: all cores); training "
        "uses the config's training.num_threads",
    )
    parser.add_argument(
        "--random-embeddings",
        action="store_true",
        help="give the template texts of video and the synthetic sets seeded random unit vectors "
        "in place of MiniLM embeddings: epoch and evaluation times do not depend on the values, and "
        "it skips the first encoding (about 2 hours for synthetic-100x on 2 cores); ml-100k still "
        "uses its encoded LLM texts",
    )
    parser.add_argument(
        "--timeout-min",
        type=float,
        default=None,
        help="stop a data set's subprocess after this many minutes",
    )
    parser.add_argument("--no-tensorboard", action="store_true", help="do not write TensorBoard files")
    # Internal: the parent starts one subprocess per data set with these two options.
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


# -- one data set (runs in the subprocess) -------------------------------------------------------


def dataset_config(args, spec: DatasetSpec) -> Config:
    epochs = args.large_epochs if spec.large else args.epochs
    overrides = [
        *spec.overrides,
        f"training.stages=[{', '.join(STAGES)}]",
        f"training.epochs_per_stage={epochs}",
        # Early stopping must not cut the fixed epoch count short.
        f"training.patience={epochs + 1}",
    ]
    if spec.large:
        overrides.append(f"training.max_eval_users={args.large_eval_users}")
    if spec.cache:
        overrides.append(f"text.cache_dir={BENCH_CACHE / spec.cache}")
    return common.load_bench_config(args.config, [*overrides, *SCALE_OVERRIDES, *args.overrides])


def random_embeddings(texts: list[str], seed: int) -> torch.Tensor:
    """Return seeded random unit vectors of MiniLM's size, one per text; empty texts get zeros."""
    generator = torch.Generator().manual_seed(seed)
    vectors = F.normalize(torch.randn(len(texts), MINILM_DIM, generator=generator), dim=1)
    vectors[[row for row, text in enumerate(texts) if not text]] = 0.0
    return vectors


def prepare_timed(config: Config, encode_threads: int, random: bool = False) -> tuple[Prepared, dict]:
    """Run the steps of `ur4rec.pipeline.prepare` one by one and time each.

    With `random`, the texts are built but not encoded, and `random_embeddings` replaces them.
    """
    timings: dict = {"embeddings": "random" if random else "encoded"}
    start = time.perf_counter()
    data = load_data(config)
    timings["load_s"] = time.perf_counter() - start

    start = time.perf_counter()
    split = leave_one_out(data)
    texts = build_texts(data, split, locate_texts(config.data.texts_dir), config.data.texts_policy)
    timings["texts_s"] = time.perf_counter() - start

    if random:
        item_text = random_embeddings(texts.item_texts, config.training.seed)
        user_text = random_embeddings(texts.user_texts, config.training.seed + 1)
        timings.update(embedding_cache_found=False, encode_threads=0, encode_s=0.0, texts_encoded=0)
        return Prepared(data, split, texts, user_text, item_text), timings

    cache_dir = Path(config.text.cache_dir)
    timings["embedding_cache_found"] = any(cache_dir.glob("embeddings-*.npz"))
    training_threads = torch.get_num_threads()
    torch.set_num_threads(encode_threads or os.cpu_count() or 1)
    timings["encode_threads"] = torch.get_num_threads()
    start = time.perf_counter()
    encoder = TextEncoder(config.text.encoder, config.text.cache_dir, config.text.batch_size)
    item_text = torch.from_numpy(encoder.encode(texts.item_texts))  # (N+1, T)
    user_text = torch.from_numpy(encoder.encode(texts.user_texts))  # (U+1, T)
    timings["encode_s"] = time.perf_counter() - start
    torch.set_num_threads(training_threads)
    timings["texts_encoded"] = len(texts.item_texts) + len(texts.user_texts) - 2
    return Prepared(data, split, texts, user_text, item_text), timings


def run_dataset(args, spec: DatasetSpec) -> dict:
    config = dataset_config(args, spec)
    set_threads(config)
    prepared, prep = prepare_timed(config, args.encode_threads, args.random_embeddings and bool(spec.cache))
    batches = TrainBatches(prepared.split, config.data.max_seq_len, config.training.batch_size)
    data = prepared.data
    figures = {
        "dataset": spec.name,
        "description": spec.description,
        "overrides": list(spec.overrides),
        "users": data.num_users,
        "items": data.num_items,
        "interactions": data.num_interactions,
        "train_sequences": len(batches.users),
        "train_positions": int((batches.targets > 0).sum()),
        "epochs_per_stage": config.training.epochs_per_stage,
        "max_eval_users": config.training.max_eval_users,
        "torch_threads": torch.get_num_threads(),
        **prep,
    }
    with tempfile.TemporaryDirectory(prefix=f"ur4rec-bench-scale-{spec.name}-") as folder:
        run_dir = Path(folder) / "run"
        timing = TrainingClock(protocol=config.training.monitor_protocol)
        bus = ev.EventBus()
        bus.subscribe(timing)
        start = time.perf_counter()
        start_run(config, run_dir, bus=bus, prepared=prepared, tensorboard=not args.no_tensorboard)
        figures["run_wall_s"] = time.perf_counter() - start
        figures["stages"] = {name: stage.summary(len(batches.users)) for name, stage in timing.stages.items()}
        figures["evaluation"] = time_evaluation(args, run_dir, prepared)
    figures["peak_rss_mb"] = common.peak_rss_mb()
    return figures


def time_evaluation(args, run_dir: Path, prepared: Prepared) -> dict:
    """Time one test evaluation of every score kind (one model pass).

    It covers all users, or `--eval-users` of them; the time for all users is then extrapolated.
    """
    loaded = open_run(run_dir, STAGES[-1], prepared=prepared)
    negatives = np.load(loaded.run.negatives_path)
    all_users = prepared.split.eval_users()
    users = all_users
    if args.eval_users and args.eval_users < len(all_users):
        users = np.sort(np.random.default_rng(0).choice(all_users, args.eval_users, replace=False))
    start = time.perf_counter()
    evaluate(loaded.model, prepared.split, "test", negatives, users=users, score_kinds=SCORE_KINDS)
    seconds = time.perf_counter() - start
    return {
        "users": len(users),
        "all_users": len(all_users),
        "seconds": seconds,
        "users_per_s": len(users) / seconds,
        "seconds_all_users": seconds * len(all_users) / len(users),
        "estimated": len(users) < len(all_users),
    }


def worker_main(args) -> None:
    root = common.setup_data_env(args.data_root)
    spec = dataset_specs(root)[args.worker]
    figures = run_dataset(args, spec)
    args.result_file.write_text(json.dumps(figures, indent=2), encoding="utf-8")


# -- the parent: one subprocess per data set -----------------------------------------------------


def selected(args, specs: dict[str, DatasetSpec]) -> list[DatasetSpec]:
    unknown = [n for n in [*args.skip, *(args.only or [])] if n not in specs]
    if unknown:
        raise SystemExit(f"unknown data set {', '.join(unknown)}; choose from {', '.join(specs)}")
    names = args.only or list(specs)
    return [specs[n] for n in names if n not in args.skip]


def child_command(args, spec: DatasetSpec, result_file: Path) -> list[str]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        spec.name,
        "--result-file",
        str(result_file),
        "--config",
        str(args.config),
        "--epochs",
        str(args.epochs),
        "--large-epochs",
        str(args.large_epochs),
        "--large-eval-users",
        str(args.large_eval_users),
        "--eval-users",
        str(args.eval_users),
        "--encode-threads",
        str(args.encode_threads),
    ]
    for override in args.overrides:
        command += ["--set", override]
    if args.data_root is not None:
        command += ["--data-root", str(args.data_root)]
    if args.no_tensorboard:
        command.append("--no-tensorboard")
    if args.random_embeddings:
        command.append("--random-embeddings")
    if args.verbose:
        command.append("--verbose")
    return command


def run_child(args, spec: DatasetSpec, folder: Path) -> dict:
    result_file = folder / f"{spec.name}.json"
    print(f"[bench_scale] {spec.name}: {spec.description} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    timeout = args.timeout_min * 60 if args.timeout_min else None
    try:
        # stdout of the child goes to stderr, so --json output stays one object.
        completed = subprocess.run(
            child_command(args, spec, result_file), stdout=sys.stderr, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"dataset": spec.name, "error": f"timed out after {args.timeout_min} min"}
    wall = time.perf_counter() - start
    print(f"[bench_scale] {spec.name}: done in {wall:.0f} s", file=sys.stderr, flush=True)
    if completed.returncode < 0:
        signal_name = signal.Signals(-completed.returncode).name
        return {"dataset": spec.name, "error": f"subprocess killed by {signal_name}"}
    if completed.returncode != 0 or not result_file.is_file():
        return {
            "dataset": spec.name,
            "error": f"subprocess failed with exit code {completed.returncode}",
        }
    return json.loads(result_file.read_text(encoding="utf-8"))


def growth_rows(results: list[dict]) -> list[list]:
    """Compare each data set with the first one: data growth, time growth and their ratio per stage."""
    done = [r for r in results if "error" not in r]
    if not done:
        return []
    base = done[0]
    rows = []
    for r in done:
        positions = r["train_positions"] / base["train_positions"]
        row = [r["dataset"], r["interactions"] / base["interactions"], positions]
        for stage in STAGES:
            now, then = epoch_seconds(r, stage), epoch_seconds(base, stage)
            factor = None if now is None or not then else now / then
            row += [factor, None if factor is None else factor / positions]
        now, then = r["evaluation"]["seconds_all_users"], base["evaluation"]["seconds_all_users"]
        eval_factor = now / then
        row += [eval_factor, eval_factor / (r["users"] / base["users"])]
        rows.append(row)
    return rows


def epoch_seconds(result: dict, stage: str) -> float | None:
    return result["stages"].get(stage, {}).get("train_s_per_epoch")


def report(args, results: list[dict]) -> None:
    out = common.Report("bench_scale", args.json)
    out.note(
        f"Config {args.config} {' '.join([*SCALE_OVERRIDES, *args.overrides])}; "
        f"stages {', '.join(STAGES)}; "
        f"epochs per stage: {args.epochs} ({args.large_epochs} on the large sets, validated on "
        f"{args.large_eval_users or 'all'} users)"
    )
    done = [r for r in results if "error" not in r]
    out.table(
        [
            "data set",
            "users",
            "items",
            "interactions",
            "train positions",
            "load s",
            "texts s",
            "embeddings",
            "encode s",
            "encode threads",
            "cache found",
            "train threads",
        ],
        [
            [
                r["dataset"],
                r["users"],
                r["items"],
                r["interactions"],
                r["train_positions"],
                r["load_s"],
                r["texts_s"],
                r["embeddings"],
                r["encode_s"],
                r["encode_threads"],
                r["embedding_cache_found"],
                r["torch_threads"],
            ]
            for r in done
        ],
        "Data and text preparation (encode: MiniLM embeddings of every item and user text; "
        "random: --random-embeddings, nothing encoded)",
    )
    rows = []
    for r in done:
        for stage in STAGES:
            s = r["stages"].get(stage)
            if s:
                rows.append(
                    [
                        r["dataset"],
                        stage,
                        s["epochs_run"],
                        s["train_s_per_epoch"],
                        s["sequences_per_s"],
                        s["valid_s_per_epoch"],
                        s["baseline_valid_s"],
                        s["finish_s"],
                    ]
                )
    out.table(
        ["data set", "stage", "epochs", "train s/epoch", "seq/s", "valid s/epoch", "start valid s", "finish s"],
        rows,
        "Training (start valid: validation of the model the stage starts from; finish: best model, memory "
        "snapshot, evaluation of all users)",
    )
    out.table(
        ["data set", "users", "eval s (all users)", "users/s", "estimated", "peak RSS MB", "run s"],
        [
            [
                r["dataset"],
                r["evaluation"]["all_users"],
                r["evaluation"]["seconds_all_users"],
                r["evaluation"]["users_per_s"],
                r["evaluation"]["estimated"],
                r["peak_rss_mb"],
                r["run_wall_s"],
            ]
            for r in done
        ],
        "Test evaluation of every score kind, full ranking and sampled-100 (one model pass)",
    )
    growth = growth_rows(results)
    if growth:
        out.table(
            [
                "data set",
                "interactions x",
                "positions x",
                "sasrec time x",
                "per position",
                "retriever time x",
                "per position",
                "eval time x",
                "per user",
            ],
            growth,
            f"Growth against {done[0]['dataset']} ('per position' = time growth / "
            "training-position growth; 1.0 means linear)",
        )
    out.note(
        "Training positions are the next-item targets per epoch after truncation to "
        "data.max_seq_len, the work an epoch does; interactions beyond max_seq_len per user "
        "add none. With num_negatives 0 the loss scores every item, so an epoch also grows "
        "with the item count (video has 14x the items of MovieLens-100K). Evaluation ranks "
        "all items for every user, so its time grows with users x items.",
        wrap=True,
    )
    for r in results:
        if "error" in r:
            out.note(f"{r['dataset']}: {r['error']}")
    out.data.update({"config": str(args.config), "overrides": args.overrides, "results": results})
    out.finish()


def main() -> None:
    args = parse_args()
    common.setup_logging(args.verbose)
    if args.worker:
        worker_main(args)
        return
    root = common.setup_data_env(args.data_root)
    specs = selected(args, dataset_specs(root))
    missing = [s for s in specs if s.needs and not (root / s.needs).is_file()]
    for spec in missing:
        print(
            f"[bench_scale] {spec.name}: {root / spec.needs} not found; skipping it",
            file=sys.stderr,
        )
    specs = [s for s in specs if s not in missing]
    # The header then shows the thread count that every subprocess trains with.
    set_threads(common.load_bench_config(args.config, [*SCALE_OVERRIDES, *args.overrides]))
    folder = Path(tempfile.mkdtemp(prefix="ur4rec-bench-scale-"))
    try:
        results = [run_child(args, spec, folder) for spec in specs]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(args, results)


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
