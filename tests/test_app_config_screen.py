"""Config screen: the generated form, the YAML editor, validation as you type, open and save."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from app.config_form import StageChecklist
from app.config_help import HELP_TEXTS
from app.screens.config_screen import field_for_key_path
from ur4rec.config import SECTIONS, field_specs, load_config

pytest_plugins = ("qt_helpers",)

REPO_ROOT = Path(__file__).resolve().parents[1]


def type_yaml(qtbot, screen, text: str) -> None:
    screen.yaml_edit.setPlainText(text)
    qtbot.waitUntil(lambda: not screen._yaml_timer.isActive(), timeout=2000)


def test_form_has_an_editor_per_field(main_window):
    form = main_window.config_screen.form
    for section in SECTIONS:
        for spec in field_specs(section):
            assert f"{section}.{spec.name}" in form.fields
    assert isinstance(form.field("sasrec.hidden_dim").editor, QSpinBox)
    assert isinstance(form.field("sasrec.dropout").editor, QDoubleSpinBox)
    assert isinstance(form.field("fusion.method").editor, QComboBox)
    assert isinstance(form.field("training.use_adaptive_alternating").editor, QCheckBox)
    assert isinstance(form.field("text.encoder").editor, QLineEdit)
    assert isinstance(form.field("training.stages").editor, StageChecklist)


def test_spin_box_bounds_follow_metadata(main_window):
    spin = main_window.config_screen.form.field("sasrec.hidden_dim").editor
    assert spin.minimum() == 8
    assert spin.maximum() == 4096
    dropout = main_window.config_screen.form.field("sasrec.dropout").editor
    assert dropout.maximum() == 0.9


def test_help_text_is_the_tooltip(main_window):
    editor = main_window.config_screen.form.field("memory.decay_factor").editor
    assert "GRU" in editor.toolTip()


def test_out_of_range_yaml_marks_field(qtbot, main_window):
    screen = main_window.config_screen
    run = main_window.run_screen
    assert run.run_all_button.isEnabled()

    type_yaml(qtbot, screen, "sasrec:\n  hidden_dim: 4\n")

    field = screen.form.field("sasrec.hidden_dim")
    assert "below the minimum 8" in field.error()
    assert field.editor.property("invalid") is True
    assert "sasrec.hidden_dim" in screen.status_label.text()
    assert not run.run_all_button.isEnabled()
    assert not run.run_stage_button.isEnabled()


def test_fixing_yaml_enables_run(qtbot, main_window):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec:\n  hidden_dim: 4\n")
    assert not main_window.run_screen.run_all_button.isEnabled()

    type_yaml(qtbot, screen, "sasrec:\n  hidden_dim: 48\n")

    assert screen.is_valid()
    assert screen.form.field("sasrec.hidden_dim").error() == ""
    assert screen.form.field("sasrec.hidden_dim").editor.value() == 48
    assert main_window.run_screen.run_all_button.isEnabled()


def test_cross_field_error_from_form(main_window):
    screen = main_window.config_screen
    heads = screen.form.field("sasrec.num_heads").editor
    screen.form.field("sasrec.hidden_dim").editor.setValue(64)

    heads.setValue(3)  # 64 is not divisible by 3

    assert not screen.is_valid()
    assert "not divisible" in screen.form.field("sasrec.num_heads").error()
    assert not main_window.run_screen.run_all_button.isEnabled()
    assert "num_heads: 3" in screen.yaml_text()


def test_form_edit_updates_yaml(main_window):
    screen = main_window.config_screen
    screen.form.field("fusion.method").editor.setCurrentText("learned")
    screen.form.field("training.stages").editor.item(0).setCheckState(Qt.CheckState.Unchecked)

    text = screen.yaml_text()
    assert "method: learned" in text
    assert "- pretrain_sasrec" not in text
    assert screen.config.training.stages == ["pretrain_retriever", "joint_finetune", "end_to_end"]
    assert screen.modified


def test_empty_stage_list_is_invalid(main_window):
    checklist = main_window.config_screen.form.field("training.stages").editor
    for row in range(checklist.count()):
        checklist.item(row).setCheckState(Qt.CheckState.Unchecked)

    assert "stage list is empty" in main_window.config_screen.form.field("training.stages").error()
    assert not main_window.run_screen.run_all_button.isEnabled()


def test_yaml_syntax_error_disables_form(qtbot, main_window):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec: [unclosed\n")

    assert not screen.form.isEnabled()
    assert "YAML syntax error at line" in screen.yaml_error.text()
    assert not main_window.run_screen.run_all_button.isEnabled()


def test_unknown_key_is_reported(qtbot, main_window):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec:\n  hidden_size: 64\n")

    assert "unknown key" in screen.yaml_error.text()
    assert "hidden_size" in screen.status_label.text()


def test_flat_keys_fill_the_form(qtbot, main_window):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec_hidden_dim: 96\nfusion_method: weighted\n")

    assert screen.is_valid()
    assert screen.form.field("sasrec.hidden_dim").editor.value() == 96
    assert screen.form.field("fusion.method").editor.currentText() == "weighted"


def test_form_edit_replaces_flat_alias(qtbot, main_window):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec_hidden_dim: 96\n")

    screen.form.field("sasrec.hidden_dim").editor.setValue(80)

    assert screen.config.sasrec.hidden_dim == 80


def test_save_as_and_reopen(qtbot, main_window, tmp_path):
    screen = main_window.config_screen
    screen.open_file(REPO_ROOT / "configs" / "quick.yaml")
    screen.form.field("training.seed").editor.setValue(7)
    target = tmp_path / "configs" / "seven.yaml"

    assert screen.save_as(target)

    assert load_config(target).training.seed == 7
    assert screen.path == target
    assert not screen.modified
    assert not list(target.parent.glob(".*.tmp"))
    assert main_window.settings.recent_configs[0] == target.resolve()
    assert "seven" in main_window.windowTitle()


def test_invalid_config_is_not_saved(qtbot, main_window, tmp_path):
    screen = main_window.config_screen
    type_yaml(qtbot, screen, "sasrec:\n  hidden_dim: 4\n")

    assert not screen.save_as(tmp_path / "bad.yaml")

    assert not (tmp_path / "bad.yaml").exists()
    assert "invalid" in screen.status_label.text()


def test_invalid_file_opens_for_fixing(tmp_path, main_window):
    path = tmp_path / "broken.yaml"
    path.write_text("training:\n  epochs_per_stage: 0\n", encoding="utf-8")

    assert main_window.config_screen.open_file(path)

    assert "epochs_per_stage" in main_window.config_screen.yaml_text()
    field = main_window.config_screen.form.field("training.epochs_per_stage")
    assert "below the minimum" in field.error()


def test_key_path_maps_to_field():
    assert field_for_key_path("sasrec.hidden_dim") == "sasrec.hidden_dim"
    assert field_for_key_path("training.stages[2]") == "training.stages"
    assert field_for_key_path("max_seq_len") == "data.max_seq_len"
    assert field_for_key_path("<yaml>") is None
    assert field_for_key_path("sasrec.hidden_size") is None


def test_every_help_text_is_translatable():
    library_texts = {spec.metadata["help"] for section in SECTIONS for spec in field_specs(section)}
    missing = library_texts - set(HELP_TEXTS)
    assert not missing, f"add these help texts to app/config_help.py: {sorted(missing)}"
