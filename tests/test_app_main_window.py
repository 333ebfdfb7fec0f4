"""Main window: the studio entry point, the File menu and a clean exit during training."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

pytest_plugins = ("qt_helpers",)

REPO_ROOT = Path(__file__).resolve().parents[1]

DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path

    sys.path[:0] = [{repo!r}, {tests!r}]
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from app.preload import preload_training_modules
    from app.settings import Settings
    from qt_helpers import tiny_config
    from ur4rec.training import events as ev

    root = Path({root!r})
    app = QApplication(sys.argv)
    preload_training_modules()
    settings = Settings.from_file(root / "settings.ini")
    settings.runs_folder = root / "runs"
    window = MainWindow(settings)
    window.confirm = lambda title, text: True
    window.config_screen.load_config(tiny_config(root, Path({cache!r}), ["pretrain_sasrec"]))
    app.aboutToQuit.connect(window.shutdown)
    window.show()

    def close_after_first_step(batch):
        if any(isinstance(event, ev.StepLoss) for event in batch.events):
            window.close()

    window.run_screen.relay.batchReady.connect(close_after_first_step)
    window.run_screen.start_run()
    thread = window.run_screen.controller.worker_thread
    code = app.exec()
    print("thread finished:", thread.isFinished())
    sys.exit(code)
""")


def test_studio_exits_cleanly_mid_run(tmp_path, embedding_cache, ml100k_dir, texts_dir):
    script = tmp_path / "drive_studio.py"
    script.write_text(DRIVER.format(repo=str(REPO_ROOT), tests=str(REPO_ROOT / "tests"),
                                    root=str(tmp_path), cache=str(embedding_cache)))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "UR4REC_ML100K_SOURCE": str(ml100k_dir), "UR4REC_TEXTS_SOURCE": str(texts_dir)}

    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                          timeout=300)

    assert done.returncode == 0, done.stderr[-3000:]
    assert "thread finished: True" in done.stdout
    assert "QThread: Destroyed" not in done.stderr
    runs = list((tmp_path / "runs").iterdir())
    assert len(runs) == 1
    assert (runs[0] / "checkpoints" / "pretrain_sasrec" / "last.pt").is_file()


def test_run_studio_returns_zero(tmp_path):
    # A subprocess, because quitting the test session's QApplication would end later event loops.
    script = tmp_path / "start_studio.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        from app.main_window import run_studio

        app = QApplication(sys.argv)
        QTimer.singleShot(500, app.quit)
        sys.exit(run_studio(sys.argv))
    """))
    # The studio's QSettings file goes to XDG_CONFIG_HOME, kept under tmp_path here.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}

    done = subprocess.run([sys.executable, str(script)], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "xdg" / "UR4Rec" / "UR4Rec Studio.conf").is_file()


def test_recent_configs_menu_lists_opened_files(main_window, tmp_path):
    first = tmp_path / "first.yaml"
    first.write_text("training:\n  seed: 1\n", encoding="utf-8")
    second = tmp_path / "second.yaml"
    second.write_text("training:\n  seed: 2\n", encoding="utf-8")
    main_window.open_config(first)
    main_window.open_config(second)

    main_window._fill_recent_configs()
    entries = [action.text() for action in main_window.recent_configs_menu.actions()]
    assert entries[:2] == [str(second.resolve()), str(first.resolve())]

    main_window.recent_configs_menu.actions()[1].trigger()
    assert main_window.config_screen.path == Path(str(first.resolve()))
    assert main_window.config_screen.config.training.seed == 1
    assert main_window.windowTitle().startswith("first")


def test_status_bar_shows_run_state(main_window):
    assert main_window.run_state.text() == "Idle"
    main_window._on_running_changed(True)
    assert main_window.run_state.text() == "Training"
