"""One entry point that reads any supported data set kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ur4rec.data.dataset import InteractionData
from ur4rec.data.interactions_csv import read_interactions_csv
from ur4rec.data.movielens import read_ml1m, read_ml100k
from ur4rec.data.sasrec_txt import read_sasrec_txt
from ur4rec.errors import DataError

_READERS: dict[str, Callable[[Path], InteractionData]] = {
    "ml-100k": read_ml100k,
    "ml-1m": read_ml1m,
    "csv": read_interactions_csv,
    "sasrec-txt": read_sasrec_txt,
}

# The values accepted as `kind`: a MovieLens folder, a generic CSV file, a SASRec text file.
DATASET_KINDS: tuple[str, ...] = tuple(_READERS)


def load_dataset(kind: str, path: Path) -> InteractionData:
    """Read the data set at `path` with the reader for `kind` (one of `DATASET_KINDS`).

    `ml-100k` and `ml-1m` take a directory; `csv` and `sasrec-txt` take a file. A CSV file
    must use the default column names of `read_interactions_csv`.
    """
    reader = _READERS.get(kind)
    if reader is None:
        raise DataError(
            path,
            f"unknown data set kind {kind!r}; valid kinds are {', '.join(DATASET_KINDS)}",
        )
    return reader(Path(path))
