"""`ur4rec texts`: generate, audit and export LLM texts.

Exit codes: 0 on success, 3 when DashScope reports an exhausted quota, 130 when stopped
with Ctrl-C. After exit code 3 the finished texts stay in the cache, so a later run with
--resume continues. Other user errors raise `UR4RecError`, which `ur4rec.cli.main` turns
into a one-line message and exit code 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tqdm import tqdm

from ur4rec.data.fetch import locate_dataset
from ur4rec.data.loader import DATASET_KINDS, load_dataset
from ur4rec.data.split import leave_one_out
from ur4rec.errors import TextsError
from ur4rec.llm.api_key import (
    API_KEY_ENV,
    install_redacting_filter,
    mask_key,
    remove_redacting_filter,
    resolve_api_key,
)
from ur4rec.llm.cache import CACHE_FILE, TextCache
from ur4rec.llm.dashscope_client import DEFAULT_MODEL, DEFAULT_TIMEOUT_S, QuotaExhaustedError
from ur4rec.llm.generate import BACKENDS, GenerationSummary, generate_texts
from ur4rec.llm.leakage import audit_user_texts
from ur4rec.llm.prompts import TEXT_KINDS, load_template
from ur4rec.llm.sources import load_texts, text_file_path

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_QUOTA = 3
EXIT_INTERRUPTED = 130


def _emit(line: str, stream=None) -> None:
    (stream or sys.stdout).write(line + "\n")


def _add_data_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True,
                        help="data set folder (MovieLens) or file (CSV, SASRec text)")
    parser.add_argument("--data-kind", choices=DATASET_KINDS, default="ml-100k",
                        help="format of --data (default: ml-100k)")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `texts` command and its `generate`, `audit` and `export` subcommands."""
    texts = subparsers.add_parser(
        "texts", help="generate, audit and export LLM item and user texts",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = texts.add_subparsers(dest="texts_command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate", help="generate texts with DashScope (or offline templates) into a folder",
        epilog=f"The API key comes from {API_KEY_ENV}. Exit code 3: quota exhausted.",
    )
    generate.add_argument("--kind", choices=TEXT_KINDS, required=True,
                          help="generate item descriptions or user preference texts")
    _add_data_arguments(generate)
    generate.add_argument("--out", type=Path, required=True,
                          help=f"output folder for {CACHE_FILE} and the JSON export")
    generate.add_argument("--model", default=DEFAULT_MODEL,
                          help=f"DashScope model name (default: {DEFAULT_MODEL})")
    generate.add_argument("--max-concurrency", type=int, default=4,
                          help="maximum number of requests in flight (default: 4)")
    generate.add_argument("--limit", type=int, default=None,
                          help="only the first N items or users, in id order")
    generate.add_argument("--resume", action="store_true",
                          help="continue a run: request only texts the cache does not hold")
    generate.add_argument("--backend", choices=BACKENDS, default="dashscope",
                          help="dashscope (network, needs a key) or offline (template texts)")
    generate.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                          help="timeout of one request in seconds "
                          f"(default: {DEFAULT_TIMEOUT_S:g})")
    generate.set_defaults(func=run_generate)

    audit = commands.add_parser(
        "audit", help="count users whose text names their validation or test item")
    _add_data_arguments(audit)
    audit.add_argument("--texts", type=Path, required=True,
                       help="folder that contains user_preferences.json")
    audit.add_argument("--verbose", dest="list_leaks", action="store_true",
                       help="print one line per leaking user and held-out item")
    audit.set_defaults(func=run_audit)

    export = commands.add_parser("export", help="write the cached texts of a run as JSON")
    export.add_argument("--out", type=Path, required=True,
                        help=f"output folder of `texts generate` (contains {CACHE_FILE})")
    export.add_argument("--kind", choices=TEXT_KINDS, required=True, help="texts to export")
    export.add_argument("--model", default=None,
                        help="model whose texts to export (default: the only model in the cache "
                        f"for this template, else {DEFAULT_MODEL}; offline-template for the "
                        "offline backend)")
    export.add_argument("--template-hash", default=None,
                        help="prompt template hash (default: the current template's)")
    export.add_argument("--dest", type=Path, default=None,
                        help="JSON file to write (default: the usual file name in --out)")
    export.set_defaults(func=run_export)


