"""Tests of the SQLite run store against real store files in tmp_path."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ur4rec.errors import StoreError, UnknownUserError
from ur4rec.store import RunStore

# Schema 1 exactly as the first release created it. It is copied here on purpose, so that an
# edit of the DDL in the code cannot hide a broken migration.
V1_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE metrics (
    stage TEXT NOT NULL, epoch INTEGER NOT NULL, step INTEGER NOT NULL, name TEXT NOT NULL,
    value REAL, PRIMARY KEY (stage, step, name)
);
CREATE TABLE stage_results (
    stage TEXT PRIMARY KEY, result_json TEXT NOT NULL, finished_at REAL NOT NULL
);
CREATE TABLE snapshots (
    id INTEGER PRIMARY KEY, stage TEXT NOT NULL, epoch INTEGER NOT NULL, step INTEGER NOT NULL,
    created_at REAL NOT NULL, num_users INTEGER NOT NULL, dim INTEGER NOT NULL
);
CREATE TABLE memory_rows (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL, vector BLOB NOT NULL, interaction_count INTEGER NOT NULL,
    last_update_step INTEGER NOT NULL, drift REAL, updated_at REAL NOT NULL,
    PRIMARY KEY (snapshot_id, user_id)
);
CREATE INDEX memory_rows_user_id ON memory_rows (user_id);
PRAGMA user_version = 1;
"""


@pytest.fixture
def store(tmp_path: Path):
    run_store = RunStore(tmp_path / "store.sqlite")
    yield run_store
    run_store.close()


def random_snapshot(rng: np.random.Generator, user_ids: list[str], dim: int) -> dict:
    count = len(user_ids)
    return {
        "user_ids": user_ids,
        "vectors": rng.standard_normal((count, dim)).astype(np.float32),
        "interaction_count": rng.integers(0, 500, count),
        "last_update_step": rng.integers(0, 10_000, count),
        "drift": rng.random(count).astype(np.float32),
    }


def write_random(store: RunStore, columns: dict, stage="pretrain_retriever", epoch=0, step=0):
    return store.write_snapshot(stage, epoch, step, **columns)


# -- opening, schema and errors ------------------------------------------------------------


def test_new_store_wal_and_schema(tmp_path):
    path = tmp_path / "store.sqlite"
    RunStore(path).close()

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == RunStore.SCHEMA_VERSION
    columns = {row[1] for row in conn.execute("PRAGMA table_info(memory_rows)")}
    conn.close()
    assert "norm" in columns


def test_create_false_missing_file_raises(tmp_path):
    path = tmp_path / "store.sqlite"
    with pytest.raises(StoreError, match="not found"):
        RunStore(path, create=False)
    assert not path.exists()


def test_missing_run_directory_raises(tmp_path):
    path = tmp_path / "no-such-run" / "store.sqlite"
    with pytest.raises(StoreError, match="does not exist"):
        RunStore(path)


def test_folder_instead_of_file_raises(tmp_path):
    with pytest.raises(StoreError, match="is a folder"):
        RunStore(tmp_path)


def test_non_sqlite_file_raises(tmp_path):
    path = tmp_path / "store.sqlite"
    path.write_text("user_id,item_id\n1,2\n" * 200, encoding="utf-8")
    with pytest.raises(StoreError) as excinfo:
        RunStore(path)
    assert str(path) in str(excinfo.value)
    assert "not a readable SQLite database" in str(excinfo.value)


