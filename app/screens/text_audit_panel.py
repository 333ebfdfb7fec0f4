"""The Texts screen's leakage audit: which user texts name the user's held-out item.

The audit reads `user_preferences.json` from a texts folder, checks each text against the
titles of that user's validation and test items, and lists every match. It runs in a
background thread; the data set comes from the screen's shared loader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.screens.background import BackgroundRunner
from app.screens.text_source import DatasetLoader, LoadedDataset, TextSource
from ur4rec.errors import TextsError
from ur4rec.llm.leakage import LeakReport, audit_user_texts
from ur4rec.llm.sources import load_texts, text_file_path


@dataclass(frozen=True)
class AuditResult:
    """An audit report with the raw ids and titles the table shows."""

    report: LeakReport
    rows: list[tuple[str, str, str, str]]  # user id, item id, title, matched words
    texts: dict[str, str]  # audited text of each leaking user, by raw user id


def audit_folder(loaded: LoadedDataset, texts_dir: Path) -> AuditResult:
    """Audit the user texts in `texts_dir` against the held-out items of `loaded`."""
    path = text_file_path(texts_dir, "users")
    if not path.is_file():
        raise TextsError(f"{path}: file not found; choose a folder with user_preferences.json")
    texts = load_texts(path, loaded.data.user_raw_ids, "users").texts
    report = audit_user_texts(loaded.data, loaded.split, texts)
    raw_users = loaded.data.user_raw_ids
    rows = [
        (raw_users[leak.user], loaded.data.item_raw_ids[leak.item], leak.title, leak.matched)
        for leak in report.leaks
    ]
    leaking = {raw_users[user]: texts[user] for user in report.leaking_users}
    return AuditResult(report, rows, leaking)


class AuditPanel(QGroupBox):
    """Choose a texts folder, run the audit, and list the leaking users."""

    errorOccurred = Signal(str)

    def __init__(self, source: Callable[[], TextSource], loader: DatasetLoader,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Leakage audit"))
        self.source = source
        self.loader = loader
        self.runner = BackgroundRunner(self)
        self.result: AuditResult | None = None

        self.folder_edit = QLineEdit()
        self.folder_edit.setPlaceholderText(self.tr("Folder with user_preferences.json"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._choose_folder)
        self.use_output_button = QPushButton(self.tr("Output folder"))
        self.use_output_button.setToolTip(self.tr("Audit the texts generated into the output folder"))
        self.use_output_button.clicked.connect(
            lambda: self.folder_edit.setText(str(self.source().out_dir))
        )
        self.run_button = QPushButton(self.tr("Run audit"))
        self.run_button.clicked.connect(self.run_audit)
        self.result_label = QLabel(self.tr("Not run yet."))
        self.result_label.setWordWrap(True)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([
            self.tr("User"), self.tr("Held-out item"), self.tr("Title"), self.tr("Named as"),
        ])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.currentCellChanged.connect(
            lambda row, _column, _previous_row, _previous_column: self._show_text(row)
        )
        self.text_view = QPlainTextEdit()
        self.text_view.setReadOnly(True)
        self.text_view.setPlaceholderText(self.tr("Select a row to read the audited text."))

        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        folder_row.addWidget(self.use_output_button)
        layout = QVBoxLayout(self)
        layout.addLayout(folder_row)
        layout.addWidget(self.run_button)
        layout.addWidget(self.result_label)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.text_view, 1)

    def set_folder(self, folder: Path | str) -> None:
        self.folder_edit.setText(str(folder))

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a texts folder"), self.folder_edit.text()
        )
        if folder:
            self.folder_edit.setText(folder)

    def is_busy(self) -> bool:
        return self.runner.busy

    def run_audit(self) -> None:
        text = self.folder_edit.text().strip()
        if not text:
            self.errorOccurred.emit(self.tr("Choose the folder that holds user_preferences.json."))
            return
        source = self.source()
        folder = source.resolve(text)
        self.run_button.setEnabled(False)
        self.result_label.setText(self.tr("Auditing…"))

        def audit(loaded: LoadedDataset) -> None:
            self.runner.start(audit_folder, loaded, folder, on_result=self._show_result,
                              on_error=self._show_error)

        self.loader.request(source.data_kind, source.data_path, audit, self._show_error)

    def _show_result(self, result: AuditResult) -> None:
        self.result = result
        self.run_button.setEnabled(True)
        report = result.report
        self.result_label.setText(
            self.tr(
                "{leaking} of {checked} user texts ({share}%) name the user's validation or "
                "test item."
            ).format(
                leaking=len(report.leaking_users),
                checked=report.users_checked,
                share=f"{100.0 * report.share:.1f}",
            )
        )
        self.text_view.clear()
        self.table.setRowCount(len(result.rows))
        for row, values in enumerate(result.rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))

    def _show_text(self, row: int) -> None:
        """Show the audited text of the selected row's user, with the words that matched."""
        if self.result is None or not 0 <= row < len(self.result.rows):
            self.text_view.clear()
            return
        user, _item, title, matched = self.result.rows[row]
        header = self.tr("User {user} names {title} as \u201c{matched}\u201d:").format(
            user=user, title=title, matched=matched
        )
        self.text_view.setPlainText(header + "\n\n" + self.result.texts.get(user, ""))

    def _show_error(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.result_label.setText(self.tr("The audit failed."))
        self.errorOccurred.emit(str(exc))

    def wait(self) -> None:
        self.runner.wait()
