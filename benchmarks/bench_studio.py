"""Benchmark how responsive the studio's UI thread stays while it trains a small run.

    python benchmarks/bench_studio.py [--set key=value ...] [--interval-ms 10] [--json]

The studio runs offscreen (QT_QPA_PLATFORM=offscreen). The Run screen starts a run of the quick
config shrunk to seconds per stage, and a repeating QTimer on the UI thread records how late each
timeout fires: lateness = the gap between two timeouts minus the interval. Late timeouts mean a
user would see the window stutter. A short idle phase before the run gives the baseline.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import common  # noqa: E402
import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.event_relay import EventBatch  # noqa: E402
from app.settings import Settings  # noqa: E402
from ur4rec.training import events as ev  # noqa: E402

# The quick config shrunk like the studio's tests: one epoch per stage with small sizes.
SMALL_OVERRIDES = [
    "training.epochs_per_stage=1",
    "data.max_seq_len=20",
    "sasrec.hidden_dim=32",
    "moe.hidden_dim=32",
    "training.batch_size=256",
    "training.max_eval_users=200",
]
FIRST_PAINT_S = 1.0


class LatenessTimer:
    """A repeating precise QTimer that stores when each timeout ran."""

    def __init__(self, interval_ms: int) -> None:
        self.interval_ms = interval_ms
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.append(time.perf_counter())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def lateness_ms(self, since: float = float("-inf"), until: float = float("inf")) -> np.ndarray:
        """Lateness of the timeouts that fired in [since, until), in ms."""
        ticks = np.array(self.ticks)
        gaps_ms = np.diff(ticks) * 1000.0
        inside = (ticks[1:] >= since) & (ticks[1:] < until)
        return np.maximum(gaps_ms[inside] - self.interval_ms, 0.0)


class PhaseMarks:
    """When the UI thread received the run's first event and its first training step."""

    def __init__(self) -> None:
        self.run_started: float | None = None
        self.first_step: float | None = None

    def on_batch(self, batch: EventBatch) -> None:
        now = time.perf_counter()
        for event in batch.events:
            if isinstance(event, ev.RunStarted) and self.run_started is None:
                self.run_started = now
            if isinstance(event, ev.StepLoss) and self.first_step is None:
                self.first_step = now


def parse_args():
    parser = common.base_parser(__doc__.splitlines()[0])
    common.add_config_arguments(
        parser,
        "config to train (default: configs/quick.yaml, shrunk)",
        "override a config value after the built-in shrinking (repeatable)",
    )
    parser.add_argument("--interval-ms", type=int, default=10, help="timer interval (default 10 ms)")
    parser.add_argument(
        "--idle-s",
        type=float,
        default=2.0,
        help="seconds of idle baseline before the run (default 2)",
    )
    parser.add_argument(
        "--timeout-s",
        type=float,
        default=900.0,
        help="give up waiting for the run after this many seconds (default 900)",
    )
    return parser.parse_args()


