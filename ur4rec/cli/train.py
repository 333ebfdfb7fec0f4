"""`ur4rec train`: train a config through its stages into a run directory."""

from __future__ import annotations

import argparse
import logging
import signal
from datetime import datetime
from pathlib import Path

from ur4rec.cli.reporting import ProgressPrinter, results_table
from ur4rec.config import STAGES, TEXT_POLICIES, load_config
from ur4rec.training import events as ev
from ur4rec.training.runner import start_run

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train a config through its stages")
    parser.add_argument("--config", required=True, type=Path, help="YAML config file")
    parser.add_argument("--data", help="data folder (overrides data.data_dir)")
    parser.add_argument("--texts", help="LLM texts folder (overrides data.texts_dir)")
    parser.add_argument("--texts-policy", choices=TEXT_POLICIES,
                        help="what to do with user texts that name a held-out item")
    parser.add_argument("--output", type=Path, help="run directory (default runs/<config>-<time>)")
    parser.add_argument("--stages", nargs="+", choices=STAGES, help="run only these stages")
    parser.add_argument("--resume", action="store_true", help="continue the run in --output")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                        help="override a config value, e.g. training.seed=7 or fusion_method=learned")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    parser.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    overrides = list(args.overrides)
    if args.data:
        overrides.append(f"data.data_dir={args.data}")
    if args.texts:
        overrides.append(f"data.texts_dir={args.texts}")
    if args.texts_policy:
        overrides.append(f"data.texts_policy={args.texts_policy}")
    config = load_config(args.config, overrides)
    output = args.output or Path("runs") / f"{args.config.stem}-{datetime.now():%Y%m%d-%H%M%S}"

    bus = ev.EventBus()
    bus.subscribe(ProgressPrinter(enabled=not args.no_progress))
    stop = ev.StopToken()
    previous = signal.signal(signal.SIGINT, lambda *_: _request_stop(stop))
    try:
        results = start_run(config, output, stages=args.stages, resume=args.resume, bus=bus, stop=stop)
    finally:
        signal.signal(signal.SIGINT, previous)
    print(results_table(results))
    print(f"run directory: {output}")
    if stop.stop_requested:
        print(f"stopped; continue with: ur4rec train --config {args.config} --output {output} --resume")
        return 130
    return 0


def _request_stop(stop: ev.StopToken) -> None:
    if stop.stop_requested:
        raise KeyboardInterrupt
    logger.warning("stopping after the current batch (press Ctrl-C again to abort at once)")
    stop.request_stop()
