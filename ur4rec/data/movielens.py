"""Readers of the MovieLens-100K (`u.*`) and MovieLens-1M (`*.dat`) files.

Ratings are ignored: every rating is an implicit positive interaction. The file formats are
described in the README files shipped with the GroupLens archives.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from ur4rec.data.build import RawInteractions, build_interaction_data
from ur4rec.data.dataset import InteractionData, ItemInfo
from ur4rec.data.delimited import (
    FieldTable,
    parse_int_table,
    parse_unsigned_ints,
    read_text,
    split_fields,
)
from ur4rec.errors import DataError

logger = logging.getLogger(__name__)

# The genre columns of u.item in order, used when u.genre is absent.
ML100K_GENRES = (
    "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
    "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
    "Romance", "Sci-Fi", "Thriller", "War", "Western",
)

ML100K_RATING_FIELDS = ("user id", "item id", "rating", "timestamp")
ML100K_ITEM_FIELDS = ("item id", "title", "release date", "video release date", "IMDb URL")
ML100K_USER_FIELDS = ("user id", "age", "gender", "occupation", "zip code")
ML1M_RATING_FIELDS = ("user id", "movie id", "rating", "timestamp")
ML1M_MOVIE_FIELDS = ("movie id", "title", "genres")
ML1M_USER_FIELDS = ("user id", "gender", "age", "occupation", "zip code")

_FETCH_HINT = (
    "download it with `ur4rec data fetch ml-100k` or copy a local archive with "
    "`ur4rec data import ml-100k --source DIR_OR_ZIP`"
)
_TITLE_YEAR = re.compile(r"\((\d{4})\)\s*$")
_DATE_YEAR = re.compile(r"(\d{4})\s*$")


def read_ml100k(directory: Path) -> InteractionData:
    """Read MovieLens-100K from a directory that contains `u.data` and `u.item`.

    `u.genre` (genre names) and `u.user` (demographics) are read when present. Internal
    ids equal the raw ids because MovieLens-100K numbers users and items from 1 without gaps.
    """
    directory = Path(directory)
    _require_directory(directory, "ml-100k", _FETCH_HINT)
    data_path = _require_file(directory / "u.data", _FETCH_HINT)
    item_path = _require_file(directory / "u.item", _FETCH_HINT)

    genre_path = directory / "u.genre"
    genres = read_ml100k_genres(genre_path) if genre_path.exists() else ML100K_GENRES
    catalog = read_ml100k_items(item_path, genres)
    raw = read_ml100k_ratings(data_path)
    _check_items_known(raw, catalog, item_path)

    user_path = directory / "u.user"
    features = None
    if user_path.exists():
        features = read_user_features(user_path, "|", ML100K_USER_FIELDS)
    return build_interaction_data("ml-100k", raw, catalog, features)


def read_ml1m(directory: Path) -> InteractionData:
    """Read MovieLens-1M from a directory that contains `ratings.dat` and `movies.dat`.

    `users.dat` is read when present. Genres come from the `|`-separated genre field.
    """
    directory = Path(directory)
    hint = "download ml-1m.zip from GroupLens and pass the folder that contains ratings.dat"
    _require_directory(directory, "ml-1m", hint)
    ratings_path = _require_file(directory / "ratings.dat", hint)
    movies_path = _require_file(directory / "movies.dat", hint)

    catalog = read_ml1m_movies(movies_path)
    ratings_text = read_text(ratings_path, utf8_first=False)
    raw = _read_interactions(ratings_path, ratings_text, "::", ML1M_RATING_FIELDS)
    _check_items_known(raw, catalog, movies_path)

    user_path = directory / "users.dat"
    features = None
    if user_path.exists():
        features = read_user_features(user_path, "::", ML1M_USER_FIELDS)
    return build_interaction_data("ml-1m", raw, catalog, features)


def read_ml100k_ratings(path: Path) -> RawInteractions:
    """Read `u.data`: tab-separated user id, item id, rating and timestamp."""
    text = read_text(path, utf8_first=False)
    return _read_interactions(path, text, "\t", ML100K_RATING_FIELDS)


def _read_interactions(
    path: Path, text: str, sep: str, field_names: tuple[str, ...]
) -> RawInteractions:
    # The fields are user id, item id, rating and timestamp, in this order.
    # The C parser takes one-character separators only, so "::" becomes a tab for it.
    single_char_text = text if sep == "\t" else text.replace(sep, "\t")
    values = parse_int_table(single_char_text, "\t", len(field_names))  # (R, 4) or None
    if values is not None:
        lines = np.arange(1, len(values) + 1, dtype=np.int64)
        return RawInteractions(path, values[:, 0], values[:, 1], values[:, 3], lines)
    return _interactions_from_table(split_fields(path, text, sep, field_names), field_names[1])


def _interactions_from_table(table: FieldTable, item_field: str) -> RawInteractions:
    lines = table.line_numbers
    users = parse_unsigned_ints(table.path, table.columns["user id"], lines, "user id")
    items = parse_unsigned_ints(table.path, table.columns[item_field], lines, item_field)
    # The rating is ignored, but a line without one is malformed.
    ratings = table.columns["rating"].str.strip()
    empty = np.flatnonzero((ratings == "").to_numpy())
    if len(empty):
        raise DataError(table.path, "the rating is empty; every line needs a rating",
                        line=int(lines[empty[0]]))
    timestamps = parse_unsigned_ints(table.path, table.columns["timestamp"], lines, "timestamp")
    return RawInteractions(table.path, users, items, timestamps, lines)


def read_ml100k_genres(path: Path) -> tuple[str, ...]:
    """Read `u.genre` (`name|index` lines) into genre names ordered by index."""
    table = split_fields(path, read_text(path), "|", ("genre", "index"))
    indices = parse_unsigned_ints(path, table.columns["index"], table.line_numbers, "genre index")
    names = table.columns["genre"].str.strip().tolist()
    if sorted(indices.tolist()) != list(range(len(indices))):
        raise DataError(
            path,
            f"genre indices {sorted(indices.tolist())} are not 0..{len(indices) - 1} without gaps; "
            "fix the index column",
        )
    by_index = dict(zip(indices.tolist(), names, strict=True))
    return tuple(by_index[k] for k in range(len(indices)))


def read_ml100k_items(path: Path, genres: tuple[str, ...]) -> dict[str, ItemInfo]:
    """Read `u.item` into item metadata keyed by raw item id.

    A line contains id|title|release date|video release date|IMDb URL and one 0/1 flag per
    genre. The year comes from the release date, or else from "(1995)" at the end of the title.
    """
    flag_fields = tuple(f"genre flag {g!r}" for g in genres)
    table = split_fields(path, read_text(path), "|", ML100K_ITEM_FIELDS + flag_fields)
    lines = table.line_numbers
    ids = parse_unsigned_ints(path, table.columns["item id"], lines, "item id")
    _check_unique_ids(path, ids, lines, "item id")

    flags = np.zeros((len(ids), len(genres)), dtype=bool)  # (N, G)
    for column, field in enumerate(flag_fields):
        values = table.columns[field].str.strip()
        bad = np.flatnonzero(~values.isin(["0", "1"]).to_numpy())
        if len(bad):
            raise DataError(
                path,
                f"the {field} is {values.iloc[bad[0]]!r}; genre flags must be 0 or 1",
                line=int(lines[bad[0]]),
            )
        flags[:, column] = (values == "1").to_numpy()

    titles = table.columns["title"].str.strip().tolist()
    dates = table.columns["release date"].str.strip().tolist()
    catalog = {}
    for row, item_id in enumerate(ids.tolist()):
        catalog[str(item_id)] = ItemInfo(
            title=titles[row],
            year=_year_from(dates[row], titles[row]),
            genres=tuple(g for g, on in zip(genres, flags[row], strict=True) if on),
            release_date=dates[row] or None,
        )
    return catalog


def read_ml1m_movies(path: Path) -> dict[str, ItemInfo]:
    """Read `movies.dat` (`id::title::genre|genre`) into item metadata keyed by raw id."""
    table = split_fields(path, read_text(path), "::", ML1M_MOVIE_FIELDS)
    ids = parse_unsigned_ints(path, table.columns["movie id"], table.line_numbers, "movie id")
    _check_unique_ids(path, ids, table.line_numbers, "movie id")

    titles = table.columns["title"].str.strip().tolist()
    genre_fields = table.columns["genres"].str.strip().tolist()
    catalog = {}
    for item_id, title, genre_field in zip(ids.tolist(), titles, genre_fields, strict=True):
        genres = tuple(g.strip() for g in genre_field.split("|") if g.strip())
        catalog[str(item_id)] = ItemInfo(title=title, year=_year_from("", title), genres=genres)
    return catalog


def read_user_features(
    path: Path, sep: str, field_names: tuple[str, ...]
) -> dict[str, dict[str, str]]:
    """Read a demographics file (`u.user` or `users.dat`) keyed by raw user id.

    A first line whose user id is not a number is taken as a column header and skipped.
    """
    table = split_fields(path, read_text(path), sep, field_names)
    ids = table.columns[field_names[0]].str.strip()
    if len(ids) and not (ids.iloc[0].isascii() and ids.iloc[0].isdigit()):
        logger.info("%s: skipped line %d as a column header", path, table.line_numbers[0])
        table = FieldTable(
            path=path,
            columns={k: v.iloc[1:].reset_index(drop=True) for k, v in table.columns.items()},
            line_numbers=table.line_numbers[1:],
        )
    user_ids = parse_unsigned_ints(
        path, table.columns[field_names[0]], table.line_numbers, "user id"
    )

    keys = [name.replace(" ", "_") for name in field_names[1:]]
    values = [table.columns[name].str.strip().tolist() for name in field_names[1:]]
    return {
        str(user_id): dict(zip(keys, row, strict=True))
        for user_id, *row in zip(user_ids.tolist(), *values, strict=True)
    }


def _year_from(release_date: str, title: str) -> int | None:
    for pattern, text in ((_DATE_YEAR, release_date), (_TITLE_YEAR, title)):
        match = pattern.search(text)
        if match:
            return int(match.group(1))
    return None


def _check_unique_ids(path: Path, ids: np.ndarray, lines: np.ndarray, id_name: str) -> None:
    _, first_rows, counts = np.unique(ids, return_index=True, return_counts=True)
    if (counts > 1).any():
        duplicate = int(ids[first_rows[counts > 1][0]])
        rows = np.flatnonzero(ids == duplicate)
        raise DataError(
            path,
            f"{id_name} {duplicate} appears more than once (lines {lines[rows[0]]} and "
            f"{lines[rows[1]]}); keep one line per {id_name}",
            line=int(lines[rows[1]]),
        )


def _check_items_known(raw: RawInteractions, catalog: dict[str, ItemInfo], item_path: Path) -> None:
    known = np.array(sorted(int(k) for k in catalog), dtype=np.int64)
    missing = np.flatnonzero(~np.isin(raw.items, known))
    if len(missing):
        row = int(missing[0])
        raise DataError(
            raw.path,
            f"item {int(raw.items[row])} is not listed in {item_path.name} "
            f"({len(np.unique(raw.items[missing]))} unknown items in all); "
            f"use the {item_path.name} that belongs to this {raw.path.name}",
            line=int(raw.line_numbers[row]),
        )


def _require_directory(directory: Path, kind: str, hint: str) -> None:
    if not directory.exists():
        raise DataError(directory, f"{kind} directory not found; {hint}")
    if not directory.is_dir():
        raise DataError(directory, f"not a directory; pass the {kind} folder, not a file")


def _require_file(path: Path, hint: str) -> Path:
    if not path.is_file():
        raise DataError(path, f"missing file {path.name}; {hint}")
    return path
