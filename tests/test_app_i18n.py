"""Simplified Chinese translation: complete, compiled, current with the sources, and loaded."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication

from app.i18n import CATALOG, TRANSLATIONS_DIR, install_translators

pytest_plugins = ("qt_helpers",)

REPO_ROOT = Path(__file__).resolve().parents[1]

TS_FILE = TRANSLATIONS_DIR / f"{CATALOG}_zh_CN.ts"
QM_FILE = TRANSLATIONS_DIR / f"{CATALOG}_zh_CN.qm"
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def ts_messages(path: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(path).getroot()
    return [(context.findtext("name"), message.findtext("source"), message.find("translation"))
            for context in root.iter("context") for message in context.iter("message")]


def test_every_message_is_translated():
    messages = ts_messages(TS_FILE)
    assert len(messages) > 200
    unfinished = [source for _, source, tr in messages if tr.get("type") is not None]
    empty = [source for _, source, tr in messages if not (tr.text or "").strip()]
    assert unfinished == []
    assert empty == []


def test_placeholders_survive_translation():
    for context, source, translation in ts_messages(TS_FILE):
        expected = sorted(PLACEHOLDER.findall(source))
        assert sorted(PLACEHOLDER.findall(translation.text)) == expected, f"{context}: {source!r}"


def test_ts_covers_every_source_string(tmp_path):
    """Running lupdate over app/ finds no string that the shipped .ts file lacks."""
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists():
        pytest.skip(f"{lupdate} not found")
    fresh = tmp_path / "fresh.ts"
    sources = sorted(str(path) for path in (REPO_ROOT / "app").rglob("*.py"))
    subprocess.run([str(lupdate), *sources, "-ts", str(fresh)], check=True, capture_output=True)

    shipped = {(context, source) for context, source, _ in ts_messages(TS_FILE)}
    current = {(context, source) for context, source, _ in ts_messages(fresh)}
    assert sorted(current - shipped) == [], "run scripts/update_translations.sh and translate"


def test_compiled_catalog_is_current(tmp_path):
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    if not lrelease.exists():
        pytest.skip(f"{lrelease} not found")
    fresh = tmp_path / "fresh.qm"
    command = [str(lrelease), str(TS_FILE), "-qm", str(fresh)]
    subprocess.run(command, check=True, capture_output=True)
    assert fresh.read_bytes() == QM_FILE.read_bytes(), "run scripts/update_translations.sh"


def test_compiled_catalog_translates(qapp):
    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    qapp.installTranslator(translator)
    try:
        assert QCoreApplication.translate("RunScreen", "Run all stages") == "运行全部阶段"
        assert QCoreApplication.translate("ConfigHelp", "Random seed") == "随机种子"
        assert QCoreApplication.translate("RunScreen", "no such string") == "no such string"
    finally:
        qapp.removeTranslator(translator)


def test_window_speaks_chinese(qtbot, studio_settings):
    from app.main_window import MainWindow

    app = QApplication.instance()
    translators = install_translators(app, "zh_CN")
    try:
        assert translators, "the zh_CN catalog did not load"
        window = MainWindow(studio_settings)
        qtbot.addWidget(window)
        tabs = [window.tabs.tabText(index) for index in range(window.tabs.count())]
        assert tabs == ["配置", "运行", "记忆", "用户", "文本"]
        assert window.texts_screen.generation.start_button.text() == "开始"
        assert window.run_screen.run_all_button.text() == "运行全部阶段"
        assert window.config_screen.status_label.text() == "✓ 配置有效。"
        window.shutdown()
    finally:
        for translator in translators:
            app.removeTranslator(translator)


def test_english_installs_nothing(qapp):
    assert install_translators(qapp, "en") == []