def test_foreign_sqlite_database_raises(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bookmarks (url TEXT)")
    conn.commit()
    conn.close()

    with pytest.raises(StoreError, match="not a UR4Rec run store") as excinfo:
        RunStore(path)
    assert "bookmarks" in str(excinfo.value)


def test_newer_schema_raises(tmp_path):
    path = tmp_path / "store.sqlite"
    RunStore(path).close()
    newer = RunStore.SCHEMA_VERSION + 1
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.close()

    with pytest.raises(StoreError) as excinfo:
        RunStore(path)
    message = str(excinfo.value)
    assert "newer UR4Rec Studio" in message
    assert f"schema {newer}" in message
    assert f"reads up to {RunStore.SCHEMA_VERSION}" in message
    assert "upgrade" in message


def build_v1_store(path: Path, vectors: np.ndarray) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(V1_DDL)
    conn.execute("INSERT INTO meta VALUES ('config_hash', 'abc123')")
    conn.execute("INSERT INTO metrics VALUES ('pretrain_sasrec', 0, 10, 'loss', 0.75)")
    conn.execute(
        "INSERT INTO snapshots VALUES (1, 'pretrain_retriever', 2, 300, 1700000000.0, ?, ?)",
        (len(vectors), vectors.shape[1]),
    )
    conn.executemany(
        "INSERT INTO memory_rows VALUES (1, ?, ?, ?, ?, ?, 1700000000.0)",
        [(str(i + 1), vectors[i].astype("<f4").tobytes(), i * 3, i * 7, i / 10.0)
         for i in range(len(vectors))],
    )
    conn.commit()
    conn.close()


def test_v1_store_migrates_and_keeps_rows(tmp_path):
    path = tmp_path / "store.sqlite"
    vectors = np.random.default_rng(1).standard_normal((6, 5)).astype(np.float32)
    build_v1_store(path, vectors)

    for _ in range(3):  # the first open migrates; the next two must find nothing to do
        with RunStore(path, create=False) as store:
            data = store.read_snapshot(1)
            assert data.user_ids == ["1", "2", "3", "4", "5", "6"]
            assert np.array_equal(data.vectors, vectors)
            assert np.array_equal(data.interaction_count, np.arange(6) * 3)
            assert np.array_equal(data.last_update_step, np.arange(6) * 7)
            assert np.allclose(data.drift, np.arange(6) / 10.0)
            assert np.allclose(data.norm, np.linalg.norm(vectors, axis=1), rtol=1e-6)
            assert store.get_meta("config_hash") == "abc123"
            assert store.metrics()["value"].tolist() == [0.75]

        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == RunStore.SCHEMA_VERSION
        assert conn.execute("SELECT COUNT(*) FROM memory_rows").fetchone()[0] == 6
        missing_norms = conn.execute("SELECT COUNT(*) FROM memory_rows WHERE norm IS NULL")
        assert missing_norms.fetchone()[0] == 0
        conn.close()


def test_migrated_store_accepts_snapshots(tmp_path):
    path = tmp_path / "store.sqlite"
    build_v1_store(path, np.ones((2, 3), dtype=np.float32))
    with RunStore(path) as store:
        new_id = write_random(store, random_snapshot(np.random.default_rng(0), ["1", "9"], 3))
        assert [info.id for info in store.list_snapshots()] == [1, new_id]


# -- snapshots -----------------------------------------------------------------------------


def test_snapshot_round_trip_exact(store):
    rng = np.random.default_rng(0)
    columns = random_snapshot(rng, ["7", "3", "12", "alice"], dim=16)
    snapshot_id = write_random(store, columns, stage="joint_finetune", epoch=4, step=1234)

    data = store.read_snapshot(snapshot_id)
    assert data.user_ids == ["7", "3", "12", "alice"]
    assert data.vectors.dtype == np.float32
    assert np.array_equal(data.vectors, columns["vectors"])
    assert np.array_equal(data.interaction_count, columns["interaction_count"])
    assert np.array_equal(data.last_update_step, columns["last_update_step"])
    assert np.array_equal(data.drift, columns["drift"])
    assert np.allclose(data.norm, np.linalg.norm(columns["vectors"], axis=1), rtol=1e-6)

    info = data.info
    assert (info.id, info.stage, info.epoch, info.step) == (snapshot_id, "joint_finetune", 4, 1234)
    assert (info.num_users, info.dim) == (4, 16)
    assert store.list_snapshots() == [info]


def test_snapshot_readable_after_reopen(tmp_path):
    path = tmp_path / "store.sqlite"
    columns = random_snapshot(np.random.default_rng(3), [str(i) for i in range(50)], dim=8)
    with RunStore(path) as writer:
        snapshot_id = write_random(writer, columns)

    with RunStore(path, create=False) as reader:
        assert np.array_equal(reader.read_snapshot(snapshot_id).vectors, columns["vectors"])


def test_snapshot_nan_drift_round_trip(store):
    columns = random_snapshot(np.random.default_rng(0), ["1", "2"], dim=4)
    columns["drift"] = np.array([np.nan, 0.5])
    snapshot_id = write_random(store, columns)

    drift = store.read_snapshot(snapshot_id).drift
    assert math.isnan(drift[0])
    assert drift[1] == 0.5


def test_empty_snapshot_round_trip(store, tmp_path):
    snapshot_id = store.write_snapshot(
        "pretrain_retriever", 0, 0, [], np.zeros((0, 8), dtype=np.float32),
        np.zeros(0), np.zeros(0), np.zeros(0),
    )

    data = store.read_snapshot(snapshot_id)
    assert data.user_ids == []
    assert data.vectors.shape == (0, 8)
    assert store.count_users(snapshot_id) == 0
    assert store.user_rows(snapshot_id) == []
    frame = pd.read_csv(store.export_snapshot(snapshot_id, tmp_path / "empty.csv", "csv"))
    assert frame.empty
    assert list(frame.columns)[-1] == "v7"


def test_write_snapshot_rejects_bad_shapes(store):
    columns = random_snapshot(np.random.default_rng(0), ["1", "2", "3"], dim=4)
    with pytest.raises(ValueError, match="vectors"):
        write_random(store, {**columns, "vectors": columns["vectors"][:2]})
    with pytest.raises(ValueError, match="drift"):
        write_random(store, {**columns, "drift": columns["drift"][:2]})
    with pytest.raises(ValueError, match="unique"):
        write_random(store, {**columns, "user_ids": ["1", "1", "2"]})
    assert store.list_snapshots() == []


def test_failed_snapshot_write_leaves_nothing(store, tmp_path):
    conn = sqlite3.connect(tmp_path / "store.sqlite")
    conn.execute(
        "CREATE TRIGGER reject_user BEFORE INSERT ON memory_rows WHEN NEW.user_id = 'bad' "
        "BEGIN SELECT RAISE(ABORT, 'rejected by test trigger'); END"
    )
    conn.commit()
    conn.close()

    user_ids = [str(i) for i in range(100)] + ["bad"]
    with pytest.raises(sqlite3.IntegrityError, match="rejected by test trigger"):
        write_random(store, random_snapshot(np.random.default_rng(0), user_ids, dim=4))

    assert store.list_snapshots() == []
    conn = sqlite3.connect(tmp_path / "store.sqlite")
    assert conn.execute("SELECT COUNT(*) FROM memory_rows").fetchone()[0] == 0
    conn.close()


def test_unknown_snapshot_lists_available_ids(store):
    rng = np.random.default_rng(0)
    first = write_random(store, random_snapshot(rng, ["1"], dim=2))
    second = write_random(store, random_snapshot(rng, ["1"], dim=2))
    calls = [
        lambda: store.read_snapshot(99),
        lambda: store.count_users(99),
        lambda: store.user_rows(99),
        lambda: store.user_vector(99, "1"),
    ]
    for call in calls:
        with pytest.raises(StoreError) as excinfo:
            call()
        assert "snapshot 99 not found" in str(excinfo.value)
        assert f"available snapshot ids: {first}, {second}" in str(excinfo.value)


def test_unknown_snapshot_in_empty_store(store):
    with pytest.raises(StoreError, match="no snapshots yet"):
        store.read_snapshot(1)


def test_user_vector_and_unknown_user(store):
    columns = random_snapshot(np.random.default_rng(0), ["10", "20", "30"], dim=6)
    snapshot_id = write_random(store, columns)

    vector = store.user_vector(snapshot_id, "20")
    assert vector.dtype == np.float32
    assert np.array_equal(vector, columns["vectors"][1])

    with pytest.raises(UnknownUserError) as excinfo:
        store.user_vector(snapshot_id, "404")
    assert "'404'" in str(excinfo.value)
    assert f"snapshot {snapshot_id}" in str(excinfo.value)


# -- user rows -----------------------------------------------------------------------------


@pytest.fixture
def numbered_snapshot(store):
    """A snapshot of users 1..25 with drift decreasing as the id grows, and its id."""
    user_ids = [str(i) for i in range(25, 0, -1)]  # written in reverse to test the sort
    columns = random_snapshot(np.random.default_rng(0), user_ids, dim=4)
    columns["drift"] = np.array([int(user_id) for user_id in user_ids]) * -0.01 + 1.0
    columns["interaction_count"] = np.array([int(user_id) % 3 for user_id in user_ids])
    return write_random(store, columns)


def test_user_rows_sort_numeric_ids(store, numbered_snapshot):
    rows = store.user_rows(numbered_snapshot, limit=1000)
    assert [row[0] for row in rows] == [str(i) for i in range(1, 26)]
    assert len(rows[0]) == 5

    rows = store.user_rows(numbered_snapshot, descending=True, limit=3)
    assert [row[0] for row in rows] == ["25", "24", "23"]


def test_user_rows_sort_by_column(store, numbered_snapshot):
    rows = store.user_rows(numbered_snapshot, order_by="drift", limit=3)
    assert [row[0] for row in rows] == ["25", "24", "23"]
    assert rows[0][3] == pytest.approx(0.75)

    # Ties in interaction_count are broken by user id, ascending.
    rows = store.user_rows(numbered_snapshot, order_by="interaction_count", limit=4)
    assert [row[0] for row in rows] == ["3", "6", "9", "12"]
    rows = store.user_rows(numbered_snapshot, order_by="norm", descending=True, limit=1000)
    norms = [row[4] for row in rows]
    assert norms == sorted(norms, reverse=True)


def test_user_rows_search(store, numbered_snapshot):
    rows = store.user_rows(numbered_snapshot, search="2", limit=1000)
    expected = [str(i) for i in range(1, 26) if "2" in str(i)]
    assert [row[0] for row in rows] == expected
    assert store.count_users(numbered_snapshot, search="2") == len(expected)
    assert store.count_users(numbered_snapshot) == 25

    # LIKE wildcards in the search text match literally.
    assert store.count_users(numbered_snapshot, search="%") == 0
    assert store.count_users(numbered_snapshot, search="_") == 0


def test_user_rows_paging(store, numbered_snapshot):
    pages = [store.user_rows(numbered_snapshot, order_by="interaction_count", limit=7, offset=o)
             for o in range(0, 28, 7)]
    assert [len(page) for page in pages] == [7, 7, 7, 4]
    paged = [row for page in pages for row in page]
    assert paged == store.user_rows(numbered_snapshot, order_by="interaction_count", limit=1000)
    assert len({row[0] for row in paged}) == 25


def test_user_rows_bad_order_by(store, numbered_snapshot):
    for column in ["vector", "drift; DROP TABLE memory_rows", "USER_ID"]:
        with pytest.raises(StoreError) as excinfo:
            store.user_rows(numbered_snapshot, order_by=column)
        assert "user_id, interaction_count, last_update_step, drift, norm" in str(excinfo.value)
    assert store.count_users(numbered_snapshot) == 25


# -- user history --------------------------------------------------------------------------


def test_user_history_cosine_change(store):
    vectors_of_user_7 = [[1.0, 0.0], [1.0, 1.0], [0.0, 3.0], [0.0, -2.0]]
    for index, vector in enumerate(vectors_of_user_7):
        user_ids = ["7", "8"] if index != 2 else ["7"]
        vectors = np.array([vector, [5.0, 5.0]][: len(user_ids)], dtype=np.float32)
        store.write_snapshot(
            "pretrain_retriever", index, index * 100, user_ids, vectors,
            np.full(len(user_ids), index), np.full(len(user_ids), index * 10),
            np.full(len(user_ids), 0.1 * index),
        )

    history = store.user_history("7")
    assert history["snapshot_id"].tolist() == [1, 2, 3, 4]
    assert history["step"].tolist() == [0, 100, 200, 300]
    assert history["interaction_count"].tolist() == [0, 1, 2, 3]
    assert np.array_equal(history["vector"].iloc[2], np.array([0.0, 3.0], dtype=np.float32))
    assert np.allclose(history["norm"], [1.0, math.sqrt(2.0), 3.0, 2.0])

    # By hand: cos([1,0],[1,1]) = 1/sqrt(2); cos([1,1],[0,3]) = 3/(sqrt(2)*3); opposite = -1.
    changes = history["cosine_change"].tolist()
    assert math.isnan(changes[0])
    assert changes[1] == pytest.approx(1.0 - 1.0 / math.sqrt(2.0))
    assert changes[2] == pytest.approx(1.0 - 1.0 / math.sqrt(2.0))
    assert changes[3] == pytest.approx(2.0)

    # User 8 is missing from snapshot 3, so its history skips it and compares 2 with 4.
    history = store.user_history("8")
    assert history["snapshot_id"].tolist() == [1, 2, 4]
    assert history["cosine_change"].tolist()[1:] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_user_history_unknown_user(store):
    write_random(store, random_snapshot(np.random.default_rng(0), ["1"], dim=2))
    with pytest.raises(UnknownUserError) as excinfo:
        store.user_history("404")
    assert "'404'" in str(excinfo.value)
    assert "1 snapshots" in str(excinfo.value)


# -- metrics, meta and stage results ---------------------------------------------------------


def test_metrics_upsert_keeps_one_row(store):
    store.log_metrics("pretrain_sasrec", 0, 50, {"loss": 1.5, "hr@10": 0.1})
    store.log_metrics("pretrain_sasrec", 1, 50, {"loss": 0.9})

    frame = store.metrics()
    assert list(frame.columns) == ["stage", "epoch", "step", "name", "value"]
    assert len(frame) == 2
    loss = frame[frame["name"] == "loss"]
    assert loss["value"].tolist() == [0.9]
    assert loss["epoch"].tolist() == [1]
    assert frame[frame["name"] == "hr@10"]["value"].tolist() == [0.1]


def test_metrics_order_and_stage_filter(store):
    store.log_metrics("pretrain_sasrec", 0, 20, {"loss": 2.0})
    store.log_metrics("pretrain_sasrec", 0, 10, {"loss": np.float32(3.0)})
    store.log_metrics("end_to_end", 0, 10, {"loss": 1.0})

    frame = store.metrics()
    assert frame["stage"].tolist() == ["pretrain_sasrec", "pretrain_sasrec", "end_to_end"]
    assert frame["step"].tolist() == [10, 20, 10]
    assert store.metrics("end_to_end")["value"].tolist() == [1.0]
    assert store.metrics("missing_stage").empty


def test_meta_round_trip(store):
    assert store.get_meta("config_hash") is None
    store.set_meta("config_hash", "abc")
    store.set_meta("config_hash", "def")
    assert store.get_meta("config_hash") == "def"


def test_stage_results_round_trip(store):
    store.save_stage_result("pretrain_sasrec", {"best_epoch": 3, "ndcg@10": np.float32(0.5)})
    store.save_stage_result("end_to_end", {"hr@10": 0.7, "per_k": np.array([1, 2])})
    store.save_stage_result("pretrain_sasrec", {"best_epoch": 4})

    results = store.stage_results()
    assert list(results) == ["end_to_end", "pretrain_sasrec"]
    assert results["pretrain_sasrec"] == {"best_epoch": 4}
    assert results["end_to_end"] == {"hr@10": 0.7, "per_k": [1, 2]}


# -- export and backup ---------------------------------------------------------------------


def read_export(path: Path, fmt: str, dim: int) -> tuple[pd.DataFrame, np.ndarray]:
    """Read an exported file back with pandas and return the frame and its (N, D) vectors."""
    if fmt == "csv":
        frame = pd.read_csv(path, dtype={"user_id": str})
        vectors = frame[[f"v{i}" for i in range(dim)]].to_numpy(dtype=np.float32)
    elif fmt == "json":
        frame = pd.read_json(path, orient="records", dtype={"user_id": str}, precise_float=True)
        vectors = np.array(frame["vector"].to_list(), dtype=np.float32)
    else:
        frame = pd.read_parquet(path)
        vectors = np.stack(frame["vector"].to_list()).astype(np.float32)
    return frame, vectors


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_snapshot_matches_store(store, tmp_path, fmt):
    columns = random_snapshot(np.random.default_rng(5), ["3", "1", "2", "10"], dim=8)
    columns["drift"][2] = np.nan
    snapshot_id = write_random(store, columns, stage="end_to_end", epoch=2, step=77)

    path = store.export_snapshot(snapshot_id, tmp_path / "out" / f"snapshot.{fmt}", fmt)
    frame, vectors = read_export(path, fmt, dim=8)
    data = store.read_snapshot(snapshot_id)

    assert frame["user_id"].tolist() == data.user_ids
    assert np.array_equal(vectors, data.vectors)
    assert frame["interaction_count"].tolist() == data.interaction_count.tolist()
    assert frame["last_update_step"].tolist() == data.last_update_step.tolist()
    assert np.array_equal(frame["drift"].to_numpy(dtype=float), data.drift, equal_nan=True)
    assert np.allclose(frame["norm"].to_numpy(dtype=float), data.norm)
    assert set(frame["snapshot_id"]) == {snapshot_id}
    assert set(frame["stage"]) == {"end_to_end"}
    assert set(frame["step"]) == {77}
    assert [p.name for p in path.parent.iterdir()] == [f"snapshot.{fmt}"]


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_user_matches_history(store, tmp_path, fmt):
    rng = np.random.default_rng(9)
    for epoch in range(3):
        write_random(store, random_snapshot(rng, ["1", "2"], dim=4), epoch=epoch, step=epoch * 10)

    path = store.export_user("2", tmp_path / f"user.{fmt}", fmt)
    frame, vectors = read_export(path, fmt, dim=4)
    history = store.user_history("2")

    assert frame["snapshot_id"].tolist() == [1, 2, 3]
    assert set(frame["user_id"]) == {"2"}
    assert np.array_equal(vectors, np.stack(history["vector"].to_list()))
    changes = frame["cosine_change"].to_numpy(dtype=float)
    assert np.allclose(changes[1:], history["cosine_change"][1:])
    assert math.isnan(frame["cosine_change"].iloc[0])


def test_export_json_is_valid_json(store, tmp_path):
    columns = random_snapshot(np.random.default_rng(0), ["1"], dim=3)
    columns["drift"] = np.array([np.nan])
    snapshot_id = write_random(store, columns)

    path = store.export_snapshot(snapshot_id, tmp_path / "s.json", "json")
    records = json.loads(path.read_text(encoding="utf-8"))  # strict: NaN would fail
    assert records[0]["drift"] is None
    assert records[0]["vector"] == columns["vectors"][0].tolist()


def test_export_errors_write_no_file(store, tmp_path):
    write_random(store, random_snapshot(np.random.default_rng(0), ["1"], dim=2))
    out = tmp_path / "exports"
    out.mkdir()

    with pytest.raises(StoreError, match="snapshot 42 not found"):
        store.export_snapshot(42, out / "missing.csv", "csv")
    with pytest.raises(StoreError) as excinfo:
        store.export_snapshot(1, out / "bad.xlsx", "xlsx")
    assert "csv, json, parquet" in str(excinfo.value)
    with pytest.raises(UnknownUserError):
        store.export_user("404", out / "user.csv", "csv")
    assert list(out.iterdir()) == []


def test_backup_opens_on_its_own(store, tmp_path):
    columns = random_snapshot(np.random.default_rng(0), [str(i) for i in range(30)], dim=8)
    snapshot_id = write_random(store, columns)
    store.log_metrics("pretrain_sasrec", 0, 1, {"loss": 0.5})

    dest = store.backup(tmp_path / "backups" / "copy.sqlite")
    assert sorted(p.name for p in dest.parent.iterdir()) == ["copy.sqlite"]
    with RunStore(dest, create=False) as copy:
        assert np.array_equal(copy.read_snapshot(snapshot_id).vectors, columns["vectors"])
        assert copy.metrics()["value"].tolist() == [0.5]


def test_backup_onto_itself_raises(store, tmp_path):
    with pytest.raises(StoreError, match="onto itself"):
        store.backup(tmp_path / "store.sqlite")
