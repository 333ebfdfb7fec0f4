"""`ur4rec evaluate | recommend | memory | compare`: commands over finished runs."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ur4rec.cli.reporting import TABLE_METRICS, format_table, results_table
from ur4rec.errors import RunError
from ur4rec.runs import evaluate_run, open_run, read_results, recommend
from ur4rec.store.run_store import RunStore
from ur4rec.training.run_dir import RunDir, write_json

EXPORT_FORMATS = ("csv", "json", "parquet")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate a run's best model (valid and test)")
    p.add_argument("--run", required=True, type=Path, help="run directory")
    p.add_argument("--stage", help="stage whose best model to load (default: the last finished)")
    p.add_argument("--unmasked", action="store_true", help="also report full ranking without masking")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run_evaluate)

    p = subparsers.add_parser("recommend", help="top-K recommendations for one user")
    p.add_argument("--run", required=True, type=Path, help="run directory")
    p.add_argument("--user", required=True, help="raw user id, as in the data file")
    p.add_argument("--k", type=int, default=10, help="number of items (default 10)")
    p.add_argument("--stage", help="stage whose best model to load")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run_recommend)

    p = subparsers.add_parser("memory", help="list, show or export per-user memory snapshots")
    p.add_argument("action", choices=("list", "show", "export"))
    p.add_argument("--run", required=True, type=Path, help="run directory")
    p.add_argument("--snapshot", type=int, help="snapshot id (default: the latest)")
    p.add_argument("--user", help="raw user id")
    p.add_argument("--format", choices=EXPORT_FORMATS, default="csv", help="export format")
    p.add_argument("--out", type=Path, help="export file (default in the run directory)")
    p.set_defaults(func=run_memory)

    p = subparsers.add_parser("compare", help="metrics of several runs side by side")
    p.add_argument("runs", nargs="+", type=Path, help="run directories")
    p.add_argument("--phase", choices=("valid", "test"), default="test")
    p.set_defaults(func=run_compare)


def run_evaluate(args: argparse.Namespace) -> int:
    loaded = open_run(args.run, args.stage)
    metrics = evaluate_run(loaded, unmasked=args.unmasked)
    write_json(loaded.run.root / f"evaluation-{loaded.stage}.json", metrics)
    if args.json:
        print(json.dumps(metrics, indent=2))
        return 0
    rows = []
    for phase, per_kind in metrics.items():
        for kind, per_protocol in per_kind.items():
            for protocol, values in per_protocol.items():
                rows.append([loaded.stage, kind, phase, protocol] + [f"{values[m]:.4f}" for m in TABLE_METRICS])
    print(format_table(["stage", "score", "phase", "protocol", *TABLE_METRICS], rows))
    return 0


def run_recommend(args: argparse.Namespace) -> int:
    if args.k < 1:
        raise RunError(f"--k must be at least 1, got {args.k}")
    loaded = open_run(args.run, args.stage)
    items = recommend(loaded, args.user, args.k)
    if args.json:
        print(json.dumps([asdict(r) for r in items], indent=2, ensure_ascii=False))
        return 0
    header = ["rank", "item", "title", "fused", "sasrec", "retriever", "gate pref/desc/id"]
    rows = [[str(r.rank), r.item_id, r.title, f"{r.fused:.3f}", f"{r.sasrec:.3f}", f"{r.retriever:.3f}",
             "/".join(f"{g:.2f}" for g in r.gates.values())] for r in items]
    print(f"user {args.user}, model of stage {loaded.stage}")
    print(format_table(header, rows))
    return 0


def _open_store(run_dir: Path) -> RunStore:
    run = RunDir(run_dir)
    run.require()
    if not run.store_path.is_file():
        raise RunError(f"{run.store_path}: the run has no store yet; no stage has finished")
    return RunStore(run.store_path, create=False)


def run_memory(args: argparse.Namespace) -> int:
    store = _open_store(args.run)
    snapshots = store.list_snapshots()
    if args.action == "list":
        rows = [[str(s.id), s.stage, str(s.epoch), str(s.step), str(s.num_users), str(s.dim)] for s in snapshots]
        print(format_table(["snapshot", "stage", "epoch", "step", "users", "dim"], rows))
        return 0
    if not snapshots:
        raise RunError(f"{args.run}: no memory snapshots (is the memory disabled in this run?)")
    snapshot_id = args.snapshot if args.snapshot is not None else snapshots[-1].id
    if args.action == "show":
        return _show_memory(store, snapshot_id, args.user)
    out = args.out or args.run / "exports" / (
        f"memory-{snapshot_id}" + (f"-user-{args.user}" if args.user else "") + f".{args.format}")
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.user:
        path = store.export_user(args.user, out, args.format)
    else:
        path = store.export_snapshot(snapshot_id, out, args.format)
    print(f"wrote {path}")
    return 0


def _show_memory(store: RunStore, snapshot_id: int, user: str | None) -> int:
    if user is None:
        rows = store.user_rows(snapshot_id, limit=20, order_by="drift", descending=True)
        print(f"snapshot {snapshot_id}: {store.count_users(snapshot_id)} users; highest drift first")
        print(format_table(["user", "interactions", "last update step", "drift", "norm"],
                           [[str(r[0]), str(r[1]), str(r[2]), f"{r[3]:.4f}", f"{r[4]:.4f}"] for r in rows]))
        return 0
    vector = store.user_vector(snapshot_id, user)
    history = store.user_history(user)
    print(f"user {user}, snapshot {snapshot_id}: norm {np.linalg.norm(vector):.4f}")
    print(np.array2string(vector, precision=3, max_line_width=100))
    rows = [[str(r.snapshot_id), r.stage, str(r.epoch), str(r.interaction_count), f"{r.drift:.4f}",
             f"{r.norm:.4f}", f"{r.cosine_change:.4f}"] for r in history.itertuples()]
    print(format_table(["snapshot", "stage", "epoch", "interactions", "drift", "norm", "cosine change"], rows))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    header = ["run", "model", "stage", "protocol", *TABLE_METRICS]
    rows = []
    for run_dir in args.runs:
        results = read_results(run_dir)
        stage = results.get("final_stage")
        if stage is None:
            rows.append([str(run_dir), results.get("model", "?"), "-", "-", "-", "-", "-"])
            continue
        result = results["stages"][stage]
        for protocol, metrics in result[args.phase][result["score"]].items():
            rows.append([str(run_dir), results.get("model", "?"), stage, protocol]
                        + [f"{metrics[m]:.4f}" for m in TABLE_METRICS])
    print(f"{args.phase} metrics of each run's last finished stage")
    print(format_table(header, rows))
    return 0


__all__ = ["register", "results_table"]
