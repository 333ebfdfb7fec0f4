"""The final metrics of a run: stages × phase × score × protocol, copyable and exportable to CSV."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

KEY_COLUMNS = ("stage", "phase", "score", "protocol")
METRIC_ORDER = ("NDCG@5", "NDCG@10", "NDCG@20", "HR@5", "HR@10", "HR@20", "MRR")
PHASES = ("valid", "test")


def results_rows(results: dict, all_scores: bool = False) -> tuple[list[str], list[list]]:
    """Return (metric names, rows of stage, phase, score, protocol and metric values).

    Without `all_scores`, a stage shows only the score it was trained and monitored on.
    """
    rows: list[list] = []
    metrics: list[str] = []
    for stage, result in results.get("stages", {}).items():
        own_score = result.get("score")
        for phase in PHASES:
            for score, per_protocol in result.get(phase, {}).items():
                if not all_scores and score != own_score:
                    continue
                for protocol, values in per_protocol.items():
                    metrics += [name for name in values if name not in metrics]
                    rows.append([stage, phase, score, protocol, values])
    metrics.sort(
        key=lambda name: (
            METRIC_ORDER.index(name) if name in METRIC_ORDER else len(METRIC_ORDER),
            name,
        )
    )
    table = [row[:4] + [row[4].get(name) for name in metrics] for row in rows]
    return metrics, table


class MetricsTable(QWidget):
    """A table of a run's results with Copy (also Ctrl+C) and Export CSV buttons."""

    exportRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results: dict = {}
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(False)

        self.all_scores = QCheckBox(self.tr("Show every score kind (fused, SASRec, retriever)"))
        self.all_scores.toggled.connect(lambda _: self._refill())
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setToolTip(
            self.tr("Copy the selected cells, or the whole table, as tab-separated text")
        )
        self.copy_button.clicked.connect(self.copy_to_clipboard)
        self.export_button = QPushButton(self.tr("Export CSV…"))
        self.export_button.clicked.connect(self.exportRequested)
        shortcut = QShortcut(QKeySequence.StandardKey.Copy, self.table)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(self.copy_to_clipboard)

        buttons = QHBoxLayout()
        buttons.addWidget(self.all_scores)
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        self._set_enabled()

    def _header_labels(self, metrics: list[str]) -> list[str]:
        return [self.tr("stage"), self.tr("phase"), self.tr("score"), self.tr("protocol"), *metrics]

    def set_results(self, results: dict | None) -> None:
        self.results = results or {}
        self._refill()

    def _refill(self) -> None:
        metrics, rows = results_rows(self.results, self.all_scores.isChecked())
        self.table.clear()
        self.table.setColumnCount(len(KEY_COLUMNS) + len(metrics))
        self.table.setHorizontalHeaderLabels(self._header_labels(metrics))
        self.table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                text = (
                    ""
                    if value is None
                    else (f"{value:.4f}" if isinstance(value, float) else str(value))
                )
                item = QTableWidgetItem(text)
                if isinstance(value, float):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                    item.setData(Qt.ItemDataRole.UserRole, value)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self._set_enabled()

    def _set_enabled(self) -> None:
        has_rows = self.table.rowCount() > 0
        self.copy_button.setEnabled(has_rows)
        self.export_button.setEnabled(has_rows)

    def row_count(self) -> int:
        return self.table.rowCount()

    # -- copy and export --------------------------------------------------------------------

    def _column_keys(self) -> list[str]:
        metrics, _ = results_rows(self.results, self.all_scores.isChecked())
        return [*KEY_COLUMNS, *metrics]

    def selected_text(self) -> str:
        """Tab-separated text of the selected cells with a header line, or of the whole table."""
        indexes = self.table.selectedIndexes()
        rows = sorted({i.row() for i in indexes}) or list(range(self.table.rowCount()))
        columns = sorted({i.column() for i in indexes}) or list(range(self.table.columnCount()))
        keys = self._column_keys()
        lines = ["\t".join(keys[c] for c in columns)]
        for r in rows:
            lines.append("\t".join(self.table.item(r, c).text() for c in columns))
        return "\n".join(lines)

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self.selected_text())

    def csv_text(self) -> str:
        """Return the whole table as CSV with full-precision values."""
        metrics, rows = results_rows(self.results, self.all_scores.isChecked())
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*KEY_COLUMNS, *metrics])
        writer.writerows(rows)
        return buffer.getvalue()

    def export_csv(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.csv_text(), encoding="utf-8")
        return path
