"""The Settings dialog: language, data and runs folders, and the DashScope API key."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.settings import Settings


class FolderPicker(QWidget):
    """A line edit with a Browse button."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = QLineEdit(str(path))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(browse)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a folder"), self.edit.text()
        )
        if folder:
            self.edit.setText(folder)

    def path(self) -> Path:
        return Path(self.edit.text().strip()).expanduser()


class SettingsDialog(QDialog):
    """Dialog that edits a `Settings` object and writes the changes only when accepted."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle(self.tr("Settings"))
        self.setMinimumWidth(560)

        self.language = QComboBox()
        for value, label in (
            ("system", self.tr("System language")),
            ("en", "English"),
            ("zh_CN", "简体中文"),
        ):
            self.language.addItem(label, value)
        self.language.setCurrentIndex(max(0, self.language.findData(settings.language)))
        self.data_folder = FolderPicker(settings.data_folder)
        self.data_folder.setToolTip(
            self.tr(
                "Relative data, text and cache paths in a config are resolved against this folder"
            )
        )
        self.runs_folder = FolderPicker(settings.runs_folder)
        self.runs_folder.setToolTip(self.tr("New run folders are created here"))

        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        masked = settings.masked_api_key
        self.api_key.setPlaceholderText(
            self.tr("stored: {key}; type a new key to replace it").format(key=masked)
            if masked
            else self.tr("not set; type a key to store it")
        )
        self.clear_key = QPushButton(self.tr("Remove stored key"))
        self.clear_key.setEnabled(bool(masked))
        self.clear_key.clicked.connect(self._remove_key)
        self._remove_requested = False
        key_row = QHBoxLayout()
        key_row.addWidget(self.api_key, 1)
        key_row.addWidget(self.clear_key)
        self.key_status = QLabel(masked or self.tr("(not set)"))

        form = QFormLayout()
        form.addRow(self.tr("Language"), self.language)
        form.addRow(self.tr("Data folder"), self.data_folder)
        form.addRow(self.tr("Runs folder"), self.runs_folder)
        form.addRow(self.tr("DashScope API key"), key_row)
        form.addRow("", self.key_status)
        note = QLabel(
            self.tr(
                "The language applies after a restart. The API key is kept in the "
                "studio's settings store, never in a config file or a log."
            )
        )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def _remove_key(self) -> None:
        self._remove_requested = True
        self.api_key.clear()
        self.key_status.setText(self.tr("(will be removed)"))

    def accept(self) -> None:
        self.apply()
        super().accept()

    def apply(self) -> None:
        """Write the dialog's values into the settings."""
        self.settings.language = self.language.currentData()
        self.settings.data_folder = self.data_folder.path()
        self.settings.runs_folder = self.runs_folder.path()
        new_key = self.api_key.text().strip()
        if new_key:
            self.settings.api_key = new_key
        elif self._remove_requested:
            self.settings.api_key = ""
        self.settings.sync()
