"""Import of LLM text files: JSON objects that map a raw user or item id to a text.

The layout is the one of the shared MovieLens texts and of `ur4rec texts generate`:
`item_descriptions.json` and `user_preferences.json`, each `{"<raw id>": "<text>", ...}`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ur4rec.errors import TextsError

logger = logging.getLogger(__name__)

ITEM_TEXTS_FILE = "item_descriptions.json"
USER_TEXTS_FILE = "user_preferences.json"
TEXT_FILES = {"items": ITEM_TEXTS_FILE, "users": USER_TEXTS_FILE}


@dataclass
class LoadedTexts:
    """Texts of one file keyed by internal id, and the entries that were skipped."""

    path: Path
    texts: dict[int, str]
    empty_ids: list[str] = field(default_factory=list)
    unknown_ids: list[str] = field(default_factory=list)


def text_file_path(texts_dir: Path, kind: str) -> Path:
    """Return the path of the `kind` ("items" or "users") text file inside `texts_dir`."""
    if kind not in TEXT_FILES:
        raise ValueError(f"unknown text kind {kind!r}; expected one of {sorted(TEXT_FILES)}")
    return Path(texts_dir) / TEXT_FILES[kind]


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise TextsError(f"duplicate id {key!r}: each id may appear only once")
        result[key] = value
    return result


def _read_json_object(path: Path) -> dict[str, object]:
    try:
        raw = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise TextsError(
            f"{path}: not UTF-8 text (byte {err.start}); save the file as UTF-8"
        ) from err
    try:
        obj = json.loads(raw, object_pairs_hook=_reject_duplicate_keys)
    except json.JSONDecodeError as err:
        raise TextsError(
            f"{path}:{err.lineno}:{err.colno}: invalid JSON ({err.msg}); "
            "fix the file or regenerate it with `ur4rec texts generate`"
        ) from err
    except TextsError as err:
        raise TextsError(f"{path}: {err}") from err
    if not isinstance(obj, dict):
        raise TextsError(
            f"{path}: the top level is a JSON {type(obj).__name__}, expected an object "
            'that maps raw ids to texts, e.g. {"1": "A text ..."}'
        )
    return obj


def load_texts(path: Path, raw_ids: Sequence[str], kind: str) -> LoadedTexts:
    """Read the text file at `path` and key its texts by internal id.

    `raw_ids` lists the raw id of every internal id (index 0 is a placeholder). Empty texts
    count as missing and ids the data set does not contain are ignored; both are logged as
    warnings. Raises `TextsError` for invalid JSON, a top level that is not an object, a
    value that is not a string, or a file none of whose ids is in the data set.
    """
    path = Path(path)
    obj = _read_json_object(path)
    index = {raw: internal for internal, raw in enumerate(raw_ids) if internal > 0}
    loaded = LoadedTexts(path=path, texts={})
    for raw_id, text in obj.items():
        if not isinstance(text, str):
            raise TextsError(
                f"{path}: the value of id {raw_id!r} is a JSON {_json_type(text)}, "
                "expected a string; write the text as a JSON string"
            )
        internal = index.get(raw_id)
        if internal is None:
            loaded.unknown_ids.append(raw_id)
        elif not text.strip():
            loaded.empty_ids.append(raw_id)
        else:
            loaded.texts[internal] = text.strip()
    if obj and len(loaded.unknown_ids) == len(obj):
        raise TextsError(
            f"{path}: none of its {len(obj)} {kind.rstrip('s')} ids is in the data set "
            f"(first ids: {', '.join(loaded.unknown_ids[:5])}); the texts belong to another data "
            "set, so pass the texts folder of this one or generate texts with "
            "`ur4rec texts generate`"
        )
    _log_skipped(loaded, kind)
    return loaded


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {list: "array", dict: "object"}.get(type(value), type(value).__name__)


def _log_skipped(loaded: LoadedTexts, kind: str) -> None:
    logger.info("%s: read %d %s texts", loaded.path, len(loaded.texts), kind.rstrip("s"))
    if loaded.empty_ids:
        logger.warning(
            "%s: %d empty texts are treated as missing and get a template text (first ids: %s); "
            "write a text for these ids or delete them from the file",
            loaded.path, len(loaded.empty_ids), ", ".join(loaded.empty_ids[:5]),
        )
    if loaded.unknown_ids:
        logger.warning(
            "%s: ignored %d texts whose %s ids are not in the data set (first ids: %s); "
            "check that the texts belong to this data set",
            loaded.path, len(loaded.unknown_ids), kind.rstrip("s"),
            ", ".join(loaded.unknown_ids[:5]),
        )
