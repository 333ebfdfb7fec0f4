"""The SQLite text cache: keys, statuses, WAL mode and the JSON export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ur4rec.errors import TextsError
from ur4rec.llm.cache import CachedText, TextCache


def entry(raw_id: str, status: str = "ok", model: str = "qwen-plus", digest: str = "h1",
          text: str | None = None) -> CachedText:
    return CachedText(kind="items", raw_id=raw_id, template_hash=digest, model=model,
                      text=text if text is not None else f"text {raw_id}", status=status,
                      prompt_tokens=3, completion_tokens=5, request_id=f"req-{raw_id}")


def test_put_commits_each_entry_at_once(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    cache = TextCache(path)

    cache.put(entry("1"))

    # A second connection reads the row while the first one is still open.
    with sqlite3.connect(path) as other:
        rows = other.execute("SELECT raw_id, text, status, request_id FROM texts").fetchall()
        mode = other.execute("PRAGMA journal_mode").fetchone()[0]
    cache.close()
    assert rows == [("1", "text 1", "ok", "req-1")]
    assert mode == "wal"


def test_keys_separate_model_and_template(tmp_path: Path) -> None:
    with TextCache(tmp_path / "c.sqlite") as cache:
        cache.put(entry("1", model="qwen-plus", digest="h1"))
        cache.put(entry("1", model="qwen-max", digest="h1", text="other model"))
        cache.put(entry("1", model="qwen-plus", digest="h2", text="other template"))

        assert cache.get("items", "1", "h1", "qwen-plus").text == "text 1"
        assert cache.get("items", "1", "h1", "qwen-max").text == "other model"
        assert cache.get("items", "1", "h2", "qwen-plus").text == "other template"
        assert cache.get("users", "1", "h1", "qwen-plus") is None
        assert cache.groups("items") == [("qwen-max", "h1", 1), ("qwen-plus", "h1", 1),
                                         ("qwen-plus", "h2", 1)]


def test_final_ids_skip_transient_failures(tmp_path: Path) -> None:
    with TextCache(tmp_path / "c.sqlite") as cache:
        cache.put(entry("1", "ok"))
        cache.put(entry("2", "failed_moderation"))
        cache.put(entry("3", "failed_timeout", text=""))
        cache.put(entry("4", "failed_error", text=""))

        assert cache.final_ids("items", "h1", "qwen-plus") == {"1", "2"}


def test_unknown_status_is_rejected(tmp_path: Path) -> None:
    with TextCache(tmp_path / "c.sqlite") as cache, pytest.raises(ValueError, match="status"):
        cache.put(entry("1", "done"))


def test_export_json_writes_final_texts_sorted(tmp_path: Path) -> None:
    out = tmp_path / "out" / "item_descriptions.json"
    with TextCache(tmp_path / "c.sqlite") as cache:
        cache.put(entry("10"))
        cache.put(entry("9", "failed_moderation", text="template text"))
        cache.put(entry("2", "failed_error", text=""))
        cache.put(entry("1", model="qwen-max"))

        count = cache.export_json("items", "qwen-plus", "h1", out)

    assert count == 2
    assert list(json.loads(out.read_text(encoding="utf-8")).items()) == [
        ("9", "template text"), ("10", "text 10"),
    ]
    assert [p.name for p in out.parent.iterdir()] == ["item_descriptions.json"]


def test_newer_schema_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")

    with pytest.raises(TextsError, match="schema version 99"):
        TextCache(path)


def test_non_database_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    path.write_bytes(b"this is not a database" * 100)

    with pytest.raises(TextsError, match="cannot open the text cache"):
        TextCache(path)


def test_output_folder_that_is_a_file_is_rejected(tmp_path: Path) -> None:
    blocker = tmp_path / "texts"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(TextsError, match="cannot create the cache folder") as caught:
        TextCache(blocker / "texts_cache.sqlite")
    assert str(blocker) in str(caught.value)