def spin(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def run_with_screen(
    settings: Settings, config, timeout_s: float, marks: PhaseMarks, before_start: Callable[[], None]
) -> dict:
    """Start the run from the Run screen, as the Run all stages button does, and wait for it.

    `before_start` runs once the screen is shown and painted, just before the run starts.
    """
    from app.screens.run_screen import RunScreen

    screen = RunScreen(settings)
    screen.resize(1280, 800)
    screen.show()
    screen.relay.batchReady.connect(marks.on_batch)
    screen.set_config(config, "bench-studio")
    # The first paint of the plots is a one-time cost of opening the screen, not of training.
    spin(FIRST_PAINT_S)
    before_start()
    loop = QEventLoop()
    screen.controller.ended.connect(loop.quit)
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    start = time.perf_counter()
    started = screen.start_run()
    start_call_s = time.perf_counter() - start
    if not started:
        return {
            "driver": "RunScreen",
            "error": screen.banner.message() or "start_run returned False",
        }
    loop.exec()
    wall = time.perf_counter() - start
    timed_out = screen.is_running()
    if timed_out:
        screen.shutdown()
    return {
        "driver": "RunScreen",
        "wall_s": wall,
        "timed_out": timed_out,
        "error": screen.banner.message(),
        "start_call_s": start_call_s,
        "start": start,
    }


def run_with_controller(
    settings: Settings, config, timeout_s: float, marks: PhaseMarks, before_start: Callable[[], None]
) -> dict:
    """Start the run through the worker's controller when the Run screen cannot be used."""
    from app.event_relay import EventRelay
    from app.training_worker import RunRequest, TrainingController

    relay = EventRelay()
    relay.batchReady.connect(marks.on_batch)
    controller = TrainingController(relay)
    errors: list[str] = []
    controller.failed.connect(lambda error: errors.append(error.message))
    loop = QEventLoop()
    controller.ended.connect(loop.quit)
    before_start()
    QTimer.singleShot(int(timeout_s * 1000), loop.quit)
    start = time.perf_counter()
    controller.start(RunRequest(config, settings.runs_folder / "bench-studio", base_folder=settings.data_folder))
    start_call_s = time.perf_counter() - start
    loop.exec()
    wall = time.perf_counter() - start
    timed_out = controller.is_running()
    if timed_out:
        controller.shutdown()
    return {
        "driver": "TrainingController",
        "wall_s": wall,
        "timed_out": timed_out,
        "error": errors[0] if errors else "",
        "start_call_s": start_call_s,
        "start": start,
    }


def ui_thread_collector(app: QApplication):
    """Start collecting garbage on the UI thread as run_studio does; return None in a studio without that step."""
    try:
        from app.gc_guard import UiThreadCollector
    except ImportError:
        return None
    collector = UiThreadCollector(app)
    app.aboutToQuit.connect(collector.stop)
    return collector


def preload() -> float | None:
    """Import the training modules as `run_studio` does before its window opens; return the seconds.

    Returns None when this version of the studio has no preload step.
    """
    try:
        from app.preload import preload_training_modules
    except ImportError:
        return None
    start = time.perf_counter()
    preload_training_modules()
    return time.perf_counter() - start


def screen_usable() -> bool:
    try:
        from app.screens.run_screen import RunScreen
    except ImportError:
        return False
    return all(hasattr(RunScreen, name) for name in ("set_config", "start_run", "is_running"))


def stats(lateness: np.ndarray) -> dict:
    if len(lateness) == 0:
        return {"timeouts": 0, "p50_ms": None, "p99_ms": None, "max_ms": None, "over_100ms": 0}
    return {
        "timeouts": int(len(lateness)),
        "p50_ms": float(np.percentile(lateness, 50)),
        "p99_ms": float(np.percentile(lateness, 99)),
        "max_ms": float(lateness.max()),
        "over_100ms": int((lateness > 100).sum()),
    }


def startup_note(run: dict) -> str:
    """Describe the work done on the UI thread before the run: the module preload and the start call."""
    if run.get("preload_s") is None:
        preload_text = "this studio has no preload step"
    else:
        preload_text = f"{run['preload_s']:.2f} s, before the timer started, as run_studio does before its window opens"
    start_text = "-" if run.get("start_call_s") is None else f"{run['start_call_s'] * 1000:.0f} ms"
    collections = run.get("ui_thread_gc_collections")
    gc_text = (
        "Garbage collection runs in any thread (this studio has no UI-thread collector)."
        if collections is None
        else f"Garbage collection ran on the UI thread only: {collections} collections, inside the timings."
    )
    return (
        f"Importing the training modules: {preload_text}. The start call itself ran on the UI thread for "
        f"{start_text}. {gc_text}"
    )


def report(args, run: dict, phases: dict, overrides: list[str]) -> None:
    out = common.Report("bench_studio", args.json)
    if run["driver"] == "RunScreen":
        driver_note = "driven through the Run screen (RunScreen.start_run)"
    else:
        driver_note = "driven through TrainingController directly: the Run screen was not usable"
    out.note(
        f"Config {args.config} {' '.join(overrides)}\nRun {driver_note}; "
        f"{run.get('wall_s', 0):.1f} s wall; timer interval {args.interval_ms} ms"
    )

    out.table(
        ["phase", "timeouts", "p50 late ms", "p99 late ms", "max late ms", "late > 100 ms"],
        [[name, s["timeouts"], s["p50_ms"], s["p99_ms"], s["max_ms"], s["over_100ms"]] for name, s in phases.items()],
        "QTimer lateness on the UI thread (gap between timeouts minus the interval)",
    )
    out.note(startup_note(run), wrap=True)
    if run.get("error"):
        out.note(f"The run reported an error: {run['error']}")
    if run.get("timed_out"):
        out.note(f"The run did not finish within {args.timeout_s:.0f} s and was stopped.")
    out.note(
        "Phases: 'preparing' runs from the start request until the UI thread received the "
        "first StepLoss (data, texts and embeddings load in the worker thread); 'training' "
        "from there to the end of the run.",
        wrap=True,
    )

    run_figures = {key: value for key, value in run.items() if key != "start"}
    out.data.update(
        {
            "config": str(args.config),
            "overrides": overrides,
            "interval_ms": args.interval_ms,
            "run": run_figures,
            "phases": phases,
            "peak_rss_mb": common.peak_rss_mb(),
        }
    )
    out.finish()


def main() -> None:
    args = parse_args()
    common.setup_logging(args.verbose)
    common.setup_data_env(args.data_root)
    overrides = [*SMALL_OVERRIDES, *args.overrides]
    config = common.load_bench_config(args.config, overrides)
    app = QApplication.instance() or QApplication([])
    collector = ui_thread_collector(app)
    preload_s = preload()
    with tempfile.TemporaryDirectory(prefix="ur4rec-bench-studio-") as folder:
        settings = Settings.from_file(Path(folder) / "settings.ini")
        settings.data_folder = common.REPO_ROOT
        settings.runs_folder = Path(folder) / "runs"
        timer = LatenessTimer(args.interval_ms)
        marks = PhaseMarks()

        def measure_idle() -> None:
            timer.start()
            spin(args.idle_s)

        driver = run_with_screen if screen_usable() else run_with_controller
        run = driver(settings, config, args.timeout_s, marks, measure_idle)
        timer.stop()
        app.processEvents()
    run["preload_s"] = preload_s
    run["ui_thread_gc_collections"] = None if collector is None else collector.collections
    start = run.get("start", float("inf"))
    first_step = marks.first_step or float("inf")
    phases = {
        "idle (before the run)": stats(timer.lateness_ms(until=start)),
        "preparing": stats(timer.lateness_ms(since=start, until=first_step)),
        "training": stats(timer.lateness_ms(since=first_step)),
        "whole run": stats(timer.lateness_ms(since=start)),
    }
    report(args, run, phases, overrides)


if __name__ == "__main__":
    main()
