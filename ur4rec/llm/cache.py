"""SQLite cache of generated texts, one row per (kind, raw id, template hash, model).

Each finished text is committed on its own, in WAL mode, so a killed run loses at most the
requests that were in flight. The API key is never stored here.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ur4rec.errors import TextsError

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
CACHE_FILE = "texts_cache.sqlite"

STATUS_OK = "ok"
STATUS_MODERATED = "failed_moderation"
STATUS_TIMEOUT = "failed_timeout"
STATUS_ERROR = "failed_error"
STATUSES = (STATUS_OK, STATUS_MODERATED, STATUS_TIMEOUT, STATUS_ERROR)
# Keys with these statuses are final: a resumed run skips them. Timeouts and other errors
# are transient, so a resumed run requests them again.
FINAL_STATUSES = (STATUS_OK, STATUS_MODERATED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS texts (
    kind TEXT NOT NULL,
    raw_id TEXT NOT NULL,
    template_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    status TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    request_id TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    PRIMARY KEY (kind, raw_id, template_hash, model)
)
"""


@dataclass(frozen=True)
class CachedText:
    """One generated (or substituted) text and the request that produced it."""

    kind: str
    raw_id: str
    template_hash: str
    model: str
    text: str
    status: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    request_id: str = ""
    created_at: str = ""


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class TextCache:
    """The text cache in one SQLite file; use it from one thread (the generator's main loop)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TextsError(
                f"{self.path.parent}: cannot create the cache folder ({err.strerror}); "
                "choose another output folder"
            ) from err
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except sqlite3.DatabaseError as err:
            raise TextsError(
                f"{self.path}: cannot open the text cache ({err}); "
                "delete the file to start a fresh cache"
            ) from err

    def _migrate(self) -> None:
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise TextsError(
                f"{self.path}: text cache schema version {version} is newer than this "
                f"program's version {SCHEMA_VERSION}; upgrade ur4rec or use another --out folder"
            )
        self._conn.execute(_SCHEMA)
        self._conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> TextCache:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def put(self, entry: CachedText) -> None:
        """Insert or replace one entry and commit it at once."""
        if entry.status not in STATUSES:
            raise ValueError(f"unknown status {entry.status!r}; expected one of {STATUSES}")
        self._conn.execute(
            "INSERT OR REPLACE INTO texts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.kind, entry.raw_id, entry.template_hash, entry.model, entry.text,
                entry.status, entry.prompt_tokens, entry.completion_tokens, entry.request_id,
                entry.created_at or utc_now(),
            ),
        )

    def get(self, kind: str, raw_id: str, template_hash: str, model: str) -> CachedText | None:
        row = self._conn.execute(
            "SELECT * FROM texts WHERE kind = ? AND raw_id = ? AND template_hash = ? AND model = ?",
            (kind, raw_id, template_hash, model),
        ).fetchone()
        return CachedText(*row) if row else None

    def entries(self, kind: str, template_hash: str, model: str) -> list[CachedText]:
        """Return all entries of one (kind, template, model), ordered by insertion."""
        rows = self._conn.execute(
            "SELECT * FROM texts WHERE kind = ? AND template_hash = ? AND model = ? ORDER BY rowid",
            (kind, template_hash, model),
        ).fetchall()
        return [CachedText(*row) for row in rows]

    def groups(self, kind: str) -> list[tuple[str, str, int]]:
        """Return (model, template hash, entry count) for every group of `kind` in the cache."""
        rows = self._conn.execute(
            "SELECT model, template_hash, COUNT(*) FROM texts WHERE kind = ? "
            "GROUP BY model, template_hash ORDER BY model, template_hash",
            (kind,),
        ).fetchall()
        return [(str(model), str(digest), int(count)) for model, digest, count in rows]

    def final_ids(self, kind: str, template_hash: str, model: str) -> set[str]:
        """Return the raw ids whose entries a resumed run does not request again."""
        placeholders = ", ".join("?" for _ in FINAL_STATUSES)
        rows = self._conn.execute(
            f"SELECT raw_id FROM texts WHERE kind = ? AND template_hash = ? AND model = ? "
            f"AND status IN ({placeholders})",
            (kind, template_hash, model, *FINAL_STATUSES),
        ).fetchall()
        return {row[0] for row in rows}

    def export_json(self, kind: str, model: str, template_hash: str, path: Path) -> int:
        """Write the final texts of one (kind, model, template) as `{raw_id: text}` JSON.

        Moderated entries are exported with their template text; timed-out and failed
        entries are left out, so `build_texts` fills them from templates. The file is
        replaced atomically. Returns the number of texts written.
        """
        texts = {
            entry.raw_id: entry.text
            for entry in self.entries(kind, template_hash, model)
            if entry.status in FINAL_STATUSES
        }
        ordered = dict(sorted(texts.items(), key=lambda pair: _id_sort_key(pair[0])))
        write_json_atomic(Path(path), ordered)
        logger.info("wrote %d %s texts to %s", len(ordered), kind[:-1], path)
        return len(ordered)


def _id_sort_key(raw_id: str) -> tuple[int, int | str]:
    return (0, int(raw_id)) if raw_id.isdigit() else (1, raw_id)


def write_json_atomic(path: Path, obj: object) -> None:
    """Write `obj` as indented UTF-8 JSON to `path` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(obj, handle, ensure_ascii=False, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
