"""Tables of the run store and the migrations that bring an older store file up to date.

The schema version lives in `PRAGMA user_version`: 0 is an empty file, N a store at schema N.
Each migration step runs in its own write transaction that rereads the version first, so two
processes opening the same old store at once migrate it only once.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ur4rec.errors import StoreError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2

VECTOR_DTYPE = np.dtype("<f4")  # memory vectors are stored as float32 little-endian bytes

# Schema 1 as first released. Never edit these statements: old store files were created by them.
_V1_STATEMENTS = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS metrics (
        stage TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        name TEXT NOT NULL,
        value REAL,
        PRIMARY KEY (stage, step, name)
    )""",
    """CREATE TABLE IF NOT EXISTS stage_results (
        stage TEXT PRIMARY KEY,
        result_json TEXT NOT NULL,
        finished_at REAL NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS snapshots (
        id INTEGER PRIMARY KEY,
        stage TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        step INTEGER NOT NULL,
        created_at REAL NOT NULL,
        num_users INTEGER NOT NULL,
        dim INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS memory_rows (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL,
        vector BLOB NOT NULL,
        interaction_count INTEGER NOT NULL,
        last_update_step INTEGER NOT NULL,
        drift REAL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (snapshot_id, user_id)
    )""",
    "CREATE INDEX IF NOT EXISTS memory_rows_user_id ON memory_rows (user_id)",
)


def vector_norms(vectors: np.ndarray) -> np.ndarray:
    """Return the L2 norm of each row of a (U, D) matrix, summed in float64."""
    rows = np.asarray(vectors, dtype=np.float64)  # (U, D)
    return np.sqrt(np.sum(rows * rows, axis=1))  # (U,)


def _blob_norm(blob: bytes) -> float:
    vector = np.frombuffer(blob, dtype=VECTOR_DTYPE)  # (D,)
    return float(vector_norms(vector[np.newaxis, :])[0])


def _create_v1(conn: sqlite3.Connection, path: Path) -> None:
    _check_no_foreign_tables(conn, path)
    for statement in _V1_STATEMENTS:
        conn.execute(statement)


def _add_norm_column(conn: sqlite3.Connection, path: Path) -> None:
    """Add `memory_rows.norm` (schema 2) and back-fill it from the stored vectors."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(memory_rows)")}
    if "norm" not in columns:
        conn.execute("ALTER TABLE memory_rows ADD COLUMN norm REAL")

    conn.create_function("ur4rec_vector_norm", 1, _blob_norm, deterministic=True)
    conn.execute("UPDATE memory_rows SET norm = ur4rec_vector_norm(vector) WHERE norm IS NULL")


# Maps each schema version to the step that turns the previous version into it.
_MIGRATIONS: dict[int, Callable[[sqlite3.Connection, Path], None]] = {
    1: _create_v1,
    2: _add_norm_column,
}


def read_user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, path: Path) -> int:
    """Bring the store at `path` to SCHEMA_VERSION and return the version it had before.

    `conn` must be in autocommit mode (isolation_level=None). Raises StoreError when the file
    was written by a newer schema or is a SQLite database of some other program.
    """
    found = read_user_version(conn)
    _check_version_supported(found, path)

    for target in range(found + 1, SCHEMA_VERSION + 1):
        _apply_step(conn, target, path)
    if found == 0:
        logger.info("Created run store %s (schema %d)", path, SCHEMA_VERSION)
    elif found < SCHEMA_VERSION:
        logger.info("Migrated run store %s from schema %d to %d", path, found, SCHEMA_VERSION)
    return found


def _check_version_supported(version: int, path: Path) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer UR4Rec Studio (schema {version}, this version reads "
            f"up to {SCHEMA_VERSION}); upgrade UR4Rec Studio to open this run store"
        )


def _check_no_foreign_tables(conn: sqlite3.Connection, path: Path) -> None:
    """Raise StoreError when a file without a schema version has tables of another program."""
    rows = conn.execute(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    if rows:
        names = ", ".join(sorted(row[0] for row in rows))
        raise StoreError(
            f"{path} is a SQLite database but not a UR4Rec run store (it has the tables {names} "
            "and no schema version); open the store.sqlite file inside a run directory"
        )


def _apply_step(conn: sqlite3.Connection, target: int, path: Path) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another connection may have run this step while this one waited for the write lock.
        if read_user_version(conn) < target:
            _MIGRATIONS[target](conn, path)
            conn.execute(f"PRAGMA user_version = {int(target)}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
