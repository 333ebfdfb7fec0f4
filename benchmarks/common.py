"""Shared parts of the benchmark scripts: machine facts, timing, peak RSS, output and data setup.

Every script prints its figures as a table and, with `--json`, writes one JSON object to stdout
(the tables then go to stderr), together with the machine and software they were measured on.
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    # `python benchmarks/x.py` puts benchmarks/ on sys.path, not the repository root.
    sys.path.insert(0, str(REPO_ROOT))

import torch  # noqa: E402

from ur4rec.config import Config, load_config  # noqa: E402
from ur4rec.training.runner import resolve_paths  # noqa: E402

SHARED_DATA_ENV = "UR4REC_SHARED_DATA"
ML100K_SOURCE_ENV = "UR4REC_ML100K_SOURCE"
TEXTS_SOURCE_ENV = "UR4REC_TEXTS_SOURCE"
QUICK_CONFIG = REPO_ROOT / "configs" / "quick.yaml"


# -- command line ---------------------------------------------------------------------------


def add_config_arguments(parser: argparse.ArgumentParser, config_help: str, set_help: str) -> None:
    """Add --config (default configs/quick.yaml) and repeatable --set KEY=VALUE overrides."""
    parser.add_argument("--config", type=Path, default=QUICK_CONFIG, help=config_help)
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE", help=set_help)


def base_parser(description: str) -> argparse.ArgumentParser:
    """Return a parser with the options every benchmark takes: --json, --data-root, --verbose."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--json",
        action="store_true",
        help="write the figures as one JSON object to stdout (tables go to stderr)",
    )
    parser.add_argument(
        "--data-root",
        type=Path,
        default=None,
        help=f"folder holding ml-100k/, llm-generated/ and sasrec/ (default: "
        f"${SHARED_DATA_ENV} or ../shared/data beside the repository)",
    )
    parser.add_argument("--verbose", action="store_true", help="log the library's INFO messages to stderr")
    return parser


def setup_logging(verbose: bool) -> None:
    """Log to stderr: INFO and above with `verbose`, else warnings and errors only.

    The level is set on the handler too, because the studio's training controller lowers the
    level of the `ur4rec` and `app` loggers to INFO while a run is going.
    """
    level = logging.INFO if verbose else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


# -- data -----------------------------------------------------------------------------------


def shared_data_root(data_root: Path | None = None) -> Path:
    """Return the shared data folder: `data_root`, else $UR4REC_SHARED_DATA, else ../shared/data."""
    if data_root is not None:
        return data_root.expanduser().resolve()
    return Path(os.environ.get(SHARED_DATA_ENV, REPO_ROOT.parent / "shared" / "data")).resolve()


def setup_data_env(data_root: Path | None = None) -> Path:
    """Let runs import MovieLens-100K and its LLM texts from the shared data folder.

    The library copies them from `UR4REC_ML100K_SOURCE` and `UR4REC_TEXTS_SOURCE` into the
    configured `data_dir` and `texts_dir` when those folders are empty. Variables already set
    in the environment are kept. Returns the shared data folder.
    """
    root = shared_data_root(data_root)
    if not (root / "ml-100k" / "u.data").is_file():
        raise SystemExit(
            f"MovieLens-100K not found in {root / 'ml-100k'}; pass --data-root or set "
            f"{SHARED_DATA_ENV} to the folder that holds ml-100k/"
        )
    os.environ.setdefault(ML100K_SOURCE_ENV, str(root / "ml-100k"))
    os.environ.setdefault(TEXTS_SOURCE_ENV, str(root / "llm-generated" / "ml-100k"))
    return root


def load_bench_config(path: Path, overrides: Sequence[str] = ()) -> Config:
    """Load a config with `key=value` overrides.

    Relative data, texts and cache paths resolve against the repository root, so a benchmark
    reads and caches the same files from any working directory.
    """
    config = load_config(Path(path), list(overrides))
    return resolve_paths(config, REPO_ROOT)


# -- machine and measurements ---------------------------------------------------------------


