"""User screen on a real trained run: history, preference text and top-K recommendations."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from pathlib import Path

import pandas as pd
import pytest

from app.screens import user_screen as user_module
from app.screens.user_screen import RAW_VALUE_ROLE, UserScreen
from tests.run_fixture import trained_run_dir_fixture  # noqa: F401 - provides trained_run_dir
from ur4rec.runs import open_run, recommend

# Loading reads the data, the texts and the cached embeddings: seconds, or more on a busy CI.
REQUEST_TIMEOUT_MS = 120_000

HELD_OUT_COLUMN = 5
FUSED, SASREC, RETRIEVER = 3, 4, 5
GATE_COLUMNS = (6, 7, 8)


@pytest.fixture(scope="module")
def loaded_run(trained_run_dir):
    """The run as the library loads it, to compare the screen against."""
    return open_run(trained_run_dir)


def make_screen(qtbot, run_dir: Path | None) -> UserScreen:
    screen = UserScreen()
    qtbot.addWidget(screen)
    screen.resize(1200, 900)
    screen.set_run_dir(run_dir)
    return screen


def wait_for_report(qtbot, screen: UserScreen, user_id: str, k: int = 10) -> None:
    with qtbot.waitSignal(screen.report_shown, timeout=REQUEST_TIMEOUT_MS):
        assert screen.request_recommendations(user_id, k)


def wait_for_error(qtbot, screen: UserScreen, user_id: str) -> str:
    with qtbot.waitSignal(screen.error_shown, timeout=REQUEST_TIMEOUT_MS) as blocker:
        assert screen.request_recommendations(user_id)
    return blocker.args[0]


def time_ordered_items(ml100k_dir: Path, user_id: str) -> list[str]:
    """The user's items from u.data in time order, ties in file order (as the reader sorts)."""
    ratings = pd.read_csv(
        ml100k_dir / "u.data", sep="\t", names=["user", "item", "rating", "time"], dtype=str
    )
    rows = ratings[ratings["user"] == user_id].copy()
    rows["time"] = rows["time"].astype(int)
    return rows.sort_values("time", kind="stable")["item"].tolist()


def column(table, index: int, role=RAW_VALUE_ROLE) -> list:
    return [table.item(row, index).data(role) for row in range(table.rowCount())]


# -- without a trained run ----------------------------------------------------------------


def test_screen_without_run_shows_message(qtbot):
    screen = make_screen(qtbot, None)

    assert "No run selected" in screen.message_label.text()
    assert not screen.request_recommendations("1")
    assert "Choose a run folder" in screen.message_label.text()


def test_run_without_finished_stage(qtbot, tmp_path):
    screen = make_screen(qtbot, tmp_path)

    assert screen.stage_combo.count() == 0
    assert not screen.stage_combo.isEnabled()
    assert "No stage of this run has finished" in screen.message_label.text()


def test_empty_user_id_is_rejected(qtbot, tmp_path):
    screen = make_screen(qtbot, tmp_path)

    assert not screen.request_recommendations("  ")
    assert "Enter a raw user id" in screen.message_label.text()
    assert not screen.busy


# -- the real trained run -----------------------------------------------------------------


@pytest.mark.slow
def test_top_k_with_component_scores(qtbot, trained_run_dir, loaded_run):
    screen = make_screen(qtbot, trained_run_dir)
    assert [screen.stage_combo.itemText(i) for i in range(screen.stage_combo.count())] == [
        "pretrain_sasrec", "pretrain_retriever", "joint_finetune", "end_to_end",
    ]
    assert screen.stage_combo.currentText() == "end_to_end"

    wait_for_report(qtbot, screen, "1", k=10)

    table = screen.recommendations_table
    assert table.rowCount() == 10
    assert column(table, 0) == list(range(1, 11))
    for index in (FUSED, SASREC, RETRIEVER, *GATE_COLUMNS):
        assert all(isinstance(value, float) for value in column(table, index))
        assert all(float(text) == pytest.approx(value, abs=1e-3) for text, value in zip(
            column(table, index, role=0), column(table, index), strict=True
        ))
    for row in range(10):
        gates = [table.item(row, index).data(RAW_VALUE_ROLE) for index in GATE_COLUMNS]
        assert sum(gates) == pytest.approx(1.0, abs=1e-4)
        assert all(0.0 <= gate <= 1.0 for gate in gates)

    # The same items and scores as the library call on the same checkpoint.
    expected = recommend(loaded_run, "1", 10)
    assert column(table, 1) == [rec.item_id for rec in expected]
    assert column(table, FUSED) == pytest.approx([rec.fused for rec in expected], abs=1e-5)
    assert column(table, SASREC) == pytest.approx([rec.sasrec for rec in expected], abs=1e-5)
    fused = column(table, FUSED)
    assert fused == sorted(fused, reverse=True)


