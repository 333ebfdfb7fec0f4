"""The Texts screen's data source and output folder, and a loader that keeps the data set.

Building prompts and running the audit both need the data set and its leave-one-out split.
`DatasetLoader` reads them in a background thread once per (kind, path) and keeps the latest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject

from app.screens.background import BackgroundRunner
from ur4rec.data.dataset import InteractionData
from ur4rec.data.fetch import locate_dataset
from ur4rec.data.loader import load_dataset
from ur4rec.data.split import LeaveOneOutSplit, leave_one_out


@dataclass(frozen=True)
class TextSource:
    """The data set a text belongs to and the folder that contains the text cache."""

    data_kind: str
    data_path: Path
    out_dir: Path
    base_folder: Path  # relative paths typed on the screen resolve against it

    def resolve(self, text: str) -> Path:
        path = Path(text.strip()).expanduser()
        return path if path.is_absolute() else self.base_folder / path


@dataclass
class LoadedDataset:
    """A data set, its split, and raw id to internal id maps for users and items."""

    kind: str
    path: Path
    data: InteractionData
    split: LeaveOneOutSplit
    _indexes: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    def internal_id(self, kind: str, raw_id: str) -> int | None:
        """Return the internal id of an item ("items") or user ("users") raw id, or None."""
        if kind not in self._indexes:
            raw_ids = self.data.item_raw_ids if kind == "items" else self.data.user_raw_ids
            self._indexes[kind] = {
                raw: internal for internal, raw in enumerate(raw_ids) if internal > 0
            }
        return self._indexes[kind].get(raw_id)


def read_dataset(kind: str, path: Path) -> LoadedDataset:
    """Read a data set and split it (runs in a background thread).

    Like training, a MovieLens folder may hold the files itself or in a `ml-100k/` subfolder.
    """
    data = load_dataset(kind, locate_dataset(kind, path) or path)
    return LoadedDataset(kind, Path(path), data, leave_one_out(data))


class DatasetLoader(QObject):
    """Loads one data set at a time in a background thread and remembers the last one."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = BackgroundRunner(self)
        self.loaded: LoadedDataset | None = None

    def cached(self, kind: str, path: Path) -> LoadedDataset | None:
        """Return the loaded data set if it is the one at (kind, path)."""
        loaded = self.loaded
        if loaded is not None and loaded.kind == kind and loaded.path == Path(path):
            return loaded
        return None

    def request(
        self,
        kind: str,
        path: Path,
        on_result: Callable[[LoadedDataset], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Call `on_result` with the data set at (kind, path), loading it first if needed."""
        loaded = self.cached(kind, path)
        if loaded is not None:
            on_result(loaded)
            return

        def keep(result: LoadedDataset) -> None:
            self.loaded = result
            on_result(result)

        self.runner.start(read_dataset, kind, Path(path), on_result=keep, on_error=on_error)

    def wait(self) -> None:
        self.runner.wait()
