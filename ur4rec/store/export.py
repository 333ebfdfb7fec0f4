"""Export of memory snapshots and user histories to CSV, JSON and Parquet files.

Every exporter builds one pandas DataFrame with a `vector` column of float32 arrays, then a
writer lays the vector out for the format: columns v0..v{D-1} in CSV, a list of numbers per
record in JSON, a list<float32> column in Parquet. Files are written to a temporary file in
the destination folder and moved into place with os.replace, so a failed export leaves no
partial file behind.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ur4rec.errors import StoreError

if TYPE_CHECKING:
    from ur4rec.store.run_store import SnapshotData

EXPORT_FORMATS = ("csv", "json", "parquet")


def check_format(fmt: str) -> str:
    """Return `fmt` in lower case, or raise StoreError when it is not an export format."""
    normalized = str(fmt).lower()
    if normalized not in EXPORT_FORMATS:
        raise StoreError(
            f"export format {fmt!r} is not supported; use one of {', '.join(EXPORT_FORMATS)}"
        )
    return normalized


def snapshot_frame(data: SnapshotData) -> pd.DataFrame:
    """Build one row per user of a snapshot, with the snapshot's stage, epoch and step."""
    info = data.info
    count = len(data.user_ids)
    return pd.DataFrame(
        {
            "snapshot_id": np.full(count, info.id, dtype=np.int64),
            "stage": [info.stage] * count,
            "epoch": np.full(count, info.epoch, dtype=np.int64),
            "step": np.full(count, info.step, dtype=np.int64),
            "user_id": list(data.user_ids),
            "interaction_count": data.interaction_count,
            "last_update_step": data.last_update_step,
            "drift": data.drift,
            "norm": data.norm,
            "vector": list(data.vectors),
        }
    )


def user_frame(user_id: str, history: pd.DataFrame) -> pd.DataFrame:
    """Build one row per snapshot that contains the user, from `RunStore.user_history`."""
    frame = history.copy()
    frame.insert(frame.columns.get_loc("created_at") + 1, "user_id", user_id)
    return frame


def write_frame(frame: pd.DataFrame, dim: int, path: str | Path, fmt: str) -> Path:
    """Write `frame`, whose vectors have length `dim`, atomically and return the path."""
    writer = _WRITERS[check_format(fmt)]
    target = Path(path)
    with atomic_path(target) as temp_path:
        writer(frame, dim, temp_path)
    return target


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target` and move it onto `target` when the block succeeds.

    Creates the parent folder. When the block raises, the temporary file is deleted and
    `target` is left as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}."
    handle, temp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent)
    os.close(handle)
    try:
        yield Path(temp_name)
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _vector_matrix(frame: pd.DataFrame, dim: int) -> np.ndarray:
    if frame.empty:
        return np.zeros((0, dim), dtype=np.float32)
    return np.stack(frame["vector"].to_list()).astype(np.float32, copy=False)  # (N, D)


def _write_csv(frame: pd.DataFrame, dim: int, path: Path) -> None:
    vectors = _vector_matrix(frame, dim)  # (N, D)
    columns = pd.DataFrame(vectors, columns=[f"v{i}" for i in range(dim)], index=frame.index)
    flat = pd.concat([frame.drop(columns="vector"), columns], axis=1)
    flat.to_csv(path, index=False)


def _write_json(frame: pd.DataFrame, dim: int, path: Path) -> None:
    records = frame.drop(columns="vector").to_dict(orient="records")
    for record, vector in zip(records, frame["vector"], strict=True):
        for key, value in record.items():
            record[key] = _json_value(value)
        record["vector"] = np.asarray(vector, dtype=np.float32).tolist()

    with open(path, "w", encoding="utf-8") as file:
        # NaN is not valid JSON, so missing values are written as null.
        json.dump(records, file, allow_nan=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_parquet(frame: pd.DataFrame, dim: int, path: Path) -> None:
    table = pa.Table.from_pandas(frame.drop(columns="vector"), preserve_index=False)
    flat_values = pa.array(_vector_matrix(frame, dim).ravel(), type=pa.float32())
    vectors = pa.ListArray.from_arrays(
        pa.array(np.arange(len(frame) + 1, dtype=np.int32) * dim), flat_values
    )
    pq.write_table(table.append_column("vector", vectors), path)


_WRITERS: dict[str, Callable[[pd.DataFrame, int, Path], None]] = {
    "csv": _write_csv,
    "json": _write_json,
    "parquet": _write_parquet,
}