def total_memory_gib() -> float | None:
    """Total memory from /proc/meminfo in GiB, or None where that file does not exist."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024**2, 1)  # the file reports kB
    except OSError:
        return None
    return None


def _git_output(*args: str) -> str | None:
    """Return the stripped output of `git ARGS` in the repository, or None when git fails."""
    try:
        result = subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip()


def git_commit() -> str:
    return _git_output("rev-parse", "--short", "HEAD") or "unknown"


def git_dirty() -> bool | None:
    """True when tracked files differ from HEAD, so a figure may not belong to the commit alone."""
    output = _git_output("status", "--porcelain", "--untracked-files=no")
    return None if output is None else bool(output)


def load_average() -> list[float] | None:
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except OSError:
        return None


def machine_info() -> dict[str, Any]:
    """Return the context a figure needs: machine, software, commit, date and current load."""
    return {
        "cores": os.cpu_count(),
        "memory_gib": total_memory_gib(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "git_commit": git_commit(),
        "git_dirty": git_dirty(),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_average": load_average(),
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports ru_maxrss in KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def time_call(action: Callable[[], Any], repeats: int = 1, warmup: int = 0) -> dict[str, float]:
    """Run `action` `warmup` times untimed, then `repeats` times timed.

    Returns the mean, median, min and max in seconds, and the number of repeats.
    """
    for _ in range(warmup):
        action()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        seconds.append(time.perf_counter() - start)
    return summarize(seconds)


def summarize(seconds: Sequence[float]) -> dict[str, float]:
    return {
        "mean": statistics.fmean(seconds),
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "repeats": len(seconds),
    }


# -- output ---------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """Format a table cell: metrics below 1 with 4 decimals, larger numbers with fewer."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.2e}"
        digits = 1
        if abs(value) < 1:
            digits = 4
        elif abs(value) < 100:
            digits = 2
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> str:
    """Return an aligned text table; numbers are right-aligned, text left-aligned."""
    cells = [[format_value(value) for value in row] for row in rows]
    widths = [max([len(h)] + [len(row[i]) for row in cells]) for i, h in enumerate(headers)]
    numeric = [
        bool(rows) and all(isinstance(row[i], int | float) or row[i] is None for row in rows)
        for i in range(len(headers))
    ]

    def line(values: Sequence[str]) -> str:
        columns = zip(values, widths, numeric, strict=True)
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in columns]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out.append(line(headers))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def format_machine(info: dict[str, Any]) -> str:
    memory = f"{info['memory_gib']} GiB" if info["memory_gib"] is not None else "unknown memory"
    dirty = " (with uncommitted changes)" if info.get("git_dirty") else ""
    load = info.get("load_average")
    load_text = f", load average {' '.join(str(v) for v in load)}" if load else ""
    return (
        f"Machine: {info['cores']} cores, {memory}{load_text}; {info['platform']}\n"
        f"Python {info['python']}, torch {info['torch']} with {info['torch_threads']} threads; "
        f"commit {info['git_commit']}{dirty}; {info['date']}"
    )


class Report:
    """Collect tables and notes for the reader and one JSON object for --json."""

    def __init__(self, name: str, as_json: bool) -> None:
        self.name = name
        self.as_json = as_json
        self.sections: list[str] = []
        self.data: dict[str, Any] = {"benchmark": name}

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "") -> None:
        self.sections.append(format_table(headers, rows, title))

    def note(self, text: str, wrap: bool = False) -> None:
        """Add a paragraph; with `wrap`, break it into lines of at most 100 characters."""
        self.sections.append(textwrap.fill(text, 100) if wrap else text)

    def finish(self) -> None:
        """Print the machine, the tables and notes, and with --json the JSON object on stdout."""
        info = machine_info()
        self.data["machine"] = info
        text = "\n\n".join([f"== {self.name} ==", format_machine(info), *self.sections])
        if self.as_json:
            print(text, file=sys.stderr)
            json.dump(self.data, sys.stdout, indent=2, default=_json_default)
            print()
        else:
            print(text)


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
