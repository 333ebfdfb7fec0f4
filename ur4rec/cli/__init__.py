"""Command line of UR4Rec: ``ur4rec`` or ``python -m ur4rec.cli``.

Errors caused by input (a bad config key, a missing file, an unknown user) print one line and
exit with code 2; other exceptions keep their traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ur4rec import __version__
from ur4rec.errors import UR4RecError


def build_parser() -> argparse.ArgumentParser:
    from ur4rec.cli import data, runs, texts, train

    parser = argparse.ArgumentParser(prog="ur4rec", description="Train and inspect UR4Rec models.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    train.register(subparsers)
    runs.register(subparsers)
    data.register(subparsers)
    texts.register(subparsers)
    return parser


def configure_logging(verbose: bool, quiet: bool) -> None:
    level = logging.INFO
    if verbose:
        level = logging.DEBUG
    elif quiet:
        level = logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%H:%M:%S", stream=sys.stderr)
    for noisy in ("sentence_transformers", "transformers", "httpx", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    configure_logging(args.verbose, args.quiet)
    try:
        return int(args.func(args) or 0)
    except UR4RecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
