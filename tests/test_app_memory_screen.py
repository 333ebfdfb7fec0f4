"""Memory screen and its snapshot table model, on real SQLite stores and a real trained run."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from app.screens.memory_screen import MemoryScreen, format_from_path, heatmap_grid
from app.screens.snapshot_model import SnapshotUserModel
from tests.run_fixture import trained_run_dir_fixture  # noqa: F401 - provides trained_run_dir
from ur4rec.store.run_store import RunStore

DRIFT_COLUMN = 3


def write_snapshot(store: RunStore, num_users: int, dim: int = 16, seed: int = 0) -> int:
    """Write a snapshot of users "1".."num_users" with random vectors and distinct drifts."""
    rng = np.random.default_rng(seed)
    drift = rng.permutation(num_users) / num_users
    drift[3] = np.nan  # the trainer writes NaN for users whose memory never updated
    return store.write_snapshot(
        stage="pretrain_retriever",
        epoch=seed,
        step=10 * (seed + 1),
        user_ids=[str(u) for u in range(1, num_users + 1)],
        vectors=rng.normal(size=(num_users, dim)).astype(np.float32),
        interaction_count=rng.integers(1, 300, size=num_users),
        last_update_step=rng.integers(0, 100, size=num_users),
        drift=drift,
    )


@pytest.fixture
def small_run(tmp_path: Path) -> Path:
    """A run folder whose store contains one 250-user snapshot."""
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with RunStore(run_dir / "store.sqlite") as store:
        write_snapshot(store, 250)
    return run_dir


def make_screen(qtbot, run_dir: Path | None) -> MemoryScreen:
    screen = MemoryScreen()
    qtbot.addWidget(screen)
    screen.resize(1200, 800)
    screen.set_run_dir(run_dir)
    return screen


# -- helpers and the table model ----------------------------------------------------------


def test_heatmap_grid_pads_with_nan():
    grid = heatmap_grid(np.arange(10, dtype=np.float32))
    assert grid.shape == (8, 2)
    assert grid[0].tolist() == [0.0, 1.0]
    assert grid[4].tolist() == [8.0, 9.0]
    assert np.isnan(grid[5:]).all()


def test_format_from_path_prefers_suffix():
    assert format_from_path(Path("a.json"), "CSV (*.csv)") == "json"
    assert format_from_path(Path("a"), "Parquet (*.parquet)") == "parquet"
    assert format_from_path(Path("a.txt"), "") == "csv"


def test_model_pages_cover_every_user(qtbot, small_run):
    store = RunStore(small_run / "store.sqlite", create=False)
    model = SnapshotUserModel(page_size=100)
    model.set_source(store, store.list_snapshots()[0].id)

    assert model.rowCount() == 100
    assert model.total_count == 250
    assert model.canFetchMore()
    model.fetch_all()
    user_ids = model.column_values("user_id")
    assert len(user_ids) == 250
    assert user_ids == [str(u) for u in range(1, 251)]  # numeric order, no page overlap
    assert not model.canFetchMore()


def test_model_sorts_in_sql_across_pages(qtbot, small_run):
    store = RunStore(small_run / "store.sqlite", create=False)
    model = SnapshotUserModel(page_size=60)
    model.set_source(store, store.list_snapshots()[0].id)

    model.sort(DRIFT_COLUMN, Qt.SortOrder.DescendingOrder)
    model.fetch_all()
    drifts = [d for d in model.column_values("drift") if d is not None]
    assert len(drifts) == 249  # the NaN drift is None and sorts last
    assert drifts == sorted(drifts, reverse=True)
    assert model.column_values("drift")[-1] is None
    assert model.data(model.index(249, DRIFT_COLUMN)) == "n/a"


def test_model_search_matches_substring(qtbot, small_run):
    store = RunStore(small_run / "store.sqlite", create=False)
    model = SnapshotUserModel()
    model.set_source(store, store.list_snapshots()[0].id)

    model.set_search("12")
    expected = [str(u) for u in range(1, 251) if "12" in str(u)]
    assert model.column_values("user_id") == expected
    assert model.total_count == len(expected)


# -- empty states -------------------------------------------------------------------------


def test_screen_without_run_shows_message(qtbot):
    screen = make_screen(qtbot, None)

    assert screen.pages.currentIndex() == 0
    assert "No run selected" in screen.empty_label.text()
    assert screen.snapshot_combo.count() == 0
    assert not screen.export_snapshot_button.isEnabled()


def test_screen_without_store_shows_message(qtbot, tmp_path):
    screen = make_screen(qtbot, tmp_path)

    assert screen.pages.currentIndex() == 0
    assert "store.sqlite" in screen.empty_label.text()
    assert screen.model.rowCount() == 0


def test_screen_without_snapshots_shows_message(qtbot, tmp_path):
    RunStore(tmp_path / "store.sqlite").close()  # creates the schema, writes no snapshot
    screen = make_screen(qtbot, tmp_path)

    assert screen.pages.currentIndex() == 0
    assert "no memory snapshots" in screen.empty_label.text()
    assert "max_memory_size" in screen.empty_label.text()


def test_export_without_snapshot_raises(qtbot, tmp_path):
    screen = make_screen(qtbot, None)

    with pytest.raises(Exception, match="No snapshot to export"):
        screen.export_snapshot_to(tmp_path / "x.csv", "csv")
    assert not (tmp_path / "x.csv").exists()


# -- store written while the screen reads -------------------------------------------------


def test_refresh_while_training_writes(qtbot, tmp_path):
    with RunStore(tmp_path / "store.sqlite") as store:
        write_snapshot(store, 300, seed=0)
    screen = make_screen(qtbot, tmp_path)
    assert screen.snapshot_combo.count() == 1

    errors: list[BaseException] = []

    def write_more() -> None:
        # A second writer in another thread, like the trainer's store subscriber.
        try:
            with RunStore(tmp_path / "store.sqlite") as writer:
                for seed in range(1, 6):
                    write_snapshot(writer, 300, seed=seed)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    writer = threading.Thread(target=write_more)
    writer.start()
    while writer.is_alive():
        screen.refresh()
        assert screen.model.rowCount() == 300
    writer.join()
    screen.refresh()

    assert errors == []
    assert screen.snapshot_combo.count() == 6
    assert screen.current_snapshot().id == 6  # a view of the newest snapshot follows new ones
    assert screen.model.rowCount() == 300


def test_refresh_keeps_older_snapshot(qtbot, tmp_path):
    with RunStore(tmp_path / "store.sqlite") as store:
        write_snapshot(store, 50, seed=0)
        write_snapshot(store, 50, seed=1)
    screen = make_screen(qtbot, tmp_path)
    screen.snapshot_combo.setCurrentIndex(0)
    with RunStore(tmp_path / "store.sqlite") as store:
        write_snapshot(store, 50, seed=2)

    screen.set_run_dir(tmp_path)  # the same folder again reads the snapshot list again

    assert screen.snapshot_combo.count() == 3
    assert screen.current_snapshot().id == 1


# -- export through the file dialog -------------------------------------------------------


def test_export_dialog_uses_filter_format(qtbot, small_run, tmp_path, monkeypatch):
    screen = make_screen(qtbot, small_run)
    target = tmp_path / "exports" / "snapshot"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args: (str(target), "Parquet (*.parquet)")
    )

    with qtbot.waitSignal(screen.export_finished, timeout=60_000) as blocker:
        screen.export_snapshot_button.click()

    written = blocker.args[0]
    assert written == target.with_name("snapshot.parquet")
    frame = pd.read_parquet(written)
    assert len(frame) == 250
    assert str(written) in screen.status_label.text()


def test_export_dialog_reports_failure(qtbot, small_run, tmp_path, monkeypatch):
    screen = make_screen(qtbot, small_run)
    blocker_file = tmp_path / "not_a_folder"
    blocker_file.write_text("x")
    target = blocker_file / "snapshot.csv"  # its parent is a file, so the export fails
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(target), ""))

    with qtbot.waitSignal(screen.export_failed, timeout=60_000):
        screen.export_snapshot_button.click()

    assert "Export failed" in screen.status_label.text()
    assert not target.exists()


# -- the real trained run -----------------------------------------------------------------


@pytest.mark.slow
def test_table_lists_every_user(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)
    info = screen.current_snapshot()
    snapshots = RunStore(trained_run_dir / "store.sqlite", create=False).list_snapshots()

    assert screen.pages.currentIndex() == 1
    # One snapshot per stage that trains the memory, so pretrain_sasrec writes none.
    assert [s.stage for s in snapshots][-2:] == ["joint_finetune", "end_to_end"]
    assert screen.snapshot_combo.count() == len(snapshots)
    assert info == snapshots[-1]
    assert info.num_users == 943
    screen.model.fetch_all()
    assert screen.model.rowCount() == 943
    assert screen.model.total_count == 943
    assert len(set(screen.model.column_values("user_id"))) == 943
    assert screen.snapshot_combo.currentText() == f"#{info.id} end_to_end epoch {info.epoch} (943 users)"


@pytest.mark.slow
def test_snapshot_csv_export_matches_store(qtbot, trained_run_dir, tmp_path):
    screen = make_screen(qtbot, trained_run_dir)
    info = screen.current_snapshot()

    path = screen.export_snapshot_to(tmp_path / "snapshot.csv", "csv")

    expected = RunStore(trained_run_dir / "store.sqlite", create=False).read_snapshot(info.id)
    frame = pd.read_csv(path, dtype={"user_id": str})
    assert frame["user_id"].tolist() == expected.user_ids
    assert frame["interaction_count"].tolist() == expected.interaction_count.tolist()
    np.testing.assert_allclose(frame["drift"], expected.drift, rtol=1e-6, equal_nan=True)
    vector_columns = [f"v{i}" for i in range(info.dim)]
    np.testing.assert_allclose(frame[vector_columns].to_numpy(), expected.vectors, rtol=1e-6)


@pytest.mark.slow
def test_user_exports_match_history(qtbot, trained_run_dir, tmp_path):
    screen = make_screen(qtbot, trained_run_dir)
    assert screen.select_user("1")
    history = RunStore(trained_run_dir / "store.sqlite", create=False).user_history("1")

    parquet = pd.read_parquet(screen.export_user_to(tmp_path / "user.parquet", "parquet"))
    as_json = pd.read_json(screen.export_user_to(tmp_path / "user.json", "json"))

    for frame in (parquet, as_json):
        assert frame["snapshot_id"].tolist() == history["snapshot_id"].tolist()
        assert frame["user_id"].astype(str).unique().tolist() == ["1"]
        np.testing.assert_allclose(
            np.stack(frame["vector"].to_list()), np.stack(history["vector"].to_list()), rtol=1e-6
        )


@pytest.mark.slow
def test_search_filters_rows(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)

    qtbot.keyClicks(screen.search_edit, "12")

    user_ids = screen.model.column_values("user_id")
    expected = [str(u) for u in range(1, 944) if "12" in str(u)]
    assert sorted(user_ids, key=int) == expected
    assert screen.model.rowCount() == len(expected)
    assert screen.count_label.text() == f"{len(expected)} of 943 users match"

    screen.search_edit.clear()
    assert screen.model.rowCount() == 943


@pytest.mark.slow
def test_sort_by_drift_descending(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)
    info = screen.current_snapshot()

    screen.table.sortByColumn(DRIFT_COLUMN, Qt.SortOrder.DescendingOrder)

    screen.model.fetch_all()
    drifts = screen.model.column_values("drift")
    finite = [d for d in drifts if d is not None]
    assert finite == sorted(finite, reverse=True)
    expected = RunStore(trained_run_dir / "store.sqlite", create=False).read_snapshot(info.id)
    assert finite[0] == pytest.approx(np.nanmax(expected.drift))
    assert screen.model.rowCount() == 943


@pytest.mark.slow
def test_selecting_user_fills_plots(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)
    screen.show()
    info = screen.current_snapshot()
    store = RunStore(trained_run_dir / "store.sqlite", create=False)

    row = 2
    rect = screen.table.visualRect(screen.model.index(row, 0))
    qtbot.mouseClick(screen.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())

    user_id = screen.model.user_id(row)
    assert screen.selected_user == user_id
    vector = store.user_vector(info.id, user_id)
    image = screen.detail.heatmap_image.image
    assert image.shape == (8, info.dim // 8)
    np.testing.assert_allclose(image.ravel(), vector, rtol=1e-6)

    history = store.user_history(user_id)
    norm_x, norm_y = screen.detail.history_curves["norm"].getData()
    assert len(history) == screen.snapshot_combo.count()
    assert len(norm_x) == len(history)
    np.testing.assert_allclose(norm_y, history["norm"], rtol=1e-6)
    _, change_y = screen.detail.history_curves["cosine_change"].getData()
    np.testing.assert_allclose(change_y, history["cosine_change"], rtol=1e-6, equal_nan=True)
    _, count_y = screen.detail.history_curves["interaction_count"].getData()
    assert count_y.tolist() == history["interaction_count"].astype(float).tolist()


@pytest.mark.slow
def test_selection_follows_snapshot_change(qtbot, trained_run_dir):
    screen = make_screen(qtbot, trained_run_dir)
    assert screen.select_user("42")
    store = RunStore(trained_run_dir / "store.sqlite", create=False)

    screen.snapshot_combo.setCurrentIndex(0)

    first = screen.current_snapshot()
    assert screen.model.snapshot_id == first.id
    assert screen.selected_user == "42"
    assert screen.model.user_id(screen.table.currentIndex().row()) == "42"
    np.testing.assert_allclose(
        screen.detail.heatmap_image.image.ravel(), store.user_vector(first.id, "42"), rtol=1e-6
    )



def test_new_run_opens_newest_snapshot(qtbot, tmp_path):
    for name, count in (("first", 3), ("second", 2)):
        (tmp_path / name).mkdir()
        with RunStore(tmp_path / name / "store.sqlite") as store:
            for seed in range(count):
                write_snapshot(store, 20, seed=seed)
    screen = make_screen(qtbot, tmp_path / "first")
    screen.snapshot_combo.setCurrentIndex(0)

    screen.set_run_dir(tmp_path / "second")

    assert screen.snapshot_combo.count() == 2
    assert screen.current_snapshot().id == 2
    assert screen.selected_user is None
