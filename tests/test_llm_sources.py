"""Import of JSON text files: validation, empty texts and unknown ids."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from ur4rec.errors import TextsError
from ur4rec.llm.sources import load_texts

RAW_IDS = ["", "10", "20", "30"]  # internal ids 1, 2, 3


def write(path: Path, content: str) -> Path:
    path.write_text(content, encoding="utf-8")
    return path


def test_load_texts_maps_raw_to_internal_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", json.dumps({"10": "first", "30": "  third  "}))

    loaded = load_texts(path, RAW_IDS, "items")

    assert loaded.texts == {1: "first", 3: "third"}
    assert loaded.empty_ids == []
    assert loaded.unknown_ids == []


def test_invalid_json_names_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.json", '{\n  "10": "ok",\n  "20": oops\n}\n')

    with pytest.raises(TextsError) as info:
        load_texts(path, RAW_IDS, "items")

    message = str(info.value)
    assert str(path) in message
    assert f"{path}:3:9" in message
    assert "invalid JSON" in message


def test_top_level_list_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "list.json", '["a", "b"]')

    with pytest.raises(TextsError, match="top level is a JSON list, expected an object"):
        load_texts(path, RAW_IDS, "items")


@pytest.mark.parametrize("value", ["1", "null", '["a"]', '{"x": "y"}', "true"])
def test_non_string_value_is_rejected(tmp_path: Path, value: str) -> None:
    path = write(tmp_path / "t.json", f'{{"10": "fine", "20": {value}}}')

    with pytest.raises(TextsError) as info:
        load_texts(path, RAW_IDS, "items")

    assert "'20'" in str(info.value)
    assert "expected a string" in str(info.value)


def test_duplicate_id_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "t.json", '{"10": "a", "10": "b"}')

    with pytest.raises(TextsError, match="duplicate id '10'"):
        load_texts(path, RAW_IDS, "items")


def test_empty_texts_count_as_missing(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write(tmp_path / "t.json", json.dumps({"10": "", "20": "   ", "30": "kept"}))

    with caplog.at_level(logging.INFO, logger="ur4rec.llm.sources"):
        loaded = load_texts(path, RAW_IDS, "users")

    assert loaded.texts == {3: "kept"}
    assert loaded.empty_ids == ["10", "20"]
    assert "2 empty texts are treated as missing" in caplog.text


def test_unknown_ids_are_ignored_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path / "t.json", json.dumps({"10": "a", "99": "b", "x": "c"}))

    with caplog.at_level(logging.WARNING, logger="ur4rec.llm.sources"):
        loaded = load_texts(path, RAW_IDS, "users")

    assert loaded.texts == {1: "a"}
    assert loaded.unknown_ids == ["99", "x"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "ignored 2 texts" in warnings[0].getMessage()


def test_non_utf8_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes('{"10": "Café"}'.encode("latin-1"))

    with pytest.raises(TextsError, match="not UTF-8"):
        load_texts(path, RAW_IDS, "items")


def test_real_texts_skip_nothing(ml100k_dir: Path, texts_dir: Path) -> None:
    from ur4rec.data.movielens import read_ml100k

    data = read_ml100k(ml100k_dir)

    items = load_texts(texts_dir / "item_descriptions.json", data.item_raw_ids, "items")
    users = load_texts(texts_dir / "user_preferences.json", data.user_raw_ids, "users")

    assert len(items.texts) == 1659
    assert len(users.texts) == 938
    assert items.unknown_ids == []
    assert users.unknown_ids == []
