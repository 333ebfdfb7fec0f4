"""The SQLite run store: metrics, stage results and per-user memory snapshots of one run.

One file per run directory (`RUN_DIR/store.sqlite`). The trainer writes to it from its worker
thread while the CLI or the studio read it, so the file is in WAL mode: readers never block the
writer and always see whole committed transactions. Each thread gets its own connection
(sqlite3 connections must not be shared across threads), with a busy timeout so that two
writers wait for each other instead of failing at once.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from ur4rec.errors import StoreError, UnknownUserError
from ur4rec.store import export, schema

logger = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_S = 10.0

USER_ROW_COLUMNS = ("user_id", "interaction_count", "last_update_step", "drift", "norm")

_SNAPSHOT_COLUMNS = "id, stage, epoch, step, created_at, num_users, dim"


@dataclass(frozen=True)
class SnapshotInfo:
    """One memory snapshot: when the trainer took it and the shape of its user rows."""

    id: int
    stage: str
    epoch: int
    step: int
    created_at: float  # Unix time in seconds
    num_users: int
    dim: int


@dataclass
class SnapshotData:
    """All user rows of one snapshot, in the order the trainer wrote them."""

    info: SnapshotInfo
    user_ids: list[str]
    vectors: np.ndarray  # (U, D) float32
    interaction_count: np.ndarray  # (U,) int64
    last_update_step: np.ndarray  # (U,) int64
    drift: np.ndarray  # (U,) float64, NaN where the trainer wrote NaN
    norm: np.ndarray  # (U,) float64, L2 norm of each vector


class RunStore:
    """The SQLite store of one run, for use from several threads (one connection each) at once."""

    SCHEMA_VERSION: int = schema.SCHEMA_VERSION

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        """Open the store at `path`, creating it when `create` is true, and migrate it.

        Raises StoreError when the file is missing (with create=False), is not a SQLite
        database, or was written by a newer schema.
        """
        self.path = Path(path)
        self._create = create
        self._local = threading.local()
        if self.path.is_dir():
            raise StoreError(
                f"{self.path} is a folder, not a run store; pass the store.sqlite file inside it"
            )
        if not create and not self.path.is_file():
            raise StoreError(
                f"run store {self.path} not found; check the run directory, or train the run first"
            )

        conn = self._connection()
        try:
            self._guard_sqlite_errors(lambda: schema.migrate(conn, self.path))
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the calling thread's connection. The next call from that thread opens a new one."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- connections and transactions -----------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._guard_sqlite_errors(self._open_connection)
            self._local.conn = conn
        return conn

    def _open_connection(self) -> sqlite3.Connection:
        if not self.path.parent.is_dir():
            raise StoreError(
                f"cannot create run store {self.path}: the folder {self.path.parent} does not "
                "exist; create the run directory first"
            )
        # isolation_level=None leaves transactions to the explicit BEGIN/COMMIT below.
        # mode=rw makes SQLite fail instead of creating an empty file when create=False.
        target = f"{self.path.resolve().as_uri()}?mode={'rwc' if self._create else 'rw'}"
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, isolation_level=None, uri=True)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _guard_sqlite_errors(self, action: Callable[[], T]) -> T:
        """Run `action()` and turn SQLite's 'not a database' errors into a StoreError."""
        try:
            return action()
        except sqlite3.DatabaseError as exc:
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                raise
            raise StoreError(
                f"{self.path} is not a readable SQLite database (SQLite reports: {exc}); open "
                "the store.sqlite file inside a run directory"
            ) from exc

    @contextmanager
    def _transaction(self, mode: str = "DEFERRED") -> Iterator[sqlite3.Connection]:
        """Run the block in one transaction. Mode IMMEDIATE takes the write lock up front."""
        conn = self._connection()
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    # -- meta, metrics and stage results ----------------------------------------------------

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction("IMMEDIATE") as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, str(value)),
            )

    def get_meta(self, key: str) -> str | None:
        row = self._connection().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def log_metrics(self, stage: str, epoch: int, step: int, values: dict[str, float]) -> None:
        """Store metric values for one step, replacing values logged earlier for the same step."""
        rows = [
            (stage, int(epoch), int(step), name, float(value)) for name, value in values.items()
        ]
        with self._transaction("IMMEDIATE") as conn:
            conn.executemany(
                "INSERT INTO metrics (stage, epoch, step, name, value) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (stage, step, name) "
                "DO UPDATE SET epoch = excluded.epoch, value = excluded.value",
                rows,
            )

    def metrics(self, stage: str | None = None) -> pd.DataFrame:
        """Return metrics sorted by stage (in the order first logged), then step, then name."""
        query = (
            "SELECT stage, epoch, step, name, value FROM metrics "
            "WHERE ?1 IS NULL OR stage = ?1 "
            "ORDER BY MIN(rowid) OVER (PARTITION BY stage), step, name"
        )
        rows = self._connection().execute(query, (stage,)).fetchall()
        frame = pd.DataFrame(rows, columns=["stage", "epoch", "step", "name", "value"])
        return frame.astype({"epoch": "int64", "step": "int64", "value": "float64"})

    def save_stage_result(self, stage: str, result: dict) -> None:
        """Store the final result of a stage, replacing an earlier result of the same stage."""
        result_json = json.dumps(result, default=_json_default)
        with self._transaction("IMMEDIATE") as conn:
            conn.execute(
                "INSERT INTO stage_results (stage, result_json, finished_at) VALUES (?, ?, ?) "
                "ON CONFLICT (stage) DO UPDATE SET "
                "result_json = excluded.result_json, finished_at = excluded.finished_at",
                (stage, result_json, time.time()),
            )

    def stage_results(self) -> dict[str, dict]:
        """Return the result of each finished stage, in the order the stages finished."""
        rows = self._connection().execute(
            "SELECT stage, result_json FROM stage_results ORDER BY finished_at, stage"
        ).fetchall()
        return {stage: json.loads(result_json) for stage, result_json in rows}

    # -- snapshots ------------------------------------------------------------------------

    def write_snapshot(
        self,
        stage: str,
        epoch: int,
        step: int,
        user_ids: Sequence[str],
        vectors: np.ndarray,
        interaction_count: np.ndarray,
        last_update_step: np.ndarray,
        drift: np.ndarray,
    ) -> int:
        """Store one memory row per user in a single transaction and return the snapshot id.

        `vectors` is (U, D) and the other arrays are (U,), in the order of `user_ids`.
        """
        vectors = np.ascontiguousarray(vectors, dtype=schema.VECTOR_DTYPE)  # (U, D)
        ids = [str(user_id) for user_id in user_ids]
        columns = _check_snapshot_shapes(ids, vectors, interaction_count, last_update_step, drift)
        counts, update_steps, drifts = columns
        norms = schema.vector_norms(vectors)  # (U,)
        created_at = time.time()

        rows = [
            (ids[i], vectors[i].tobytes(), int(counts[i]), int(update_steps[i]),
             float(drifts[i]), float(norms[i]), created_at)
            for i in range(len(ids))
        ]
        with self._transaction("IMMEDIATE") as conn:
            cursor = conn.execute(
                "INSERT INTO snapshots (stage, epoch, step, created_at, num_users, dim) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (stage, int(epoch), int(step), created_at, len(ids), vectors.shape[1]),
            )
            snapshot_id = int(cursor.lastrowid)
            conn.executemany(
                "INSERT INTO memory_rows (snapshot_id, user_id, vector, interaction_count, "
                "last_update_step, drift, norm, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(snapshot_id, *row) for row in rows],
            )
        logger.debug(
            "Wrote snapshot %d (%s, %d users) to %s", snapshot_id, stage, len(ids), self.path
        )
        return snapshot_id

    def list_snapshots(self) -> list[SnapshotInfo]:
        rows = self._connection().execute(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id"
        ).fetchall()
        return [SnapshotInfo(*row) for row in rows]

    def read_snapshot(self, snapshot_id: int) -> SnapshotData:
        """Return every user row of a snapshot. Raises StoreError for an unknown id."""
        with self._transaction() as conn:
            info = self._snapshot_info(conn, snapshot_id)
            rows = conn.execute(
                "SELECT user_id, vector, interaction_count, last_update_step, drift, norm "
                "FROM memory_rows WHERE snapshot_id = ? ORDER BY rowid",
                (info.id,),
            ).fetchall()

        columns = list(zip(*rows, strict=True)) if rows else [()] * 6
        user_ids, blobs, counts, update_steps, drifts, norms = columns
        return SnapshotData(
            info=info,
            user_ids=list(user_ids),
            vectors=self._decode_vectors(info, blobs),
            interaction_count=np.array(counts, dtype=np.int64),
            last_update_step=np.array(update_steps, dtype=np.int64),
            drift=np.array(drifts, dtype=np.float64),
            norm=np.array(norms, dtype=np.float64),
        )

    def count_users(self, snapshot_id: int, search: str = "") -> int:
        """Count the users of a snapshot whose id contains `search` (case-insensitive)."""
        with self._transaction() as conn:
            info = self._snapshot_info(conn, snapshot_id)
            row = conn.execute(
                "SELECT COUNT(*) FROM memory_rows "
                "WHERE snapshot_id = ? AND user_id LIKE ? ESCAPE '\\'",
                (info.id, _like_pattern(search)),
            ).fetchone()
        return int(row[0])

    def user_rows(
        self,
        snapshot_id: int,
        *,
        search: str = "",
        order_by: str = "user_id",
        descending: bool = False,
        limit: int = 200,
        offset: int = 0,
    ) -> list[tuple]:
        """Return one page of (user_id, interaction_count, last_update_step, drift, norm) rows.

        Rows are those whose user id contains `search`, sorted by `order_by` (one of
        USER_ROW_COLUMNS). User ids sort numerically when they are numbers. Ties are
        broken by user id, so pages never overlap. Drift and norm are None where NaN was stored.
        """
        if order_by not in USER_ROW_COLUMNS:
            raise StoreError(
                f"cannot sort user rows by {order_by!r}; use one of {', '.join(USER_ROW_COLUMNS)}"
            )
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0, got limit={limit}, offset={offset}")

        direction = "DESC" if descending else "ASC"
        user_order = f"CAST(user_id AS INTEGER) {direction}, user_id {direction}"
        order = user_order if order_by == "user_id" else f"{order_by} {direction}, {user_order}"
        with self._transaction() as conn:
            info = self._snapshot_info(conn, snapshot_id)
            return conn.execute(
                f"SELECT {', '.join(USER_ROW_COLUMNS)} FROM memory_rows "
                f"WHERE snapshot_id = ? AND user_id LIKE ? ESCAPE '\\' "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                (info.id, _like_pattern(search), int(limit), int(offset)),
            ).fetchall()

    def user_vector(self, snapshot_id: int, user_id: str) -> np.ndarray:
        """Return one user's (D,) float32 memory vector in a snapshot."""
        with self._transaction() as conn:
            info = self._snapshot_info(conn, snapshot_id)
            row = conn.execute(
                "SELECT vector FROM memory_rows WHERE snapshot_id = ? AND user_id = ?",
                (info.id, str(user_id)),
            ).fetchone()
        if row is None:
            raise UnknownUserError(
                f"user {user_id!r} not found in snapshot {info.id} of {self.path}; "
                "pick a user id from that snapshot's user list"
            )
        return self._decode_vectors(info, [row[0]])[0]

    def user_history(self, user_id: str) -> pd.DataFrame:
        """Return one row per snapshot that contains the user, oldest first.

        Columns: snapshot_id, stage, epoch, step, created_at, interaction_count,
        last_update_step, drift, norm, vector (a (D,) float32 array) and cosine_change,
        the cosine distance to the user's vector in the previous row (NaN for the first
        row and where either vector is all zeros).
        """
        rows = self._connection().execute(
            "SELECT s.id, s.stage, s.epoch, s.step, s.created_at, m.interaction_count, "
            "m.last_update_step, m.drift, m.norm, m.vector "
            "FROM memory_rows AS m JOIN snapshots AS s ON s.id = m.snapshot_id "
            "WHERE m.user_id = ? ORDER BY s.id",
            (str(user_id),),
        ).fetchall()
        if not rows:
            count = len(self.list_snapshots())
            raise UnknownUserError(
                f"user {user_id!r} not found in any of the {count} snapshots of {self.path}; "
                "check the user id, or write a snapshot that contains this user"
            )

        columns = [
            "snapshot_id", "stage", "epoch", "step", "created_at", "interaction_count",
            "last_update_step", "drift", "norm", "vector",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        frame["drift"] = frame["drift"].astype("float64")
        frame["norm"] = frame["norm"].astype("float64")
        frame["vector"] = [np.frombuffer(blob, dtype=schema.VECTOR_DTYPE).astype(np.float32)
                           for blob in frame["vector"]]
        frame["cosine_change"] = _cosine_changes(frame["vector"].to_list())
        return frame

    # -- export and backup ----------------------------------------------------------------

    def export_snapshot(self, snapshot_id: int, path: Path, fmt: str) -> Path:
        """Write a snapshot to `path` as csv, json or parquet. Nothing is written on error."""
        fmt = export.check_format(fmt)
        data = self.read_snapshot(snapshot_id)
        return export.write_frame(export.snapshot_frame(data), data.info.dim, path, fmt)

    def export_user(self, user_id: str, path: Path, fmt: str) -> Path:
        """Write a user's history to `path` as csv, json or parquet. Nothing is written on error."""
        fmt = export.check_format(fmt)
        history = self.user_history(user_id)
        dim = len(history["vector"].iloc[0])
        return export.write_frame(export.user_frame(str(user_id), history), dim, path, fmt)

    def backup(self, dest: Path) -> Path:
        """Copy every committed transaction to `dest` with SQLite's online backup API.

        Safe while another thread or process writes. The copy is in rollback-journal mode, so
        it is one self-contained file.
        """
        dest = Path(dest)
        if dest.resolve() == self.path.resolve():
            raise StoreError(f"cannot back up {self.path} onto itself; choose another file")
        with export.atomic_path(dest) as temp_path:
            target = sqlite3.connect(temp_path, isolation_level=None)
            try:
                self._connection().backup(target)
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()
        logger.info("Backed up run store %s to %s", self.path, dest)
        return dest

    # -- helpers --------------------------------------------------------------------------

    def _snapshot_info(self, conn: sqlite3.Connection, snapshot_id: int) -> SnapshotInfo:
        row = conn.execute(
            f"SELECT {_SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?", (int(snapshot_id),)
        ).fetchone()
        if row is None:
            ids = [info[0] for info in conn.execute("SELECT id FROM snapshots ORDER BY id")]
            raise StoreError(
                f"snapshot {snapshot_id} not found in {self.path}; {_describe_ids(ids)}"
            )
        return SnapshotInfo(*row)

    def _decode_vectors(self, info: SnapshotInfo, blobs: Sequence[bytes]) -> np.ndarray:
        """Turn stored float32 blobs into a (N, D) float32 array, checking every length."""
        expected = info.dim * schema.VECTOR_DTYPE.itemsize
        bad = next((len(blob) for blob in blobs if len(blob) != expected), None)
        if bad is not None:
            raise StoreError(
                f"snapshot {info.id} in {self.path} is damaged: a vector has {bad} bytes instead "
                f"of {expected} ({info.dim} float32 values); restore the store from a backup"
            )
        flat = np.frombuffer(b"".join(blobs), dtype=schema.VECTOR_DTYPE)
        return flat.reshape(len(blobs), info.dim).astype(np.float32)  # (N, D)


def _check_snapshot_shapes(
    user_ids: list[str],
    vectors: np.ndarray,
    interaction_count: np.ndarray,
    last_update_step: np.ndarray,
    drift: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the per-user columns as 1-D arrays. Raises ValueError when a shape does not fit."""
    if vectors.ndim != 2 or vectors.shape[0] != len(user_ids):
        raise ValueError(
            f"vectors must have shape ({len(user_ids)}, D) for {len(user_ids)} user ids, "
            f"got {vectors.shape}"
        )
    if len(set(user_ids)) != len(user_ids):
        raise ValueError("user_ids must be unique within a snapshot")

    columns = []
    named = {"interaction_count": interaction_count, "last_update_step": last_update_step,
             "drift": drift}
    for name, values in named.items():
        array = np.asarray(values)
        if array.shape != (len(user_ids),):
            raise ValueError(f"{name} must have shape ({len(user_ids)},), got {array.shape}")
        columns.append(array)
    return columns[0], columns[1], columns[2]


def _cosine_changes(vectors: list[np.ndarray]) -> np.ndarray:
    """Return 1 - cos(previous, current) for each vector, and NaN for the first one."""
    changes = np.full(len(vectors), np.nan)
    for i in range(1, len(vectors)):
        previous = vectors[i - 1].astype(np.float64)
        current = vectors[i].astype(np.float64)
        denominator = np.linalg.norm(previous) * np.linalg.norm(current)
        if previous.shape == current.shape and denominator > 0:
            changes[i] = 1.0 - float(previous @ current) / denominator
    return changes


def _like_pattern(search: str) -> str:
    escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _describe_ids(ids: list[int], max_listed: int = 50) -> str:
    if not ids:
        return "the store has no snapshots yet"
    listed = ", ".join(str(snapshot_id) for snapshot_id in ids[:max_listed])
    more = f" and {len(ids) - max_listed} more" if len(ids) > max_listed else ""
    return f"available snapshot ids: {listed}{more}"


def _json_default(value: Any) -> Any:
    """Convert numpy scalars and arrays inside a stage result to JSON types."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"stage result value of type {type(value).__name__} is not JSON serializable")
