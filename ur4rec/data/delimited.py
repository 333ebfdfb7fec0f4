"""Reading of delimited text files with exact line numbers in every error.

The readers of the MovieLens and SASRec formats split files here instead of in
`pandas.read_csv`, because `read_csv` cannot tell a missing trailing field from an empty
one and renumbers rows when it skips blank lines.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ur4rec.errors import DataError

logger = logging.getLogger(__name__)

# Ids and timestamps are plain decimal integers; 18 digits always fit in int64.
_UNSIGNED_INT = r"[0-9]{1,18}"
_MAX_UNSIGNED_INT = 10**18 - 1


@dataclass
class FieldTable:
    """The fields of the non-blank lines of a file, one column per field name."""

    path: Path
    columns: dict[str, pd.Series]  # name -> (R,) str
    line_numbers: np.ndarray  # (R,) int64, 1-based line of each row

    def __len__(self) -> int:
        return len(self.line_numbers)


def read_text(path: Path, *, utf8_first: bool = True) -> str:
    """Read `path` as text with universal newlines, raising `DataError` if unreadable or empty.

    The text is decoded as strict UTF-8 and, when that fails, as latin-1, which accepts
    every byte; the log records which one was used. With `utf8_first=False` the file is
    decoded as latin-1 directly, which suits files that must contain only ASCII digits.
    """
    data = _read_bytes(path)
    if not data.strip():
        raise DataError(path, "the file is empty; expected at least one line of data")

    if not utf8_first:
        text = data.decode("latin-1")
    else:
        try:
            text = data.decode("utf-8")
            logger.debug("decoded %s as UTF-8", path)
        except UnicodeDecodeError as err:
            text = data.decode("latin-1")
            logger.info(
                "decoded %s as latin-1 because it is not valid UTF-8 (%s)", path, err.reason
            )
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise DataError(path, "file not found")
    if not path.is_file():
        raise DataError(path, "not a regular file; pass the path of the data file")
    try:
        return path.read_bytes()
    except OSError as err:
        raise DataError(path, f"cannot read the file: {err.strerror or err}") from err


def split_fields(
    path: Path,
    text: str,
    sep: str,
    field_names: tuple[str, ...],
) -> FieldTable:
    """Split every non-blank line of `text` at `sep` into the named fields.

    A line must have exactly `len(field_names)` fields. Raises `DataError` naming the first
    line with another field count.
    """
    lines = pd.Series(text.split("\n"), dtype=str)
    non_blank = (lines.str.strip() != "").to_numpy()
    line_numbers = np.flatnonzero(non_blank).astype(np.int64) + 1
    lines = lines[non_blank].reset_index(drop=True)
    if len(lines) == 0:
        raise DataError(path, "the file has only blank lines; expected at least one line of data")

    field_counts = lines.str.count(_regex_escape(sep)).to_numpy() + 1
    bad = np.flatnonzero(field_counts != len(field_names))
    if len(bad):
        row = int(bad[0])
        raise DataError(
            path,
            _field_count_message(int(field_counts[row]), sep, field_names),
            line=int(line_numbers[row]),
        )
    return FieldTable(path=path, columns=_split_lines(lines, sep, field_names),
                      line_numbers=line_numbers)


def parse_int_table(text: str, sep: str, num_fields: int) -> np.ndarray | None:
    """Parse text that consists only of integers >= 0 with the pandas C parser.

    Returns an (R, num_fields) int64 array whose row r is line r+1, or None when the text
    contains anything else (a blank line, another character, a different field count). The
    caller then reads the text with `split_fields`, which accepts the same valid files and
    names the first bad line. This path halves the load time of a 1M-line ratings file.
    """
    if len(sep) != 1 or re.search(f"[^0-9\n{re.escape(sep)}]", text):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=sep, header=None, dtype=np.int64, engine="c",
            quoting=csv.QUOTE_NONE, skip_blank_lines=False,
        )
    except (ValueError, OverflowError, csv.Error):
        # ValueError covers pandas' ParserError and EmptyDataError, and empty fields.
        return None

    values = frame.to_numpy()
    num_lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if values.shape != (num_lines, num_fields) or values.dtype != np.int64:
        return None
    if len(values) and values.max() > _MAX_UNSIGNED_INT:
        return None
    return values


def _split_lines(lines: pd.Series, sep: str, field_names: tuple[str, ...]) -> dict[str, pd.Series]:
    # Every line has all fields, so the k-th field of each line is every n-th token.
    # Series.str.split(expand=True) took 0.4 s of the 1.1 s load of a 287,107-line file.
    tokens = "\n".join(lines.tolist()).replace(sep, "\n").split("\n")
    step = len(field_names)
    return {name: pd.Series(tokens[k::step], dtype=str) for k, name in enumerate(field_names)}


def _regex_escape(sep: str) -> str:
    return "".join(f"\\{c}" if not c.isalnum() else c for c in sep)


def _field_count_message(found: int, sep: str, field_names: tuple[str, ...]) -> str:
    return (
        f"the line has {found} {_separator_name(sep)}-separated fields but {len(field_names)} "
        f"are expected ({', '.join(field_names)}); fix or delete the line"
    )


def _separator_name(sep: str) -> str:
    names = {"\t": "tab", " ": "space", ",": "comma", "|": "pipe", ";": "semicolon"}
    return names.get(sep, repr(sep))


def parse_unsigned_ints(
    path: Path, values: pd.Series, line_numbers: np.ndarray, field: str
) -> np.ndarray:
    """Convert decimal strings to int64, raising `DataError` at the first invalid value.

    Surrounding whitespace is ignored. `field` names the value in the message ("item id").
    """
    stripped = values.astype(str).str.strip()
    valid = stripped.str.fullmatch(_UNSIGNED_INT).fillna(False).to_numpy(dtype=bool)
    if not valid.all():
        row = int(np.flatnonzero(~valid)[0])
        raise DataError(
            path, _invalid_int_message(str(values.iloc[row]), field), line=int(line_numbers[row])
        )
    return stripped.astype(np.int64).to_numpy()


def _invalid_int_message(value: str, field: str) -> str:
    text = value.strip()
    if text == "":
        return f"the {field} is empty; every line needs a {field}"
    if text.startswith("-") and _is_ascii_digits(text[1:]):
        return f"the {field} {value!r} is negative; it must be an integer >= 0"
    if _is_float(text):
        return f"the {field} {value!r} is not an integer; write it as a whole number"
    if _is_ascii_digits(text):
        return f"the {field} {value!r} has more than 18 digits; it must fit in a 64-bit integer"
    return f"the {field} {value!r} is not a number; it must be an integer >= 0"


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
