"""The Memory screen: browse the per-user memory snapshots of a run and export them.

All reads go to the run's SQLite store from the UI thread. They are single indexed queries
(a page of user rows, one vector, one user's history), so they stay short even while a
training writes to the same WAL-mode store. Exports run in a background thread.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.screens.background import BackgroundRunner
from app.screens.snapshot_model import SnapshotUserModel
from ur4rec.errors import UR4RecError
from ur4rec.store.export import EXPORT_FORMATS
from ur4rec.store.run_store import RunStore, SnapshotInfo
from ur4rec.training.run_dir import RunDir

logger = logging.getLogger(__name__)

HEATMAP_ROWS = 8

# One curve per user_history column, in the order of the 2 x 2 plot grid.
HISTORY_COLUMNS = ("norm", "drift", "cosine_change", "interaction_count")


def heatmap_grid(vector: np.ndarray, rows: int = HEATMAP_ROWS) -> np.ndarray:
    """Lay a (D,) vector out as a (rows, ceil(D / rows)) grid, row by row, padded with NaN."""
    columns = max(1, math.ceil(len(vector) / rows))
    grid = np.full(rows * columns, np.nan, dtype=np.float64)
    grid[: len(vector)] = vector
    return grid.reshape(rows, columns)  # (rows, columns)


def format_from_path(path: Path, selected_filter: str = "") -> str:
    """Return the export format for a file dialog result: the file suffix, else the filter."""
    suffix = path.suffix.lower().lstrip(".")
    if suffix in EXPORT_FORMATS:
        return suffix
    for fmt in EXPORT_FORMATS:
        if f"*.{fmt}" in selected_filter:
            return fmt
    return EXPORT_FORMATS[0]


class MemoryDetailView(QWidget):
    """One user's memory vector as a heatmap and their history across snapshots as plots."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title_label = QLabel()
        self.title_label.setWordWrap(True)
        self.heatmap_widget, self.heatmap_image, self.colorbar = self._build_heatmap()
        self._heatmap_plot = self.heatmap_widget.getItem(0, 0)
        self.history_widget, self.history_curves, self._markers = self._build_history_plots()

        layout = QVBoxLayout(self)
        layout.addWidget(self.title_label)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.heatmap_widget)
        splitter.addWidget(self.history_widget)
        splitter.setSizes([300, 500])
        layout.addWidget(splitter, 1)
        self.clear()

    def _build_heatmap(self) -> tuple[pg.GraphicsLayoutWidget, pg.ImageItem, pg.ColorBarItem]:
        widget = pg.GraphicsLayoutWidget()
        plot = widget.addPlot(title=self.tr("Memory vector (row by row)"))
        plot.invertY(True)  # row 0 (dimensions 0..) at the top
        plot.setLabel("left", self.tr("first dimension of the row"))
        plot.setLabel("bottom", self.tr("offset within the row"))
        image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(image)
        colorbar = pg.ColorBarItem(
            values=(-1.0, 1.0), colorMap=pg.colormap.get("CET-D1"), interactive=False
        )
        colorbar.setImageItem(image, insert_in=plot)
        return widget, image, colorbar

    def _build_history_plots(
        self,
    ) -> tuple[pg.GraphicsLayoutWidget, dict[str, pg.PlotDataItem], list[pg.InfiniteLine]]:
        titles = {
            "norm": self.tr("Memory norm"),
            "drift": self.tr("Drift"),
            "cosine_change": self.tr("Cosine change from the previous snapshot"),
            "interaction_count": self.tr("Interaction count"),
        }
        widget = pg.GraphicsLayoutWidget()
        curves: dict[str, pg.PlotDataItem] = {}
        markers: list[pg.InfiniteLine] = []
        first_plot = None
        for position, name in enumerate(HISTORY_COLUMNS):
            plot = widget.addPlot(row=position // 2, col=position % 2, title=titles[name])
            plot.showGrid(x=True, y=True, alpha=0.3)
            if first_plot is None:
                first_plot = plot
            else:
                plot.setXLink(first_plot)
            curves[name] = plot.plot(pen=pg.mkPen(width=2), symbol="o", symbolSize=6,
                                     connect="finite")
            dashed = pg.mkPen("y", style=Qt.PenStyle.DashLine)
            marker = pg.InfiniteLine(angle=90, movable=False, pen=dashed)
            plot.addItem(marker)
            markers.append(marker)
        return widget, curves, markers

    def clear(self, message: str = "") -> None:
        self.title_label.setText(message or self.tr("Select a user to see their memory."))
        self.heatmap_image.clear()
        for curve in self.history_curves.values():
            curve.setData([], [])
        for marker in self._markers:
            marker.hide()

    def show_user(
        self, user_id: str, info: SnapshotInfo, vector: np.ndarray, history: pd.DataFrame
    ) -> None:
        """Draw `vector` (the user's memory in snapshot `info`) and the user's `history`."""
        grid = heatmap_grid(vector)  # (8, D/8)
        limit = float(np.nanmax(np.abs(vector))) if len(vector) else 0.0
        limit = limit if limit > 0 else 1.0
        self.heatmap_image.setImage(grid, autoLevels=False)
        self.colorbar.setLevels((-limit, limit))
        self._set_heatmap_ticks(*grid.shape)

        positions = np.arange(len(history), dtype=np.float64)
        for name, curve in self.history_curves.items():
            curve.setData(positions, history[name].to_numpy(dtype=np.float64))
        self._set_snapshot_ticks(history)
        current = np.flatnonzero(history["snapshot_id"].to_numpy() == info.id)
        for marker in self._markers:
            marker.setVisible(len(current) > 0)
            if len(current):
                marker.setValue(float(current[0]))

        self.title_label.setText(
            self.tr(
                "User {0} in snapshot #{1}: {2} dimensions, norm {3:.4g}. "
                "History over {4} snapshots, the dashed line marks this snapshot."
            ).format(user_id, info.id, len(vector), float(np.linalg.norm(vector)), len(history))
        )

    def _set_heatmap_ticks(self, rows: int, columns: int) -> None:
        # Cell (r, c) covers [c, c + 1] x [r, r + 1] and shows dimension r * columns + c.
        row_ticks = [(r + 0.5, str(r * columns)) for r in range(rows)]
        step = max(1, columns // 8)
        column_ticks = [(c + 0.5, f"+{c}") for c in range(0, columns, step)]
        self._heatmap_plot.getAxis("left").setTicks([row_ticks])
        self._heatmap_plot.getAxis("bottom").setTicks([column_ticks])

    def _set_snapshot_ticks(self, history: pd.DataFrame) -> None:
        ticks = [
            (float(position), f"#{snapshot_id}")
            for position, snapshot_id in enumerate(history["snapshot_id"])
        ]
        for row in range(2):
            for col in range(2):
                self.history_widget.getItem(row, col).getAxis("bottom").setTicks([ticks])


class MemoryScreen(QWidget):
    """Runs, snapshots, a searchable user table and one user's memory, with export."""

    run_dir_chosen = Signal(object)  # Path the user picked with the folder chooser
    export_finished = Signal(object)  # Path written by an export started from a dialog
    export_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._run_dir: Path | None = None
        self._store: RunStore | None = None
        self._snapshots: list[SnapshotInfo] = []
        self._user_id: str | None = None
        self._runner = BackgroundRunner(self)

        self.model = SnapshotUserModel(self)
        self._build_ui()
        self.set_run_dir(None)

    # -- layout ---------------------------------------------------------------------------

    def _build_ui(self) -> None:
        self.run_label = QLabel()
        self.run_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.choose_button = QPushButton(self.tr("Choose run…"))
        self.choose_button.clicked.connect(self._choose_run_dir)
        self.snapshot_combo = QComboBox()
        self.snapshot_combo.setMinimumContentsLength(30)
        self.snapshot_combo.currentIndexChanged.connect(self._on_snapshot_changed)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(self.tr("Read the snapshot list and rows again"))
        self.refresh_button.clicked.connect(self.refresh)

        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(self.run_label, 1)
        top.addWidget(QLabel(self.tr("Snapshot:")))
        top.addWidget(self.snapshot_combo)
        top.addWidget(self.refresh_button)

        self.empty_label = QLabel()
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.detail = MemoryDetailView()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self._build_table_panel())
        splitter.addWidget(self.detail)
        splitter.setSizes([420, 780])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_label)
        self.pages.addWidget(splitter)

        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status_label)

    def _build_table_panel(self) -> QWidget:
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("Search user id"))
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self._on_search_changed)
        self.count_label = QLabel()

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.model.modelReset.connect(self._after_model_reset)

        self.export_snapshot_button = QPushButton(self.tr("Export snapshot…"))
        self.export_snapshot_button.clicked.connect(self._export_snapshot_with_dialog)
        self.export_user_button = QPushButton(self.tr("Export user…"))
        self.export_user_button.clicked.connect(self._export_user_with_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_snapshot_button)
        buttons.addWidget(self.export_user_button)
        buttons.addStretch(1)

        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.count_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return panel

    # -- run and snapshots ----------------------------------------------------------------

    @property
    def run_dir(self) -> Path | None:
        return self._run_dir

    @property
    def selected_user(self) -> str | None:
        return self._user_id

    def current_snapshot(self) -> SnapshotInfo | None:
        index = self.snapshot_combo.currentIndex()
        return self._snapshots[index] if 0 <= index < len(self._snapshots) else None

    def set_run_dir(self, path: Path | str | None) -> None:
        """Show the memory snapshots of the run in `path`, or the empty state for None.

        Calling it again with the same folder reads the snapshot list again.
        """
        new_dir = Path(path) if path else None
        if new_dir != self._run_dir:
            self._close_store()
            self._user_id = None
            self._snapshots = []  # a new run opens on its newest snapshot
            self._run_dir = new_dir
        self.run_label.setText(str(new_dir) if new_dir else self.tr("No run selected"))
        self.refresh()

    def refresh(self) -> None:
        """Read the snapshot list and the rows again, keeping the chosen snapshot and user."""
        self.status_label.clear()
        if self._store is None:
            problem = self._open_store()
            if problem:
                self._show_empty(problem)
                return
        try:
            snapshots = self._store.list_snapshots()
        except UR4RecError as exc:
            self._show_empty(self.tr("Cannot read the run store: {0}").format(exc))
            return
        if not snapshots:
            self._show_empty(self.tr(
                "This run has no memory snapshots yet. A snapshot is written when a stage "
                "that trains the memory finishes. A run with memory disabled "
                "(memory.max_memory_size: 0) has none."
            ))
            return
        self._fill_snapshot_combo(snapshots)
        self.pages.setCurrentIndex(1)
        self._load_rows()

    def _open_store(self) -> str:
        """Open the run's store. Return "" on success, else a message that explains the failure."""
        if self._run_dir is None:
            return self.tr("No run selected. Choose a run folder to browse its memory snapshots.")
        store_path = RunDir(self._run_dir).store_path
        if not store_path.is_file():
            return self.tr(
                "{0} has no run store (store.sqlite). Choose a run folder written by a "
                "training, or start the training first."
            ).format(self._run_dir)
        try:
            self._store = RunStore(store_path, create=False)
        except UR4RecError as exc:
            return self.tr("Cannot open the run store: {0}").format(exc)
        return ""

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _show_empty(self, message: str) -> None:
        self._snapshots = []
        self.snapshot_combo.blockSignals(True)
        self.snapshot_combo.clear()
        self.snapshot_combo.blockSignals(False)
        self.model.set_source(None, None)
        self.detail.clear()
        self.empty_label.setText(message)
        self.pages.setCurrentIndex(0)
        self._update_buttons()

    def _fill_snapshot_combo(self, snapshots: list[SnapshotInfo]) -> None:
        previous = self.current_snapshot()
        followed_newest = previous is not None and previous == self._snapshots[-1]
        self._snapshots = snapshots
        ids = [info.id for info in snapshots]
        # Keep the chosen snapshot, except that a view of the newest one moves on to a
        # snapshot written since (a training in progress).
        keep = previous is not None and previous.id in ids and not followed_newest
        index = ids.index(previous.id) if keep else -1
        self.snapshot_combo.blockSignals(True)
        self.snapshot_combo.clear()
        for info in snapshots:
            self.snapshot_combo.addItem(
                self.tr("#{0} {1} epoch {2} ({3} users)").format(
                    info.id, info.stage, info.epoch, info.num_users
                )
            )
        self.snapshot_combo.setCurrentIndex(index if index >= 0 else len(snapshots) - 1)
        self.snapshot_combo.blockSignals(False)

    def _on_snapshot_changed(self, index: int) -> None:
        if 0 <= index < len(self._snapshots):
            self._load_rows()

    def _choose_run_dir(self) -> None:
        start = str(self._run_dir or Path.cwd())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Choose a run folder"), start)
        if folder:
            self.set_run_dir(Path(folder))
            self.run_dir_chosen.emit(Path(folder))

    # -- user table -----------------------------------------------------------------------

    def _load_rows(self) -> None:
        info = self.current_snapshot()
        try:
            self.model.set_source(self._store, info.id if info else None)
        except UR4RecError as exc:
            self.status_label.setText(self.tr("Cannot read the snapshot: {0}").format(exc))

    def _on_search_changed(self, text: str) -> None:
        try:
            self.model.set_search(text.strip())
        except UR4RecError as exc:
            self.status_label.setText(self.tr("Cannot read the snapshot: {0}").format(exc))

    def _after_model_reset(self) -> None:
        info = self.current_snapshot()
        total = info.num_users if info else 0
        self.count_label.setText(
            self.tr("{0} of {1} users match").format(self.model.total_count, total)
        )
        # A reset (new snapshot, search or order) drops the selection: select the same user
        # again when they are among the fetched rows, so the detail view follows them.
        if self._user_id is not None and self.select_user(self._user_id):
            return
        self._show_user(self._user_id)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._user_id = self.model.user_id(current.row())
            self._show_user(self._user_id)
        self._update_buttons()

    def select_user(self, user_id: str) -> bool:
        """Select `user_id` in the table, fetching further pages as needed. False if absent."""
        row = self.model.row_of_user(user_id)
        while row is None and self.model.canFetchMore():
            self.model.fetchMore()
            row = self.model.row_of_user(user_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        # setCurrentIndex emits nothing when the index was already current.
        self._user_id = user_id
        self._show_user(user_id)
        return True

    def _show_user(self, user_id: str | None) -> None:
        info = self.current_snapshot()
        if user_id is None or info is None or self._store is None:
            self.detail.clear()
            self._update_buttons()
            return
        try:
            vector = self._store.user_vector(info.id, user_id)
            history = self._store.user_history(user_id)
        except UR4RecError as exc:
            self.detail.clear(self.tr("No memory for user {0}: {1}").format(user_id, exc))
        else:
            self.detail.show_user(user_id, info, vector, history)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has_snapshot = self.current_snapshot() is not None
        self.export_snapshot_button.setEnabled(has_snapshot)
        self.export_user_button.setEnabled(has_snapshot and self._user_id is not None)

    # -- export ---------------------------------------------------------------------------

    def export_snapshot_to(self, path: Path | str, fmt: str) -> Path:
        """Write the chosen snapshot to `path` as csv, json or parquet and return the path.

        Raises UR4RecError when nothing is chosen or the store rejects the export.
        """
        info = self.current_snapshot()
        if info is None or self._store is None:
            raise UR4RecError(self.tr("No snapshot to export. Choose a run with snapshots first."))
        return self._store.export_snapshot(info.id, Path(path), fmt)

    def export_user_to(self, path: Path | str, fmt: str, user_id: str | None = None) -> Path:
        """Write a user's history across snapshots (default: the selected user) to `path`."""
        user_id = user_id or self._user_id
        if user_id is None or self._store is None:
            raise UR4RecError(self.tr("No user to export. Select a user in the table first."))
        return self._store.export_user(user_id, Path(path), fmt)

    def _export_snapshot_with_dialog(self) -> None:
        info = self.current_snapshot()
        if info is None or self._store is None:
            return
        store, snapshot_id = self._store, info.id

        def export(path: Path, fmt: str) -> Path:
            return store.export_snapshot(snapshot_id, path, fmt)

        suggested = f"snapshot_{info.id}_{info.stage}.csv"
        self._export_with_dialog(self.tr("Export snapshot"), suggested, export)

    def _export_user_with_dialog(self) -> None:
        if self._user_id is None or self._store is None:
            return
        store, user_id = self._store, self._user_id

        def export(path: Path, fmt: str) -> Path:
            return store.export_user(user_id, path, fmt)

        suggested = f"user_{user_id}_memory.csv"
        self._export_with_dialog(self.tr("Export user"), suggested, export)

    def _export_with_dialog(
        self, title: str, suggested: str, export: Callable[[Path, str], Path]
    ) -> None:
        """Ask for a file and run `export(path, fmt)` in the background (it reads no widget)."""
        start = str((self._run_dir or Path.cwd()) / suggested)
        filters = self.tr("CSV (*.csv);;JSON (*.json);;Parquet (*.parquet)")
        chosen, selected_filter = QFileDialog.getSaveFileName(self, title, start, filters)
        if not chosen:
            return
        path = Path(chosen)
        fmt = format_from_path(path, selected_filter)
        if path.suffix.lower() != f".{fmt}":
            path = path.with_name(f"{path.name}.{fmt}")
        self.status_label.setText(self.tr("Exporting to {0}…").format(path))
        self._runner.start(
            export, path, fmt, on_result=self._on_exported, on_error=self._on_export_error
        )

    def _on_exported(self, path: Path) -> None:
        self.status_label.setText(self.tr("Exported to {0}").format(path))
        self.export_finished.emit(path)

    def _on_export_error(self, exc: BaseException) -> None:
        if not isinstance(exc, UR4RecError | OSError):
            logger.error("Export failed", exc_info=exc)
        message = self.tr("Export failed: {0}").format(exc)
        self.status_label.setText(message)
        self.export_failed.emit(message)

    def shutdown(self) -> None:
        """Wait for a running export and close the store (call before the window closes)."""
        self._runner.wait()
        self._close_store()
