"""The Texts screen: real widgets, real MovieLens-100K, a real SQLite cache, and the real
DashScope SDK talking to a mock server on 127.0.0.1 that each test starts."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from app.screens.text_table_model import CachedTextModel
from app.screens.texts_screen import TextsScreen
from tests.mock_dashscope import MockDashScope, Reply, error, isolate_network, ok, prompt_of
from ur4rec.data.movielens import read_ml100k
from ur4rec.data.split import leave_one_out
from ur4rec.llm.cache import CACHE_FILE, STATUS_MODERATED
from ur4rec.llm.leakage import audit_user_texts
from ur4rec.llm.prompts import build_user_prompt
from ur4rec.llm.sources import load_texts

pytest_plugins = ("qt_helpers",)

FAKE_KEY = "sk-studio-secret-98765"
RUN_TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def ml100k(ml100k_dir: Path):
    data = read_ml100k(ml100k_dir)
    return data, leave_one_out(data)


@pytest.fixture
def screen(qtbot, studio_settings, ml100k_dir: Path, tmp_path: Path, monkeypatch):
    isolate_network(monkeypatch, FAKE_KEY)
    monkeypatch.delenv("DASHSCOPE_HTTP_BASE_URL", raising=False)
    widget = TextsScreen(studio_settings)
    qtbot.addWidget(widget)
    widget.set_source("ml-100k", ml100k_dir, tmp_path / "texts")
    widget.show()
    yield widget
    widget.shutdown()


def configure(screen: TextsScreen, kind: str, backend: str, limit: int,
              concurrency: int = 2) -> None:
    panel = screen.generation
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData(kind))
    panel.backend_combo.setCurrentIndex(panel.backend_combo.findData(backend))
    panel.limit_spin.setValue(limit)
    panel.concurrency_spin.setValue(concurrency)
    panel.timeout_spin.setValue(10)


def run_to_end(qtbot, screen: TextsScreen) -> None:
    screen.generation.start_button.click()
    assert screen.generation.is_running()
    qtbot.waitUntil(lambda: not screen.generation.is_running(), timeout=RUN_TIMEOUT_MS)


def browser_ids(screen: TextsScreen) -> list[str]:
    proxy = screen.browser.proxy
    return [proxy.index(row, CachedTextModel.ID).data() for row in range(proxy.rowCount())]


def written_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_offline_generation_fills_browser(qtbot, screen, tmp_path, ml100k):
    data, _ = ml100k
    configure(screen, "items", "offline", limit=25)
    assert not screen.generation.model_combo.isEnabled()  # the offline backend has no model
    run_to_end(qtbot, screen)

    summary = screen.generation.last_summary
    assert summary is not None
    assert summary.done == 25
    assert not summary.stopped
    bar = screen.generation.progress_bar
    assert bar.maximum() == 1
    assert bar.value() == 1
    assert "generated 25" in screen.generation.counts_label.text()
    exported = json.loads((tmp_path / "texts" / "item_descriptions.json").read_text("utf-8"))
    assert sorted(exported, key=int) == [str(i) for i in range(1, 26)]

    assert screen.browser.kind == "items"
    assert browser_ids(screen) == [str(i) for i in range(1, 26)]
    qtbot.waitUntil(lambda: screen.browser.model.names != {}, timeout=RUN_TIMEOUT_MS)
    screen.browser.search_edit.setText("toy story")
    assert browser_ids(screen) == ["1"]
    assert screen.browser.count_label.text() == "1 of 25 texts shown"
    screen.browser.table.selectRow(0)
    assert screen.browser.answer_view.toPlainText() == exported["1"]
    assert "without a prompt" in screen.browser.prompt_view.toPlainText()
    assert data.items[1].title in screen.browser.model.names.values()


def test_dashscope_generation_shows_prompt(qtbot, screen, tmp_path, ml100k,
                                                      monkeypatch, studio_settings):
    data, split = ml100k
    with MockDashScope(ok, delay_s=0.05) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        configure(screen, "users", "dashscope", limit=12, concurrency=3)
        screen.generation.model_combo.setCurrentText("qwen-turbo")
        progress: list[tuple[int, int]] = []
        screen.generation.controller.progressed.connect(
            lambda finished, pending, _summary: progress.append((finished, pending))
        )
        run_to_end(qtbot, screen)

    assert len(server.bodies) == 12
    assert server.max_in_flight <= 3
    assert {body["model"] for body in server.bodies} == {"qwen-turbo"}
    assert progress[0] == (0, 12)
    assert progress[-1] == (12, 12)
    assert "tokens 180" in screen.generation.counts_label.text()

    assert screen.browser.kind == "users"
    assert browser_ids(screen) == [str(i) for i in range(1, 13)]
    screen.browser.select_raw_id("7")
    user = data.user_raw_ids.index("7")
    expected_prompt = build_user_prompt(data, split, user)
    qtbot.waitUntil(lambda: screen.browser.prompt_view.toPlainText() == expected_prompt,
                    timeout=RUN_TIMEOUT_MS)
    assert expected_prompt in server.prompts()
    for item in split.held_out(user):
        assert data.items[item].title not in expected_prompt
    answer = screen.browser.answer_view.toPlainText()
    assert answer == "Generated for: " + expected_prompt.splitlines()[0]
    assert "User 7" in screen.browser.info_label.text()

    studio_settings.sync()
    for path in written_files(tmp_path):
        assert FAKE_KEY.encode() not in path.read_bytes(), path


def test_stop_then_start_resumes(qtbot, screen, tmp_path, monkeypatch):
    with MockDashScope(ok, delay_s=0.15) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        configure(screen, "items", "dashscope", limit=30, concurrency=2)
        screen.generation.start_button.click()
        qtbot.waitUntil(lambda: screen.generation.progress_bar.value() >= 4,
                        timeout=RUN_TIMEOUT_MS)
        screen.generation.stop_button.click()
        assert "Stopping" in screen.generation.progress_label.text()
        qtbot.waitUntil(lambda: not screen.generation.is_running(), timeout=RUN_TIMEOUT_MS)
        first = screen.generation.last_summary
        assert first is not None
        assert first.stopped
        assert 4 <= first.done < 30
        assert screen.generation.progress_label.text().startswith("Stopped")
        first_prompts = set(server.prompts())

        server.reset()
        run_to_end(qtbot, screen)
        second = screen.generation.last_summary

    assert second is not None
    assert not second.stopped
    assert second.cached == first.done
    assert second.done == 30 - first.done
    assert first_prompts.isdisjoint(server.prompts())
    assert len(browser_ids(screen)) == 30


def test_quota_error_stops_run(qtbot, screen, tmp_path, monkeypatch):
    def responder(index: int, body: dict) -> Reply:
        return ok(index, body) if index < 5 else error(400, "Arrearage")

    with MockDashScope(responder) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        configure(screen, "items", "dashscope", limit=40, concurrency=1)
        run_to_end(qtbot, screen)

    failure = screen.generation.last_failure
    assert failure is not None
    assert failure.summary is not None
    assert failure.summary.done == 5
    assert "quota" in screen.banner.message().lower()
    assert FAKE_KEY not in screen.banner.message()
    assert "generated 5" in screen.generation.counts_label.text()
    with sqlite3.connect(tmp_path / "texts" / CACHE_FILE) as conn:
        assert conn.execute("SELECT COUNT(*) FROM texts WHERE status = 'ok'").fetchone()[0] == 5
    assert len(browser_ids(screen)) == 5


def test_moderated_item_is_filterable(qtbot, screen, monkeypatch):
    def responder(index: int, body: dict) -> Reply:
        if "GoldenEye" in prompt_of(body):
            return error(400, "DataInspectionFailed")
        return ok(index, body)

    with MockDashScope(responder) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        configure(screen, "items", "dashscope", limit=6, concurrency=2)
        run_to_end(qtbot, screen)

    assert sum("GoldenEye" in prompt for prompt in server.prompts()) == 1
    assert "moderated 1" in screen.generation.counts_label.text()
    browser = screen.browser
    browser.status_combo.setCurrentIndex(browser.status_combo.findData(STATUS_MODERATED))
    assert browser_ids(screen) == ["2"]
    assert browser.count_label.text() == "1 of 6 texts shown"
    browser.table.selectRow(0)
    assert browser.answer_view.toPlainText().startswith("(Moderation rejected")
    assert "GoldenEye" in browser.answer_view.toPlainText()


def test_missing_key_is_a_clear_error(qtbot, screen, tmp_path, monkeypatch):
    monkeypatch.delenv("DASHSCOPE_API_KEY")
    screen.generation.refresh_key_status()
    assert "not set" in screen.generation.key_label.text()
    configure(screen, "items", "dashscope", limit=3)
    run_to_end(qtbot, screen)
    assert "no DashScope API key" in screen.banner.message()
    assert not (tmp_path / "texts" / CACHE_FILE).exists()


def test_bad_data_folder_names_the_path(qtbot, screen, tmp_path):
    missing = tmp_path / "no-such-folder"
    screen.set_source("ml-100k", missing, tmp_path / "texts")
    configure(screen, "items", "offline", limit=3)
    run_to_end(qtbot, screen)
    assert str(missing) in screen.banner.message()


def test_movielens_in_a_subfolder_is_found(qtbot, screen, tmp_path, ml100k_dir):
    # `ur4rec data fetch` and training put MovieLens in DATA_DIR/ml-100k/; the screen looks there.
    shutil.copytree(ml100k_dir, tmp_path / "data" / "ml-100k")
    screen.set_source("ml-100k", tmp_path / "data", tmp_path / "texts")
    configure(screen, "items", "offline", limit=3)
    run_to_end(qtbot, screen)
    assert screen.banner.message() == ""
    summary = screen.generation.last_summary
    assert summary is not None
    assert summary.done == 3


def test_audit_of_the_shared_texts(qtbot, screen, texts_dir: Path, ml100k):
    data, split = ml100k
    texts = load_texts(texts_dir / "user_preferences.json", data.user_raw_ids, "users").texts
    expected = audit_user_texts(data, split, texts)
    assert expected.leaking_users  # the shared texts do leak

    screen.audit.set_folder(texts_dir)
    screen.audit.run_button.click()
    qtbot.waitUntil(lambda: screen.audit.result is not None, timeout=RUN_TIMEOUT_MS)
    label = screen.audit.result_label.text()
    share = f"{100.0 * expected.share:.1f}%"
    assert label.startswith(f"{len(expected.leaking_users)} of {expected.users_checked} ")
    assert share in label
    assert screen.audit.table.rowCount() == len(expected.leaks)
    first = expected.leaks[0]
    assert screen.audit.table.item(0, 0).text() == data.user_raw_ids[first.user]
    assert screen.audit.table.item(0, 2).text() == first.title

    # Selecting a row shows the audited text itself, not a text from the output folder.
    screen.audit.table.setCurrentCell(0, 0)
    audit_text = screen.audit.text_view.toPlainText()
    assert audit_text.startswith(f"User {data.user_raw_ids[first.user]} names {first.title} as ")
    assert audit_text.endswith(texts[first.user])


def test_empty_output_folder_is_refused(qtbot, screen, ml100k_dir):
    screen.set_source("ml-100k", ml100k_dir, "")
    configure(screen, "items", "offline", limit=3)
    screen.generation.start_button.click()
    assert not screen.generation.is_running()
    assert screen.banner.message() == "Choose the output folder first."


def test_audit_of_a_folder_without_user_texts(qtbot, screen, tmp_path):
    screen.audit.set_folder(tmp_path)
    screen.audit.run_button.click()
    qtbot.waitUntil(lambda: screen.audit.run_button.isEnabled(), timeout=RUN_TIMEOUT_MS)
    assert "user_preferences.json" in screen.banner.message()
    assert screen.audit.result_label.text() == "The audit failed."


def test_main_window_has_a_texts_tab(main_window):
    tabs = main_window.tabs
    titles = [tabs.tabText(i) for i in range(tabs.count())]
    assert titles[-1] == "Texts"
    screen = main_window.texts_screen
    # The quick config names the data set; the screen follows it.
    assert screen.kind_combo.currentText() == "ml-100k"
    assert screen.data_edit.text() == "data/ml-100k"
    assert screen.source().out_dir == main_window.settings.data_folder / "generated-texts" / "ml-100k"


def test_close_during_generation_waits(qtbot, main_window, ml100k_dir,
                                                               tmp_path, monkeypatch):
    isolate_network(monkeypatch, FAKE_KEY)
    screen = main_window.texts_screen
    with MockDashScope(lambda index, body: Reply(hang=True)) as server:
        monkeypatch.setenv("DASHSCOPE_HTTP_BASE_URL", server.base_url)
        screen.set_source("ml-100k", ml100k_dir, tmp_path / "texts")
        configure(screen, "items", "dashscope", limit=4, concurrency=2)
        screen.generation.timeout_spin.setValue(2)
        screen.generation.start_button.click()
        qtbot.waitUntil(lambda: len(server.bodies) >= 1, timeout=RUN_TIMEOUT_MS)

        started = time.monotonic()
        main_window.close()
        assert time.monotonic() - started < 1.0  # the close waits in the event loop, not here
        assert main_window.isVisible()
        assert "Stopping the text generation" in main_window.statusBar().currentMessage()
        qtbot.waitUntil(lambda: not main_window.isVisible(), timeout=RUN_TIMEOUT_MS)

    assert main_window.questions == ["Stop text generation?"]
    assert not screen.is_running()