@contextmanager
def _stop_on_interrupt(stop_event: threading.Event) -> Iterator[None]:
    """Turn Ctrl-C into a cooperative stop: requests in flight finish and are saved."""
    def request_stop(signum: int, frame: object) -> None:
        logger.warning("stop requested: waiting for the requests in flight")
        stop_event.set()

    previous = signal.signal(signal.SIGINT, request_stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _quiet_sdk_logging() -> Iterator[None]:
    # The SDK logs a traceback for every failed request and the client already logs one
    # line, so the SDK stays quiet unless debug logging is on (`ur4rec -v`).
    sdk_logger = logging.getLogger("dashscope")
    previous = sdk_logger.level
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        sdk_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        sdk_logger.setLevel(previous)


def run_generate(args: argparse.Namespace) -> int:
    """Run `ur4rec texts generate`."""
    api_key = resolve_api_key() if args.backend == "dashscope" else None
    redactor = install_redacting_filter(api_key) if api_key else None
    if api_key:
        logger.info("using DashScope key %s", mask_key(api_key))
    data = load_dataset(args.data_kind, locate_dataset(args.data_kind, args.data) or args.data)
    split = leave_one_out(data)
    stop_event = threading.Event()
    bars: list[tqdm] = []  # created at the first report, when the number of requests is known

    def progress(finished: int, pending: int, _summary: GenerationSummary) -> None:
        if not bars:
            bars.append(tqdm(total=pending, unit="text", desc=f"{args.kind[:-1]} texts",
                             dynamic_ncols=True))
        bars[0].update(finished - bars[0].n)

    try:
        with _stop_on_interrupt(stop_event), _quiet_sdk_logging():
            summary = generate_texts(
                args.kind, data, split, args.out, model=args.model,
                max_concurrency=args.max_concurrency, limit=args.limit, resume=args.resume,
                backend=args.backend, api_key=api_key, timeout_s=args.timeout,
                progress=progress, stop_event=stop_event,
                base_url=os.environ.get("DASHSCOPE_HTTP_BASE_URL") or None,
            )
    except QuotaExhaustedError as err:
        for bar in bars:
            bar.close()
        _emit(f"error: {err}", sys.stderr)
        if err.summary is not None:
            _emit(_summary_line(err.summary), sys.stderr)
        return EXIT_QUOTA
    finally:
        for bar in bars:
            bar.close()
        if redactor is not None:
            remove_redacting_filter(redactor)
    _emit(_summary_line(summary))
    return EXIT_INTERRUPTED if stop_event.is_set() else EXIT_OK


def _summary_line(summary: GenerationSummary) -> str:
    where = f"; wrote {summary.export_path}" if summary.export_path else ""
    stopped = " (stopped before the end)" if summary.stopped else ""
    return (
        f"{summary.kind}: {summary.done} generated, {summary.cached} already cached, "
        f"{summary.moderated} moderated, {summary.failed} failed, {summary.tokens} tokens"
        f"{stopped}{where}"
    )


def run_audit(args: argparse.Namespace) -> int:
    """Run `ur4rec texts audit`."""
    data = load_dataset(args.data_kind, locate_dataset(args.data_kind, args.data) or args.data)
    split = leave_one_out(data)
    path = text_file_path(args.texts, "users")
    if not path.is_file():
        raise TextsError(f"{path}: file not found; --texts must be a folder with user texts")
    user_texts = load_texts(path, data.user_raw_ids, "users").texts
    report = audit_user_texts(data, split, user_texts)
    if args.list_leaks:
        for leak in report.leaks:
            _emit(f"user {data.user_raw_ids[leak.user]}: names held-out item "
                  f"{data.item_raw_ids[leak.item]} {leak.title!r} as {leak.matched!r}")
    _emit(f"{len(report.leaking_users)} of {report.users_checked} user texts "
          f"({100.0 * report.share:.1f}%) name the user's validation or test item")
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    """Run `ur4rec texts export`."""
    cache_path = Path(args.out) / CACHE_FILE
    if not cache_path.is_file():
        raise TextsError(f"{cache_path}: no text cache found; run `ur4rec texts generate` first")
    template_hash = args.template_hash or load_template(args.kind).hash
    dest = args.dest or text_file_path(args.out, args.kind)
    if dest.is_dir():
        raise TextsError(f"{dest}: is a folder; --dest must name a JSON file, e.g. {dest / 'texts.json'}")
    with TextCache(cache_path) as cache:
        groups = cache.groups(args.kind)
        model = args.model
        if model is None:
            models = [name for name, digest, _ in groups if digest == template_hash]
            model = models[0] if len(models) == 1 else DEFAULT_MODEL
        if not any(name == model and digest == template_hash for name, digest, _ in groups):
            available = "; ".join(f"--model {m} --template-hash {h} ({n} texts)"
                                  for m, h, n in groups) or "none"
            raise TextsError(
                f"{cache_path}: no {args.kind[:-1]} texts for model {model!r} and template "
                f"{template_hash}; available: {available}"
            )
        count = cache.export_json(args.kind, model, template_hash, dest)
    _emit(f"wrote {count} {args.kind[:-1]} texts to {dest}")
    return EXIT_OK
