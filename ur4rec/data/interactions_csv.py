"""Reader of a generic interactions file: one delimited row per interaction, with a header."""

from __future__ import annotations

import csv
import io
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ur4rec.data.build import RawInteractions, build_interaction_data
from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.data.delimited import parse_unsigned_ints, read_text
from ur4rec.errors import DataError

logger = logging.getLogger(__name__)

TITLE_COLUMN = "title"
GENRES_COLUMN = "genres"
GENRE_SEPARATOR = "|"

_PARSER_LINE = re.compile(r"line (\d+)")
_TITLE_YEAR = re.compile(r"\((\d{4})\)\s*$")


def read_interactions_csv(
    path: Path,
    user_col: str = "user_id",
    item_col: str = "item_id",
    time_col: str | None = "timestamp",
    sep: str = ",",
) -> InteractionData:
    """Read interactions from a delimited file whose first line names the columns.

    Timestamps must be integers >= 0; with `time_col=None` the row order is the time order.
    Optional `title` and `genres` (`|`-separated) columns fill the item metadata; without
    them an item's title is its raw id. Other columns, such as a rating, are ignored.
    """
    path = Path(path)
    frame = _read_frame(path, sep)
    required = [c for c in (user_col, item_col, time_col) if c is not None]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            path,
            f"missing column(s) {', '.join(map(repr, missing))}; the header has "
            f"{', '.join(map(repr, frame.columns))}. Rename the columns or pass the column "
            f"names (user_col, item_col, time_col) and the separator (sep={sep!r})",
            line=1,
        )

    # NOTE: line numbers assume one line a row; a quoted field with a newline shifts them.
    lines = np.arange(len(frame), dtype=np.int64) + 2
    blank = (frame.apply(lambda column: column.str.strip()) == "").all(axis=1).to_numpy()
    frame, lines = frame[~blank].reset_index(drop=True), lines[~blank]
    if len(frame) == 0:
        raise DataError(path, "the file has a header but no interactions")

    users = _require_values(path, frame[user_col], lines, user_col)
    items = _require_values(path, frame[item_col], lines, item_col)
    if time_col is None:
        timestamps = np.arange(len(frame), dtype=np.int64)
    else:
        timestamps = parse_unsigned_ints(path, frame[time_col], lines, "timestamp")

    raw = RawInteractions(path, users, items, timestamps, lines)
    return build_interaction_data(path.stem, raw, _item_catalog(frame, items))


def _read_frame(path: Path, sep: str) -> pd.DataFrame:
    if not sep:
        raise DataError(path, "the separator is empty; pass a separator such as ',' or '\\t'")
    text = read_text(path)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c" if len(sep) == 1 else "python",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as err:
        raise _parse_error(path, err) from err
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataError(
            path, f"the header names column {duplicated[0]!r} twice; give each column its own name",
            line=1,
        )
    return frame


def _parse_error(path: Path, err: Exception) -> DataError:
    detail = str(err).strip().splitlines()[-1] if str(err).strip() else type(err).__name__
    match = _PARSER_LINE.search(detail)
    line = int(match.group(1)) if match else None
    return DataError(
        path,
        f"cannot parse the file ({detail}); check the separator and that every row has as "
        "many fields as the header",
        line=line,
    )


def _require_values(path: Path, values: pd.Series, lines: np.ndarray, column: str) -> pd.Series:
    stripped = values.astype(str).str.strip().reset_index(drop=True)
    empty = np.flatnonzero((stripped == "").to_numpy())
    if len(empty):
        raise DataError(
            path,
            f"the {column!r} value is empty; every row needs one. "
            "Is the row shorter than the header?",
            line=int(lines[empty[0]]),
        )
    return stripped


def _item_catalog(frame: pd.DataFrame, items: pd.Series) -> dict[str, ItemInfo] | None:
    has_title = TITLE_COLUMN in frame.columns
    has_genres = GENRES_COLUMN in frame.columns
    if not (has_title or has_genres):
        return None

    first_rows = ~items.duplicated().to_numpy()
    raw_ids = items[first_rows].tolist()
    titles = frame[TITLE_COLUMN][first_rows].str.strip().tolist() if has_title else raw_ids
    genre_fields = frame[GENRES_COLUMN][first_rows].tolist() if has_genres else [""] * len(raw_ids)
    catalog = {}
    for raw_id, title, genre_field in zip(raw_ids, titles, genre_fields, strict=True):
        genres = tuple(g.strip() for g in genre_field.split(GENRE_SEPARATOR) if g.strip())
        match = _TITLE_YEAR.search(title)
        catalog[raw_id] = ItemInfo(
            title=title or raw_id, year=int(match.group(1)) if match else None, genres=genres
        )
    return catalog
