"""Reader of the text format of the data sets preprocessed for SASRec (`user item` per line).

Each line contains a user id and an item id separated by a space, and each user's lines are in
time order. The files contain no timestamps, so a row's 1-based line number is used as its
timestamp.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ur4rec.data.build import RawInteractions, build_interaction_data
from ur4rec.data.dataset import InteractionData
from ur4rec.data.delimited import parse_int_table, parse_unsigned_ints, read_text, split_fields

SASREC_FIELDS = ("user id", "item id")

_BLANK_RUN = re.compile(r"[ \t]+")
_LINE_EDGE = re.compile(r" ?\n ?")


def read_sasrec_txt(path: Path) -> InteractionData:
    """Read a SASRec `user item` file; the data set is named after the file (`Video`)."""
    path = Path(path)
    text = _normalize_whitespace(read_text(path, utf8_first=False))
    values = parse_int_table(text, " ", len(SASREC_FIELDS))  # (R, 2) or None
    if values is not None:
        users, items = values[:, 0], values[:, 1]
        lines = np.arange(1, len(values) + 1, dtype=np.int64)
    else:
        table = split_fields(path, text, " ", SASREC_FIELDS)
        lines = table.line_numbers
        users = parse_unsigned_ints(path, table.columns["user id"], lines, "user id")
        items = parse_unsigned_ints(path, table.columns["item id"], lines, "item id")

    # Line numbers are unique, so no two rows count as duplicates of each other.
    raw = RawInteractions(path, users, items, timestamps=lines.copy(), line_numbers=lines)
    return build_interaction_data(path.stem, raw)


def _normalize_whitespace(text: str) -> str:
    # Some copies of these files use tabs or several spaces, or end lines with a space.
    text = _BLANK_RUN.sub(" ", text)
    return _LINE_EDGE.sub("\n", text).strip(" ")
