"""Benchmark the per-user memory: run-store snapshots, history reads, exports, batched updates.

    python benchmarks/bench_memory.py [--users 943] [--dim 64] [--snapshots 50] [--json]

The store part writes random memory vectors into a `RunStore` in a temporary folder. The model
part times `MemoryBank.update` and `MemoryBank.replay` on random representations, with the
memory section of `--config`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import common
import numpy as np
import torch

from ur4rec.models.memory import MemoryBank
from ur4rec.pipeline import set_threads
from ur4rec.store.run_store import RunStore

EXPORT_FORMATS = ("csv", "json", "parquet")
STAGE = "pretrain_retriever"


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=943, help="users per snapshot (default 943)")
    parser.add_argument("--dim", type=int, default=64, help="memory vector size (default 64)")
    parser.add_argument(
        "--snapshots",
        type=int,
        default=50,
        help="snapshots written; every write is timed (default 50)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=10,
        help="timed repeats of each read, export and update (default 10)",
    )
    parser.add_argument("--batch", type=int, default=256, help="users per memory update (default 256)")
    parser.add_argument("--seq-len", type=int, default=50, help="positions per replayed sequence")
    parser.add_argument(
        "--config",
        type=Path,
        default=common.QUICK_CONFIG,
        help="config whose memory section and thread count are used",
    )
    return parser.parse_args()


def snapshot_columns(rng: np.random.Generator, users: int, dim: int) -> dict:
    return {
        "user_ids": [str(u) for u in range(1, users + 1)],
        "vectors": rng.standard_normal((users, dim), dtype=np.float32),  # (U, D)
        "interaction_count": rng.integers(20, 700, users),
        "last_update_step": rng.integers(0, 10_000, users),
        "drift": rng.random(users),
    }


def bench_store(args, folder: Path) -> dict:
    rng = np.random.default_rng(0)
    store = RunStore(folder / "store.sqlite", create=True)
    try:
        write_s = []
        for index in range(args.snapshots):
            columns = snapshot_columns(rng, args.users, args.dim)
            start = time.perf_counter()
            snapshot_id = store.write_snapshot(STAGE, index, index * 100, **columns)
            write_s.append(time.perf_counter() - start)

        user = str(args.users // 2)
        history = common.time_call(lambda: store.user_history(user), args.repeats, warmup=1)
        page = common.time_call(
            lambda: store.user_rows(snapshot_id, order_by="drift", descending=True, limit=200),
            args.repeats,
            warmup=1,
        )
        exports = {fmt: bench_export(store, snapshot_id, folder, fmt, args.repeats) for fmt in EXPORT_FORMATS}
    finally:
        store.close()
    return {
        "snapshot_write": common.summarize(write_s),
        "snapshot_write_first_s": write_s[0],
        "user_history": history,
        "user_history_rows": args.snapshots,
        "user_rows_page": page,
        "exports": exports,
        "store_mb": round(sum(p.stat().st_size for p in folder.glob("store.sqlite*")) / 2**20, 2),
    }


def bench_export(store: RunStore, snapshot_id: int, folder: Path, fmt: str, repeats: int) -> dict:
    path = folder / f"snapshot.{fmt}"
    seconds = common.time_call(lambda: store.export_snapshot(snapshot_id, path, fmt), max(1, repeats // 3), warmup=1)
    return {"seconds": seconds, "file_mb": round(path.stat().st_size / 2**20, 2)}


def bench_bank(args, config) -> dict:
    torch.manual_seed(0)
    bank = MemoryBank(args.users, args.dim, config.memory)
    user_ids = torch.randperm(args.users)[: args.batch] + 1  # (B,)
    reps = torch.randn(args.batch, args.dim)  # (B, D)
    sequence_reps = torch.randn(args.batch, args.seq_len, args.dim)  # (B, L, D)
    is_item = torch.ones(args.batch, args.seq_len, dtype=torch.bool)  # (B, L): no padding
    step = iter(range(1, 1_000_000))

    update = common.time_call(lambda: bank.update(user_ids, reps, next(step)), args.repeats, warmup=2)
    with torch.no_grad():
        replay = common.time_call(lambda: bank.replay(sequence_reps, is_item), args.repeats, warmup=1)

    def replay_backward():
        leaf = sequence_reps.clone().requires_grad_(True)
        bank.replay(leaf, is_item).states.sum().backward()

    replay_train = common.time_call(replay_backward, max(1, args.repeats // 2), warmup=1)
    return {"update": update, "replay_no_grad": replay, "replay_forward_backward": replay_train}


def ms(seconds: dict, key: str = "median") -> float:
    return seconds[key] * 1000.0


def report(args, config, store: dict, bank: dict) -> None:
    out = common.Report("bench_memory", args.json)
    out.note(
        f"{args.users:,} users x {args.dim} dims; {args.snapshots} snapshots; "
        f"{args.repeats} repeats; memory: {config.memory.update_trigger}, "
        f"history {config.memory.max_memory_size}"
    )
    write = store["snapshot_write"]
    rows = [
        [
            "write one snapshot (all users)",
            write["repeats"],
            ms(write, "mean"),
            ms(write),
            ms(write, "min"),
            ms(write, "max"),
        ],
        [
            f"user history across {args.snapshots} snapshots",
            store["user_history"]["repeats"],
            ms(store["user_history"], "mean"),
            ms(store["user_history"]),
            ms(store["user_history"], "min"),
            ms(store["user_history"], "max"),
        ],
        [
            "page of 200 user rows, by drift",
            store["user_rows_page"]["repeats"],
            ms(store["user_rows_page"], "mean"),
            ms(store["user_rows_page"]),
            ms(store["user_rows_page"], "min"),
            ms(store["user_rows_page"], "max"),
        ],
    ]
    for fmt, figures in store["exports"].items():
        s = figures["seconds"]
        rows.append(
            [
                f"export snapshot as {fmt} ({figures['file_mb']} MB)",
                s["repeats"],
                ms(s, "mean"),
                ms(s),
                ms(s, "min"),
                ms(s, "max"),
            ]
        )
    headers = ["operation", "repeats", "mean ms", "median ms", "min ms", "max ms"]
    out.table(headers, rows, f"Run store (SQLite, WAL; {store['store_mb']} MB after the writes)")
    bank_rows = [
        [f"MemoryBank.update, {args.batch} users", bank["update"]],
        [
            f"MemoryBank.replay ({args.batch}, {args.seq_len}, {args.dim}), no grad",
            bank["replay_no_grad"],
        ],
        [
            f"MemoryBank.replay ({args.batch}, {args.seq_len}, {args.dim}), forward + backward",
            bank["replay_forward_backward"],
        ],
    ]
    out.table(
        headers,
        [[label, s["repeats"], ms(s, "mean"), ms(s), ms(s, "min"), ms(s, "max")] for label, s in bank_rows],
        "Memory bank (torch, CPU)",
    )
    out.data.update(
        {
            "users": args.users,
            "dim": args.dim,
            "snapshots": args.snapshots,
            "batch": args.batch,
            "seq_len": args.seq_len,
            "store": store,
            "bank": bank,
            "peak_rss_mb": common.peak_rss_mb(),
        }
    )
    out.finish()


def main() -> None:
    args = parse_args()
    common.setup_logging(args.verbose)
    config = common.load_bench_config(args.config)
    set_threads(config)
    with tempfile.TemporaryDirectory(prefix="ur4rec-bench-memory-") as folder:
        store = bench_store(args, Path(folder))
    bank = bench_bank(args, config)
    report(args, config, store, bank)


if __name__ == "__main__":
    main()
