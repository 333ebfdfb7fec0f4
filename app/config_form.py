"""A config form generated from the library's field metadata (type, bounds, choices, help).

Each field gets an editor that matches its type: a spin box with the field's bounds, a combo box
for choices, a check box for booleans, a line edit for strings and a checklist for the training
stages. The form only reports edits; the Config screen validates them and marks errors.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.config_help import help_text
from ur4rec.config import SECTIONS, STAGES, field_specs

INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e9
FLOAT_DECIMALS = 6
INVALID_STYLE = "border: 1px solid #d32f2f; border-radius: 2px;"
FOLDER_FIELDS = {("data", "data_dir"), ("data", "texts_dir"), ("text", "cache_dir")}


def section_titles() -> dict[str, str]:
    """Translated titles of the config sections, in YAML order."""
    translate = QCoreApplication.translate
    return {
        "data": translate("ConfigForm", "Data"),
        "sasrec": translate("ConfigForm", "SASRec"),
        "text": translate("ConfigForm", "Text encoder"),
        "moe": translate("ConfigForm", "Mixture of experts (MoE)"),
        "memory": translate("ConfigForm", "User memory"),
        "fusion": translate("ConfigForm", "Fusion"),
        "training": translate("ConfigForm", "Training"),
    }


def field_type(section: str, name: str) -> type:
    hint = typing.get_type_hints(SECTIONS[section])[name]
    return typing.get_origin(hint) or hint


class StageChecklist(QListWidget):
    """Checkable list of the training stages. Its value is the checked stages in run order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for stage in STAGES:
            item = QListWidgetItem(stage)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.addItem(item)
        self.setMaximumHeight(self.sizeHintForRow(0) * len(STAGES) + 2 * self.frameWidth() + 4)
        self.itemChanged.connect(lambda _item: self.changed.emit())

    def value(self) -> list[str]:
        return [
            self.item(i).text()
            for i in range(self.count())
            if self.item(i).checkState() == Qt.CheckState.Checked
        ]

    def set_value(self, stages: list[str]) -> None:
        for i in range(self.count()):
            item = self.item(i)
            item.setCheckState(
                Qt.CheckState.Checked if item.text() in stages else Qt.CheckState.Unchecked
            )


class FieldEditor(QWidget):
    """The editor of one config field, with an error line shown below it when invalid."""

    edited = Signal(str, str, object)  # section, name, new value

    def __init__(
        self, section: str, spec: dataclasses.Field, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.section = section
        self.name = spec.name
        self.kind = field_type(section, spec.name)
        self.editor = self._make_editor(spec.metadata)
        self.editor.setToolTip(help_text(spec.metadata.get("help", "")))
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        self.error_label.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.editor, 1)
        if (section, spec.name) in FOLDER_FIELDS:
            browse = QPushButton(self.tr("Browse…"))
            browse.clicked.connect(self._browse)
            row.addWidget(browse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.error_label)

    @property
    def key_path(self) -> str:
        return f"{self.section}.{self.name}"

    def _make_editor(self, meta: dict[str, Any]) -> QWidget:
        minimum, maximum, choices = meta.get("minimum"), meta.get("maximum"), meta.get("choices")
        if choices:
            editor = QComboBox()
            editor.addItems(list(choices))
            editor.currentTextChanged.connect(self._emit)
        elif self.kind is bool:
            editor = QCheckBox()
            editor.toggled.connect(self._emit)
        elif self.kind is int:
            editor = QSpinBox()
            editor.setRange(
                int(minimum) if minimum is not None else -INT_LIMIT,
                int(maximum) if maximum is not None else INT_LIMIT,
            )
            editor.valueChanged.connect(self._emit)
        elif self.kind is float:
            editor = QDoubleSpinBox()
            editor.setDecimals(FLOAT_DECIMALS)
            editor.setRange(
                float(minimum) if minimum is not None else -FLOAT_LIMIT,
                float(maximum) if maximum is not None else FLOAT_LIMIT,
            )
            editor.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
            editor.valueChanged.connect(self._emit)
        elif self.kind is list and self.section == "training" and self.name == "stages":
            editor = StageChecklist()
            editor.changed.connect(self._emit)
        else:
            editor = QLineEdit()
            editor.textEdited.connect(self._emit)
        editor.setObjectName(self.key_path)
        return editor

    def _emit(self, *_args: object) -> None:
        self.edited.emit(self.section, self.name, self.value())

    def value(self) -> Any:
        editor = self.editor
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
            return editor.value()
        if isinstance(editor, StageChecklist):
            return editor.value()
        return editor.text()

    def set_value(self, value: Any) -> None:
        """Show `value` without emitting `edited`."""
        editor = self.editor
        editor.blockSignals(True)
        try:
            if isinstance(editor, QComboBox):
                editor.setCurrentText(str(value))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QDoubleSpinBox):
                editor.setValue(float(value))
            elif isinstance(editor, StageChecklist):
                editor.set_value(list(value))
            elif editor.text() != str(value):
                editor.setText(str(value))
        finally:
            editor.blockSignals(False)

    def set_error(self, message: str | None) -> None:
        """Mark the field invalid with the library's message, or clear the mark."""
        invalid = bool(message)
        self.editor.setProperty("invalid", invalid)
        self.editor.setStyleSheet(INVALID_STYLE if invalid else "")
        self.error_label.setText(message or "")
        self.error_label.setVisible(invalid)

    def error(self) -> str:
        return self.error_label.text()

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose a folder"), str(self.value())
        )
        if folder:
            self.editor.setText(folder)
            self._emit()


class ConfigForm(QWidget):
    """One group box per config section, laid out in two columns."""

    edited = Signal(str, str, object)  # section, name, new value

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fields: dict[str, FieldEditor] = {}
        grid = QGridLayout(self)
        titles = section_titles()
        columns = {
            "data": 0,
            "text": 0,
            "memory": 0,
            "fusion": 0,
            "sasrec": 1,
            "moe": 1,
            "training": 1,
        }
        rows = {0: 0, 1: 0}
        for section in SECTIONS:
            box = self._build_section(section, titles.get(section, section))
            column = columns.get(section, 0)
            grid.addWidget(box, rows[column], column)
            rows[column] += 1
        grid.setRowStretch(max(rows.values()), 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)

    def _build_section(self, section: str, title: str) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for spec in field_specs(section):
            editor = FieldEditor(section, spec)
            editor.edited.connect(self.edited)
            label = QLabel(spec.name)
            label.setToolTip(editor.editor.toolTip())
            form.addRow(label, editor)
            self.fields[editor.key_path] = editor
        return box

    def set_values(self, values: dict[str, dict[str, Any]]) -> None:
        """Show nested section values. Fields missing from `values` keep their current value."""
        for key_path, editor in self.fields.items():
            section, name = key_path.split(".", 1)
            if name in values.get(section, {}):
                editor.set_value(values[section][name])

    def set_error(self, key_path: str | None, message: str | None) -> None:
        """Mark one field (clearing all others), or clear every mark when `key_path` is None."""
        for path, editor in self.fields.items():
            editor.set_error(message if path == key_path else None)

    def field(self, key_path: str) -> FieldEditor:
        return self.fields[key_path]
