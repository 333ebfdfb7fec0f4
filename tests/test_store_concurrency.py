"""The run store under a writer thread and concurrent readers, on a real WAL-mode file."""

from __future__ import annotations

import sqlite3
import threading
import time
import traceback
from pathlib import Path

import numpy as np
import pytest

from ur4rec.store import RunStore

NUM_SNAPSHOTS = 20
USERS_PER_SNAPSHOT = 500  # 20 x 500 = 10,000 memory rows
DIM = 16


def expected_snapshot(index: int) -> dict:
    """The columns of the index-th snapshot; readers regenerate them to check what they see."""
    rng = np.random.default_rng(index)
    user_ids = [str(i) for i in range(1, USERS_PER_SNAPSHOT + 1)]
    return {
        "user_ids": user_ids,
        "vectors": rng.standard_normal((USERS_PER_SNAPSHOT, DIM)).astype(np.float32),
        "interaction_count": np.full(USERS_PER_SNAPSHOT, index),
        "last_update_step": np.arange(USERS_PER_SNAPSHOT) + index * 1000,
        "drift": rng.random(USERS_PER_SNAPSHOT),
    }


def run_guarded(target, errors: list[str]):
    """Wrap a thread body so that any exception is recorded for the main thread to assert on."""

    def body():
        try:
            target()
        except BaseException:  # noqa: BLE001 - every failure must reach the test's assert
            errors.append(traceback.format_exc())

    return body


def write_snapshots(store: RunStore, done: threading.Event) -> None:
    try:
        for index in range(NUM_SNAPSHOTS):
            columns = expected_snapshot(index)
            store.write_snapshot("pretrain_retriever", index, index * 10, **columns)
            store.log_metrics("pretrain_retriever", index, index * 10, {"loss": 1.0 / (index + 1)})
            time.sleep(0.005)  # gives the reader a chance to poll between commits
    finally:
        store.close()
        done.set()


def check_snapshot(store: RunStore, info, seen: dict[int, int]) -> None:
    data = store.read_snapshot(info.id)
    index = info.epoch
    expected = expected_snapshot(index)
    assert info.num_users == USERS_PER_SNAPSHOT
    assert len(data.user_ids) == info.num_users
    assert np.array_equal(data.vectors, expected["vectors"])
    assert np.array_equal(data.last_update_step, expected["last_update_step"])
    assert store.count_users(info.id) == info.num_users
    assert len(store.user_rows(info.id, order_by="drift", limit=10_000)) == info.num_users
    seen[info.id] = len(data.user_ids)


def poll_snapshots(store: RunStore, done: threading.Event, seen: dict, polls: list) -> None:
    try:
        while not done.is_set():
            for info in store.list_snapshots():
                if info.id not in seen:
                    check_snapshot(store, info, seen)
            polls.append(len(seen))
        for info in store.list_snapshots():  # the writer is done: everything must be there
            if info.id not in seen:
                check_snapshot(store, info, seen)
    finally:
        store.close()


@pytest.mark.parametrize("shared", [True, False], ids=["one-store-object", "store-per-thread"])
def test_reader_sees_complete_snapshots(tmp_path: Path, shared: bool):
    path = tmp_path / "store.sqlite"
    writer_store = RunStore(path)
    reader_store = writer_store if shared else RunStore(path, create=False)
    done = threading.Event()
    errors: list[str] = []
    seen: dict[int, int] = {}
    polls: list[int] = []

    writer = threading.Thread(
        target=run_guarded(lambda: write_snapshots(writer_store, done), errors)
    )
    reader = threading.Thread(
        target=run_guarded(lambda: poll_snapshots(reader_store, done, seen, polls), errors)
    )
    reader.start()
    writer.start()
    writer.join(timeout=120)
    reader.join(timeout=120)

    assert not writer.is_alive()
    assert not reader.is_alive()
    assert errors == []
    assert len(seen) == NUM_SNAPSHOTS
    assert sum(seen.values()) == NUM_SNAPSHOTS * USERS_PER_SNAPSHOT
    assert len(polls) > 1  # the reader polled while the writer was still writing

    writer_store.close()
    reader_store.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM memory_rows").fetchone()[0] == 10_000
    conn.close()


def test_backup_during_open_writer(tmp_path: Path):
    path = tmp_path / "store.sqlite"
    committed = threading.Event()
    release = threading.Event()
    errors: list[str] = []

    def writer_body():
        store = RunStore(path)
        for index in range(3):
            store.write_snapshot("pretrain_retriever", index, index, **expected_snapshot(index))
        # A second connection keeps a write transaction open while the backup runs; its
        # uncommitted snapshot must not appear in the backup.
        pending = sqlite3.connect(path, isolation_level=None, timeout=10)
        pending.execute("BEGIN IMMEDIATE")
        pending.execute(
            "INSERT INTO snapshots (stage, epoch, step, created_at, num_users, dim) "
            "VALUES ('uncommitted', 0, 0, 0, 0, 0)"
        )
        committed.set()
        release.wait(timeout=60)
        pending.execute("ROLLBACK")
        pending.close()
        store.close()

    writer = threading.Thread(target=run_guarded(writer_body, errors))
    writer.start()
    assert committed.wait(timeout=60)
    try:
        with RunStore(path, create=False) as reader:
            dest = reader.backup(tmp_path / "backup" / "store.sqlite")
    finally:
        release.set()
        writer.join(timeout=60)
    assert errors == []

    # The backup is one file: no -wal or -shm beside it.
    assert sorted(p.name for p in dest.parent.iterdir()) == ["store.sqlite"]
    with RunStore(dest, create=False) as copy:
        infos = copy.list_snapshots()
        assert [info.stage for info in infos] == ["pretrain_retriever"] * 3
        for index, info in enumerate(infos):
            data = copy.read_snapshot(info.id)
            assert np.array_equal(data.vectors, expected_snapshot(index)["vectors"])
            assert len(data.user_ids) == USERS_PER_SNAPSHOT
    conn = sqlite3.connect(dest)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
