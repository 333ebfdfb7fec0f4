"""The Config screen: a generated form and a raw YAML editor kept in sync, validated as you type.

The screen keeps the config as a raw nested mapping. A form edit validates the field with the
library's `coerce_value`, then the whole mapping with `config_from_dict`, and rewrites the YAML
text. A YAML edit (after a short pause in typing) is parsed and validated the same way and updates
the form. An invalid config is reported as `None` through `configChanged`, which disables the Run
buttons.

NOTE: the YAML text is regenerated from the values after a form edit and on save, so comments in a
config file are not kept.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.config_form import ConfigForm
from app.settings import Settings
from ur4rec.config import (
    FLAT_KEYS,
    SECTIONS,
    Config,
    coerce_value,
    config_from_dict,
    config_to_yaml,
    parse_yaml,
    save_config,
)
from ur4rec.errors import ConfigError

YAML_DEBOUNCE_MS = 300
VALID_STYLE = "color: #2e7d32;"
INVALID_STYLE = "color: #c62828;"


def field_for_key_path(key_path: str) -> str | None:
    """Map an error's key path to a form field key path, or None when no field matches.

    Handles nested paths ("sasrec.hidden_dim"), list items ("training.stages[1]") and flat
    keys ("max_seq_len").
    """
    path = key_path.split("[", 1)[0]
    if path in FLAT_KEYS:
        section, name = FLAT_KEYS[path]
        return f"{section}.{name}"
    section, _, name = path.partition(".")
    if section in SECTIONS and name in {f for f in SECTIONS[section].__dataclass_fields__}:
        return path
    return None


def field_value(raw: dict[str, Any], section: str, name: str) -> tuple[bool, Any]:
    """Return (found, value) of a field in a raw mapping, nested or flat. Later keys win."""
    found, value = False, None
    for key, item in raw.items():
        if key == section and isinstance(item, dict) and name in item:
            found, value = True, item[name]
        elif FLAT_KEYS.get(str(key)) == (section, name):
            found, value = True, item
    return found, value


class ConfigScreen(QWidget):
    """Edit, validate, open and save a config."""

    configChanged = Signal(object, str)  # Config (None while invalid) and the config name
    pathChanged = Signal(object)  # Path or None
    modifiedChanged = Signal(bool)
    statusMessage = Signal(str)

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.path: Path | None = None
        self.raw: dict[str, Any] = {}
        self.config: Config | None = None
        self.error: ConfigError | None = None
        self.modified = False
        self._updating_yaml = False

        self.form = ConfigForm()
        self.form.edited.connect(self._on_field_edited)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)

        self.yaml_edit = QPlainTextEdit()
        self.yaml_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.yaml_edit.textChanged.connect(self._on_yaml_text_changed)
        self.yaml_error = QLabel()
        self.yaml_error.setWordWrap(True)
        self.yaml_error.setStyleSheet(INVALID_STYLE)
        self.yaml_error.hide()
        yaml_page = QWidget()
        yaml_layout = QVBoxLayout(yaml_page)
        yaml_layout.addWidget(self.yaml_edit, 1)
        yaml_layout.addWidget(self.yaml_error)
        self._yaml_timer = QTimer(self)
        self._yaml_timer.setSingleShot(True)
        self._yaml_timer.setInterval(YAML_DEBOUNCE_MS)
        self._yaml_timer.timeout.connect(self.apply_yaml_text)

        self.tabs = QTabWidget()
        self.tabs.addTab(scroll, self.tr("Form"))
        self.tabs.addTab(yaml_page, self.tr("YAML"))

        self.path_label = QLabel()
        self.open_button = QPushButton(self.tr("Open…"))
        self.open_button.clicked.connect(lambda: self.open_file())
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.clicked.connect(lambda: self.save())
        self.save_as_button = QPushButton(self.tr("Save as…"))
        self.save_as_button.clicked.connect(lambda: self.save_as())
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(self.path_label, 1)
        header.addWidget(self.open_button)
        header.addWidget(self.save_button)
        header.addWidget(self.save_as_button)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status_label)

    # -- state ------------------------------------------------------------------------------

    def config_name(self) -> str:
        return self.path.stem if self.path else "untitled"

    def is_valid(self) -> bool:
        return self.config is not None

    def yaml_text(self) -> str:
        return self.yaml_edit.toPlainText()

    def _set_modified(self, modified: bool) -> None:
        if modified != self.modified:
            self.modified = modified
            self.modifiedChanged.emit(modified)
        self._update_path_label()

    def _set_path(self, path: Path | None) -> None:
        self.path = path
        self._update_path_label()
        self.pathChanged.emit(path)

    def _update_path_label(self) -> None:
        name = str(self.path) if self.path else self.tr("untitled (not saved)")
        self.path_label.setText(name + (" *" if self.modified else ""))

    # -- loading ----------------------------------------------------------------------------

    def load_text(self, text: str, path: Path | None = None) -> None:
        """Replace the editor contents with `text` (from `path`, or untitled) and validate it."""
        self._set_path(path)
        self._set_yaml_text(text)
        self.apply_yaml_text()
        self._set_modified(False)

    def load_config(self, config: Config, path: Path | None = None) -> None:
        self.load_text(config_to_yaml(config), path)

    def open_file(self, path: str | Path | None = None) -> bool:
        """Open a YAML config. An invalid file still opens so that it can be fixed."""
        if path is None:
            start = str(self.path.parent if self.path else self.settings.data_folder)
            chosen, _ = QFileDialog.getOpenFileName(
                self,
                self.tr("Open config"),
                start,
                self.tr("YAML config (*.yaml *.yml);;All files (*)"),
            )
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self._show_status(
                self.tr("Cannot open {path}: {error}").format(path=path, error=exc), False
            )
            return False
        self.load_text(text, path)
        self.settings.add_recent_config(path)
        self.statusMessage.emit(self.tr("Opened {path}").format(path=path))
        return True

    # -- saving -----------------------------------------------------------------------------

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            start = str(self.path or self.settings.data_folder / "configs" / "untitled.yaml")
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Save config as"), start, self.tr("YAML config (*.yaml *.yml)")
            )
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        if path.suffix.lower() not in (".yaml", ".yml"):
            path = path.with_suffix(".yaml")
        return self._write(path)

    def _write(self, path: Path) -> bool:
        self._yaml_timer.stop()
        self.apply_yaml_text()
        if self.config is None:
            self._show_status(
                self.tr("Not saved: the config is invalid. {error}").format(error=self.error), False
            )
            return False
        try:
            save_config(self.config, path)
        except OSError as exc:
            self._show_status(
                self.tr("Cannot save {path}: {error}").format(path=path, error=exc), False
            )
            return False
        self._set_yaml_text(config_to_yaml(self.config))
        self._set_path(path)
        self._set_modified(False)
        self.settings.add_recent_config(path)
        self.configChanged.emit(self.config, self.config_name())
        self.statusMessage.emit(self.tr("Saved {path}").format(path=path))
        return True

    # -- form -> raw -> YAML ----------------------------------------------------------------

    def _on_field_edited(self, section: str, name: str, value: Any) -> None:
        raw = copy.deepcopy(self.raw)
        for key in [k for k in raw if FLAT_KEYS.get(str(k)) == (section, name)]:
            del raw[key]  # the form writes the nested key, which an old flat alias would override
        if not isinstance(raw.get(section), dict):
            raw[section] = {}
        raw[section][name] = value
        self._set_modified(True)
        try:
            coerce_value(section, name, value)
        except ConfigError as exc:
            self.raw = raw
            self._set_invalid(exc)
            self._set_yaml_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
            return
        self._validate(raw)
        text = (
            config_to_yaml(self.config)
            if self.config
            else yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
        )
        self._set_yaml_text(text)

    # -- YAML -> raw -> form ----------------------------------------------------------------

    def _on_yaml_text_changed(self) -> None:
        if self._updating_yaml:
            return
        self._set_modified(True)
        self._yaml_timer.start()

    def _set_yaml_text(self, text: str) -> None:
        if text == self.yaml_edit.toPlainText():
            return
        self._updating_yaml = True
        try:
            self.yaml_edit.setPlainText(text)
        finally:
            self._updating_yaml = False

    def apply_yaml_text(self) -> None:
        """Parse and validate the YAML editor's text now (normally run after a typing pause)."""
        self._yaml_timer.stop()
        try:
            raw = parse_yaml(self.yaml_edit.toPlainText())
        except ConfigError as exc:
            # The form cannot show unparsable text, and a form edit would overwrite that text.
            self.form.setEnabled(False)
            self._set_invalid(exc)
            return
        self.form.setEnabled(True)
        self._show_raw_in_form(raw)
        self._validate(raw)

    def _show_raw_in_form(self, raw: dict[str, Any]) -> None:
        values: dict[str, dict[str, Any]] = {}
        for key_path in self.form.fields:
            section, name = key_path.split(".", 1)
            found, value = field_value(raw, section, name)
            if not found:
                value = getattr(SECTIONS[section](), name)
            try:
                values.setdefault(section, {})[name] = coerce_value(section, name, value)
            except ConfigError:
                continue  # the invalid value stays visible in the YAML editor and is marked
        self.form.set_values(values)

    # -- validation -------------------------------------------------------------------------

    def _validate(self, raw: dict[str, Any]) -> None:
        try:
            config = config_from_dict(raw)
        except ConfigError as exc:
            self.raw = raw
            self._set_invalid(exc)
            return
        self.raw = config.to_dict()
        self.config = config
        self.error = None
        self.form.set_error(None, None)
        self.yaml_error.hide()
        self._show_status(self.tr("The config is valid."), True)
        self.configChanged.emit(config, self.config_name())

    def _set_invalid(self, exc: ConfigError) -> None:
        self.config = None
        self.error = exc
        message = str(exc)
        self.form.set_error(field_for_key_path(exc.key_path), message)
        self.yaml_error.setText(message)
        self.yaml_error.show()
        self._show_status(message, False)
        self.configChanged.emit(None, self.config_name())

    def _show_status(self, text: str, ok: bool) -> None:
        self.status_label.setText(("✓ " if ok else "✗ ") + text)
        self.status_label.setStyleSheet(VALID_STYLE if ok else INVALID_STYLE)
