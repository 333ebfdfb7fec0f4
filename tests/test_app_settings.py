"""Studio settings: typed QSettings values, recent lists, the masked API key and the dialog."""

from __future__ import annotations

import logging
import os

from app.event_relay import EventRelay
from app.i18n import resolve_language
from app.settings import MAX_RECENT, Settings
from app.settings_dialog import SettingsDialog
from app.training_worker import TrainingController
from ur4rec.llm.api_key import API_KEY_ENV

pytest_plugins = ("qt_helpers",)

KEY = "sk-test0123456789abcd"


def test_values_survive_a_new_instance(tmp_path):
    settings = Settings.from_file(tmp_path / "s.ini")
    settings.language = "zh_CN"
    settings.data_folder = tmp_path / "data"
    settings.runs_folder = tmp_path / "runs"
    settings.sync()

    again = Settings.from_file(tmp_path / "s.ini")
    assert again.language == "zh_CN"
    assert again.data_folder == tmp_path / "data"
    assert again.runs_folder == tmp_path / "runs"


def test_unknown_language_is_rejected(tmp_path):
    settings = Settings.from_file(tmp_path / "s.ini")
    try:
        settings.language = "fr"
    except ValueError as exc:
        assert "zh_CN" in str(exc)
    else:
        raise AssertionError("expected ValueError")
    assert settings.language == "system"


def test_recent_lists_are_unique_and_bounded(tmp_path):
    settings = Settings.from_file(tmp_path / "s.ini")
    for index in range(MAX_RECENT + 3):
        settings.add_recent_run(tmp_path / f"run{index}")
    settings.add_recent_run(tmp_path / "run5")

    runs = settings.recent_runs
    assert len(runs) == MAX_RECENT
    assert runs[0] == (tmp_path / "run5").resolve()
    assert len(set(runs)) == len(runs)


def test_single_recent_config_reads_back_as_list(tmp_path):
    settings = Settings.from_file(tmp_path / "s.ini")
    settings.add_recent_config(tmp_path / "a.yaml")
    settings.sync()
    reread = Settings.from_file(tmp_path / "s.ini")
    assert reread.recent_configs == [(tmp_path / "a.yaml").resolve()]


def test_api_key_is_masked(tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "")  # recorded, so the export below is undone after the test
    monkeypatch.delenv(API_KEY_ENV)
    settings = Settings.from_file(tmp_path / "s.ini")
    assert settings.masked_api_key == ""

    settings.api_key = KEY

    assert settings.masked_api_key == "sk-…abcd"
    settings.export_api_key()

    assert os.environ[API_KEY_ENV] == KEY


def test_environment_key_wins(tmp_path, monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, "sk-from-environment")
    settings = Settings.from_file(tmp_path / "s.ini")
    settings.api_key = KEY
    settings.export_api_key()

    assert os.environ[API_KEY_ENV] == "sk-from-environment"


def test_dialog_never_shows_full_key(qtbot, studio_settings):
    studio_settings.api_key = KEY
    dialog = SettingsDialog(studio_settings)
    qtbot.addWidget(dialog)

    assert dialog.api_key.text() == ""
    assert "sk-…abcd" in dialog.api_key.placeholderText()
    assert KEY not in dialog.api_key.placeholderText()
    assert dialog.key_status.text() == "sk-…abcd"


def test_dialog_applies_changes(qtbot, studio_settings, tmp_path):
    dialog = SettingsDialog(studio_settings)
    qtbot.addWidget(dialog)
    dialog.language.setCurrentIndex(dialog.language.findData("zh_CN"))
    dialog.runs_folder.edit.setText(str(tmp_path / "elsewhere"))
    dialog.api_key.setText("  sk-new-key-9999 ")

    dialog.apply()

    assert studio_settings.language == "zh_CN"
    assert studio_settings.runs_folder == tmp_path / "elsewhere"
    assert studio_settings.api_key == "sk-new-key-9999"


def test_dialog_removes_key(qtbot, studio_settings):
    studio_settings.api_key = KEY
    dialog = SettingsDialog(studio_settings)
    qtbot.addWidget(dialog)
    dialog.clear_key.click()
    dialog.apply()
    assert studio_settings.api_key == ""


def test_key_stays_out_of_saved_config(main_window, tmp_path):
    main_window.settings.api_key = KEY
    target = tmp_path / "saved.yaml"
    assert main_window.config_screen.save_as(target)
    assert KEY not in target.read_text(encoding="utf-8")
    assert "sk-" not in target.read_text(encoding="utf-8")


def test_key_is_redacted_in_log_view(qtbot, monkeypatch):
    monkeypatch.setenv(API_KEY_ENV, KEY)
    relay = EventRelay()
    batches = []
    relay.batchReady.connect(batches.append)
    controller = TrainingController(relay)
    controller._attach_log_handler()
    try:
        logging.getLogger("ur4rec.llm").warning("request with key %s failed", KEY)
    finally:
        controller._detach_log_handler()
    relay.flush()

    text = "\n".join(line.text for batch in batches for line in batch.log_lines)
    assert "request with key" in text
    assert KEY not in text


def test_language_follows_system_locale():
    assert resolve_language("system", "zh_CN") == "zh_CN"
    assert resolve_language("system", "zh_TW") == "zh_CN"
    assert resolve_language("system", "de_DE") == "en"
    assert resolve_language("en", "zh_CN") == "en"
    assert resolve_language("zh_CN", "en_US") == "zh_CN"
