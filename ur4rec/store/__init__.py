"""The SQLite run store: metrics, stage results and per-user memory snapshots of a run."""

from ur4rec.store.export import EXPORT_FORMATS
from ur4rec.store.run_store import USER_ROW_COLUMNS, RunStore, SnapshotData, SnapshotInfo

__all__ = ["EXPORT_FORMATS", "USER_ROW_COLUMNS", "RunStore", "SnapshotData", "SnapshotInfo"]
