"""Take screenshots of every studio screen, in English and Simplified Chinese.

    python scripts/screenshots.py [--out docs/screenshots] [--languages en zh_CN]

Each language runs in its own process, which opens the studio in a 1440x900 window. It saves the
Config screen, valid and then with a validation error. It trains a tiny real run on
MovieLens-100K (one epoch per stage, small sizes) and saves the Run screen during and after it.
It opens the run on the Memory and User screens. Last, on the Texts screen, it writes offline
template texts for 60 users, audits the shared LLM texts and shows one user's text.

Without a display the script restarts itself under `xvfb-run`. Install it with
`apt-get install xvfb libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
libxcb-render-util0 libxcb-xkb1 libxcb-cursor0 fonts-noto-cjk` (the CJK fonts draw the Chinese
text). The data come from UR4REC_ML100K_SOURCE and UR4REC_TEXTS_SOURCE, by default the shared
data folder beside the repository (override its location with UR4REC_SHARED_DATA).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
WINDOW_SIZE = (1440, 900)
TINY_OVERRIDES = [
    "training.epochs_per_stage=1",
    "data.max_seq_len=10",
    "sasrec.hidden_dim=16",
    "moe.hidden_dim=16",
    "training.batch_size=128",
    "training.num_negatives=20",
    "training.max_eval_users=200",
]
SCREEN_TIMEOUT_S = 600


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "screenshots",
                        help="folder for the PNG files (default docs/screenshots)")
    parser.add_argument("--languages", nargs="+", default=["en", "zh_CN"], choices=["en", "zh_CN"])
    parser.add_argument("--workdir", type=Path,
                        help="folder for settings, data and runs (default: a temporary folder)")
    parser.add_argument("--language", help=argparse.SUPPRESS)  # one language, in a child process
    return parser.parse_args()


def set_data_sources() -> None:
    shared = Path(os.environ.get("UR4REC_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    os.environ.setdefault("UR4REC_ML100K_SOURCE", str(shared / "ml-100k"))
    os.environ.setdefault("UR4REC_TEXTS_SOURCE", str(shared / "llm-generated" / "ml-100k"))


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                or os.environ.get("QT_QPA_PLATFORM"))


def main() -> int:
    args = parse_args()
    set_data_sources()
    if args.language:
        return capture_language(args.language, args.out, args.workdir)
    if not has_display():
        xvfb_run = shutil.which("xvfb-run")
        if xvfb_run is None:
            print("no display and no xvfb-run; install xvfb or set QT_QPA_PLATFORM=offscreen",
                  file=sys.stderr)
            return 2
        command = [xvfb_run, "-a", "-s", "-screen 0 1920x1200x24", sys.executable, *sys.argv]
        return subprocess.call(command)
    args.out.mkdir(parents=True, exist_ok=True)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="ur4rec-screenshots-"))
    for language in args.languages:
        command = [sys.executable, __file__, "--language", language, "--out", str(args.out),
                   "--workdir", str(workdir / language)]
        code = subprocess.call(command)
        if code:
            return code
    print(f"screenshots written to {args.out}")
    return 0


def capture_language(language: str, out: Path, workdir: Path) -> int:
    sys.path.insert(0, str(REPO_ROOT))
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translators
    from app.main_window import MainWindow
    from app.preload import preload_training_modules
    from app.settings import Settings
    from ur4rec.config import load_config

    workdir.mkdir(parents=True, exist_ok=True)
    app = QApplication([sys.argv[0]])
    preload_training_modules()
    translators = install_translators(app, language)  # noqa: F841 (kept alive until exit)
    settings = Settings.from_file(workdir / "settings.ini")
    settings.language = language
    settings.data_folder = workdir
    settings.runs_folder = workdir / "runs"
    window = MainWindow(settings)
    window.confirm = lambda title, text: True
    window.resize(*WINDOW_SIZE)
    window.show()
    shooter = Shooter(app, window, out, language)

    cache = REPO_ROOT / ".cache" / "embeddings"
    overrides = [*TINY_OVERRIDES, f"data.data_dir={workdir / 'data' / 'ml-100k'}",
                 f"data.texts_dir={workdir / 'data' / 'texts'}", f"text.cache_dir={cache}"]
    config = load_config(REPO_ROOT / "configs" / "quick.yaml", overrides)
    config_path = workdir / "configs" / "quick-tiny.yaml"
    from ur4rec.config import save_config

    save_config(config, config_path)
    window.open_config(config_path)
    shooter.take(window.config_screen, "config")
    capture_invalid_config(window, shooter)

    run_dir = capture_run(window, shooter)
    capture_memory(window, shooter, run_dir)
    capture_user(window, shooter)
    capture_texts(window, shooter, workdir)
    window.close()
    return 0


class Shooter:
    """Saves the whole window as `<out>/<language>-<name>.png` after the UI settles."""

    def __init__(self, app, window, out: Path, language: str) -> None:
        self.app, self.window, self.out, self.language = app, window, out, language

    def settle(self, seconds: float = 0.5) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.app.processEvents()
            time.sleep(0.02)

    def wait_until(self, condition, what: str, timeout: float = SCREEN_TIMEOUT_S) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
            self.app.processEvents()
            time.sleep(0.02)

    def take(self, screen, name: str) -> Path:
        self.window.tabs.setCurrentWidget(screen)
        self.settle()
        path = self.out / f"{self.language}-{name}.png"
        self.window.grab().save(str(path))
        print(f"wrote {path}")
        return path


def capture_invalid_config(window, shooter: Shooter) -> None:
    screen = window.config_screen
    valid_text = screen.yaml_text()
    screen.tabs.setCurrentIndex(1)
    screen.yaml_edit.setPlainText(valid_text.replace("hidden_dim: 16", "hidden_dim: 4", 1))
    screen.apply_yaml_text()
    shooter.take(screen, "config-yaml-invalid")
    screen.tabs.setCurrentIndex(0)
    shooter.take(screen, "config-form-invalid")
    screen.yaml_edit.setPlainText(valid_text)
    screen.apply_yaml_text()


def capture_run(window, shooter: Shooter) -> Path:
    from ur4rec.training import events as ev

    run = window.run_screen
    stages_started: list[str] = []
    run.relay.batchReady.connect(lambda batch: stages_started.extend(
        event.stage for event in batch.events if isinstance(event, ev.StageStarted)))
    window.tabs.setCurrentWidget(run)
    run.start_run()
    shooter.wait_until(lambda: "end_to_end" in stages_started or not run.is_running(), "end_to_end")
    shooter.settle(2.0)
    shooter.take(run, "run-live")
    shooter.wait_until(lambda: not run.is_running(), "the end of the run")
    shooter.take(run, "run-finished")
    run.bottom_tabs.setCurrentWidget(run.log_view)
    shooter.take(run, "run-log")
    run.bottom_tabs.setCurrentWidget(run.metrics)
    return run.run_folder()


def capture_memory(window, shooter: Shooter, run_dir: Path) -> None:
    window.open_run_dir(run_dir)
    memory = window.memory_screen
    shooter.settle(2.0)
    memory.select_user("1")
    shooter.settle(2.0)
    shooter.take(memory, "memory")


def capture_user(window, shooter: Shooter) -> None:
    user = window.user_screen
    shown: list[str] = []
    user.report_shown.connect(shown.append)
    user.error_shown.connect(shown.append)
    window.tabs.setCurrentWidget(user)
    user.request_recommendations(user_id="1", k=10)
    shooter.wait_until(lambda: bool(shown), "the recommendations")
    shooter.take(user, "user")


def capture_texts(window, shooter: Shooter, workdir: Path) -> None:
    texts = window.texts_screen
    # The run imported MovieLens into data/ml-100k/ml-100k; the screen finds that subfolder.
    texts.set_source("ml-100k", workdir / "data" / "ml-100k", workdir / "generated-texts")
    panel = texts.generation
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData("users"))
    panel.backend_combo.setCurrentIndex(panel.backend_combo.findData("offline"))
    panel.limit_spin.setValue(60)
    window.tabs.setCurrentWidget(texts)
    panel.start()
    shooter.wait_until(lambda: not panel.is_running(), "the text generation")
    if panel.last_summary is None:
        raise RuntimeError(f"text generation failed: {texts.banner.message()}")
    texts.audit.set_folder(workdir / "data" / "texts")
    texts.audit.run_audit()
    shooter.wait_until(lambda: texts.audit.run_button.isEnabled(), "the audit")
    if texts.audit.result is None:
        raise RuntimeError(f"the audit failed: {texts.banner.message()}")
    texts.audit.table.setCurrentCell(0, 0)
    texts.browser.select_raw_id("5")
    shooter.settle(1.0)
    shooter.take(texts, "texts")


if __name__ == "__main__":
    raise SystemExit(main())
