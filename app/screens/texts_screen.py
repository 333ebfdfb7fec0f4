"""The Texts screen: generate LLM texts, browse the cache, and audit user texts for leaks.

The top row names the data set and the output folder that contains the text cache. Below it the
generation panel and the audit sit on the left, the cached texts on the right.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.error_banner import ErrorBanner
from app.screens.text_audit_panel import AuditPanel
from app.screens.text_browser import TextBrowser
from app.screens.text_generation_panel import GenerationPanel
from app.screens.text_source import DatasetLoader, TextSource
from app.settings import Settings
from ur4rec.config import Config
from ur4rec.data.loader import DATASET_KINDS

# Data set kinds read from one file rather than a folder.
FILE_KINDS = ("csv", "sasrec-txt")
OUTPUT_SUBFOLDER = "generated-texts"


class TextsScreen(QWidget):
    """Data set and output folder on top; generation and audit left; cached texts right."""

    statusMessage = Signal(str)
    runningChanged = Signal(bool)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.loader = DatasetLoader(self)
        self._config_values: tuple[str, str, str] | None = None

        self.banner = ErrorBanner()
        self.kind_combo = QComboBox()
        self.kind_combo.addItems(DATASET_KINDS)
        self.data_edit = QLineEdit()
        self.data_edit.setPlaceholderText(self.tr("Data set folder (or file for csv and sasrec-txt)"))
        data_browse = QPushButton(self.tr("Browse…"))
        data_browse.clicked.connect(self._choose_data)
        self.out_edit = QLineEdit(str(settings.data_folder / OUTPUT_SUBFOLDER / "ml-100k"))
        self.out_edit.setToolTip(self.tr("Folder of the text cache and its JSON export"))
        out_browse = QPushButton(self.tr("Browse…"))
        out_browse.clicked.connect(self._choose_output)
        self.out_edit.editingFinished.connect(lambda: self.browser.refresh())

        source_row = QHBoxLayout()
        source_row.addWidget(QLabel(self.tr("Data set")))
        source_row.addWidget(self.kind_combo)
        source_row.addWidget(self.data_edit, 2)
        source_row.addWidget(data_browse)
        source_row.addSpacing(12)
        source_row.addWidget(QLabel(self.tr("Output folder")))
        source_row.addWidget(self.out_edit, 2)
        source_row.addWidget(out_browse)

        self.generation = GenerationPanel(self.source, self.source_problem)
        self.audit = AuditPanel(self.source, self.loader)
        self.browser = TextBrowser(self.source, self.loader)
        self.generation.statusMessage.connect(self.statusMessage)
        self.generation.runningChanged.connect(self.runningChanged)
        self.generation.errorOccurred.connect(self.banner.show_error)
        self.generation.runEnded.connect(self.browser.set_kind)
        self.generation.runningChanged.connect(self._on_running_changed)
        self.audit.errorOccurred.connect(self.banner.show_error)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.generation)
        left.addWidget(self.audit)
        left.setSizes([430, 370])
        main = QSplitter(Qt.Orientation.Horizontal)
        main.addWidget(left)
        main.addWidget(self.browser)
        main.setStretchFactor(1, 1)
        main.setSizes([480, 860])

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(source_row)
        layout.addWidget(main, 1)

    # -- source -----------------------------------------------------------------------------

    def source(self) -> TextSource:
        """Return the data set and output folder of the fields, relative paths resolved."""
        return TextSource(
            data_kind=self.kind_combo.currentText(),
            data_path=self._absolute(self.data_edit.text()),
            out_dir=self._absolute(self.out_edit.text()),
            base_folder=self.settings.data_folder,
        )

    def source_problem(self) -> str | None:
        """Return what is missing before generation can start, or None."""
        if not self.data_edit.text().strip():
            return self.tr("Choose the data set folder (or file) first.")
        if not self.out_edit.text().strip():
            return self.tr("Choose the output folder first.")
        return None

    def _absolute(self, text: str) -> Path:
        path = Path(text.strip()).expanduser()
        return path if path.is_absolute() else self.settings.data_folder / path

    def set_source(self, data_kind: str, data_path: Path | str, out_dir: Path | str) -> None:
        self.kind_combo.setCurrentText(data_kind)
        self.data_edit.setText(str(data_path))
        self.out_edit.setText(str(out_dir))
        self.browser.refresh()

    def set_config(self, config: Config | None, _name: str = "") -> None:
        """Follow the config's data set and texts folder until the user edits the fields."""
        if config is None:
            return  # an invalid config changes nothing here
        values = (config.data.dataset, config.data.data_dir, config.data.texts_dir)
        current = (
            self.kind_combo.currentText(), self.data_edit.text(), self.audit.folder_edit.text()
        )
        previous = self._config_values
        self._config_values = values
        if previous is not None and current != previous:
            return  # edited by hand since the last config
        if previous is not None and previous == values:
            return
        self.kind_combo.setCurrentText(config.data.dataset)
        self.data_edit.setText(config.data.data_dir)
        self.audit.set_folder(config.data.texts_dir)
        if config.data.dataset not in FILE_KINDS:
            name = Path(config.data.data_dir).name or config.data.dataset
        else:
            name = Path(config.data.data_dir).stem or config.data.dataset
        self.out_edit.setText(str(self.settings.data_folder / OUTPUT_SUBFOLDER / name))
        self.browser.refresh()

    def _choose_data(self) -> None:
        start = str(self.source().data_path)
        if self.kind_combo.currentText() in FILE_KINDS:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose the data file"), start)
        else:
            path = QFileDialog.getExistingDirectory(self, self.tr("Choose the data folder"), start)
        if path:
            self.data_edit.setText(path)

    def _choose_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose the output folder"), str(self.source().out_dir)
        )
        if folder:
            self.out_edit.setText(folder)
            self.browser.refresh()

    # -- events -----------------------------------------------------------------------------

    def _on_running_changed(self, running: bool) -> None:
        for widget in (self.kind_combo, self.data_edit, self.out_edit):
            widget.setEnabled(not running)
        if running:
            self.banner.hide()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self.generation.refresh_key_status()

    def is_running(self) -> bool:
        return self.generation.is_running()

    def shutdown(self) -> None:
        """Stop a generation run and wait for background work (safe to call twice)."""
        self.generation.shutdown()
        self.audit.wait()
        self.loader.wait()