@pytest.mark.slow
def test_history_marks_held_out_items(qtbot, trained_run_dir, ml100k_dir):
    screen = make_screen(qtbot, trained_run_dir)

    wait_for_report(qtbot, screen, "1")

    items = time_ordered_items(ml100k_dir, "1")
    table = screen.history_table
    assert table.rowCount() == len(items) == 272
    assert column(table, 1) == items
    held_out = column(table, HELD_OUT_COLUMN)
    assert held_out[:-2] == [""] * (len(items) - 2)
    assert held_out[-2:] == ["validation", "test"]
    assert table.item(len(items) - 2, HELD_OUT_COLUMN).text() == "held out: validation"
    assert table.item(len(items) - 1, HELD_OUT_COLUMN).text() == "held out: test"

    plain = table.item(0, 2).background().color()
    validation = table.item(len(items) - 2, 2).background().color()
    test = table.item(len(items) - 1, 2).background().color()
    assert len({plain.name(), validation.name(), test.name()}) == 3
    assert table.item(0, 3).text() == "1997-09-22"  # u.data's first timestamp of user 1, UTC


@pytest.mark.slow
def test_preference_text_and_source(qtbot, trained_run_dir, loaded_run):
    screen = make_screen(qtbot, trained_run_dir)

    wait_for_report(qtbot, screen, "1")

    user = loaded_run.prepared.data.user_index("1")
    texts = loaded_run.prepared.texts
    assert screen.preference_text.toPlainText() == texts.user_texts[user]
    assert screen.preference_text.toPlainText().strip()
    source = texts.user_sources[user]
    assert f"Source: {source}." in screen.source_label.text()
    assert screen.source_explanation(source) in screen.source_label.text()
    assert screen.source_explanation(source) != screen.source_explanation("no-such-source")


@pytest.mark.slow
def test_unknown_user_shows_error(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)

    message = wait_for_error(qtbot, screen, "no-such-user")

    assert "no-such-user" in message
    assert "no-such-user" in screen.message_label.text()
    assert not screen.busy
    assert not screen.busy_bar.isVisible()
    assert screen.recommend_button.isEnabled()

    # The screen stays usable: the next request succeeds with the loaded run.
    wait_for_report(qtbot, screen, "2", k=5)
    assert screen.recommendations_table.rowCount() == 5
    assert "user 2" in screen.message_label.text()


@pytest.mark.slow
def test_work_runs_off_ui_thread(qtbot, trained_run_dir, monkeypatch):
    threads: dict[str, int] = {}

    def recording(name, function):
        def wrapper(*args, **kwargs):
            threads[name] = threading.get_ident()
            return function(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(user_module, "open_run", recording("open_run", user_module.open_run))
    monkeypatch.setattr(user_module, "recommend", recording("recommend", user_module.recommend))
    screen = make_screen(qtbot, trained_run_dir)
    screen.show()
    screen.user_edit.setText("1")

    with qtbot.waitSignal(screen.report_shown, timeout=REQUEST_TIMEOUT_MS):
        screen.recommend_button.click()
        assert screen.busy  # the click returns at once, with the work queued
        assert screen.busy_bar.isVisible()
        assert not screen.recommend_button.isEnabled()

    main = threading.get_ident()
    assert set(threads) == {"open_run", "recommend"}
    assert threads["open_run"] != main
    assert threads["recommend"] != main
    assert not screen.busy_bar.isVisible()


@pytest.mark.slow
def test_stage_switch_reuses_loaded_data(qtbot, trained_run_dir, monkeypatch):
    prepared_arguments = []

    def recording_open_run(run_dir, stage=None, prepared=None):
        prepared_arguments.append(prepared)
        return open_run(run_dir, stage, prepared)

    monkeypatch.setattr(user_module, "open_run", recording_open_run)
    screen = make_screen(qtbot, trained_run_dir)
    wait_for_report(qtbot, screen, "1")
    first = screen.report

    screen.stage_combo.setCurrentText("joint_finetune")
    wait_for_report(qtbot, screen, "1")

    assert first.stage == "end_to_end"
    assert screen.report.stage == "joint_finetune"
    assert len(prepared_arguments) == 2
    assert prepared_arguments[0] is None
    assert prepared_arguments[1] is not None  # the second stage reuses data and embeddings
    assert "joint_finetune" in screen.message_label.text()

    # Back to the first stage: the cached run is used without another load.
    screen.stage_combo.setCurrentText("end_to_end")
    wait_for_report(qtbot, screen, "1")
    assert len(prepared_arguments) == 2
    assert [rec.item_id for rec in screen.report.recommendations] == [
        rec.item_id for rec in first.recommendations
    ]
