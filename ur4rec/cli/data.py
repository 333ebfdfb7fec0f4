"""The `ur4rec data` commands: import, fetch and inspect data sets."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from ur4rec.data.fetch import DATASETS, fetch_dataset, import_dataset
from ur4rec.data.loader import DATASET_KINDS, load_dataset
from ur4rec.data.split import MIN_EVAL_INTERACTIONS

DEFAULT_DATA_DIR = Path("data")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `data` command group with its `import`, `fetch` and `info` commands."""
    data = subparsers.add_parser("data", help="import, download and inspect data sets")
    commands = data.add_subparsers(dest="data_command", metavar="COMMAND", required=True)

    import_parser = commands.add_parser(
        "import", help="copy a local data set folder or .zip into the data folder, verified"
    )
    import_parser.add_argument("name", choices=sorted(DATASETS), help="data set to import")
    import_parser.add_argument(
        "--source", type=Path, required=True, help="unpacked data set folder or its .zip archive"
    )
    _add_dest_argument(import_parser)
    import_parser.set_defaults(func=run_import)

    fetch_parser = commands.add_parser(
        "fetch", help="download a data set into the data folder and verify its checksums"
    )
    fetch_parser.add_argument("name", choices=sorted(DATASETS), help="data set to download")
    _add_dest_argument(fetch_parser)
    fetch_parser.add_argument("--url", help="archive URL (default: the publisher's archive)")
    fetch_parser.add_argument("--sha256", help="expected SHA-256 of the archive, 64 hex digits")
    fetch_parser.set_defaults(func=run_fetch)

    info_parser = commands.add_parser("info", help="print the size of a data set")
    info_parser.add_argument("--kind", required=True, choices=DATASET_KINDS, help="file format")
    info_parser.add_argument(
        "--path", type=Path, required=True, help="data set folder (MovieLens) or file"
    )
    info_parser.set_defaults(func=run_info)


def _say(text: str) -> None:
    print(text)  # noqa: T201 (command output belongs on stdout)


def _add_dest_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dest", type=Path, default=DEFAULT_DATA_DIR,
        help=f"folder that receives <name>/ (default: {DEFAULT_DATA_DIR}/)",
    )


def run_import(args: argparse.Namespace) -> int:
    """Import a data set from `--source` into `--dest` and print where it went."""
    target = import_dataset(args.name, args.source, args.dest)
    _say(f"imported {args.name} into {target}")
    return 0


def run_fetch(args: argparse.Namespace) -> int:
    """Download a data set into `--dest` with a progress bar on stderr."""
    bars: list[tqdm] = []  # created on the first report, so an import from disk shows none

    def report(received: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total or None, unit="B", unit_scale=True, desc=args.name,
                             file=sys.stderr, leave=False))
        bars[0].update(received - bars[0].n)

    try:
        target = fetch_dataset(
            args.name, args.dest, url=args.url, sha256=args.sha256, progress=report
        )
    finally:
        for bar in bars:
            bar.close()
    _say(f"fetched {args.name} into {target}")
    return 0


def run_info(args: argparse.Namespace) -> int:
    """Print the number of users, items and interactions of a data set."""
    data = load_dataset(args.kind, args.path)
    short_users = sum(1 for seq in data.sequences[1:] if len(seq) < MIN_EVAL_INTERACTIONS)
    _say(f"data set:      {data.name}")
    _say(f"users:         {data.num_users}")
    _say(f"items:         {data.num_items}")
    _say(f"interactions:  {data.num_interactions}")
    _say(f"users with fewer than {MIN_EVAL_INTERACTIONS} interactions (train only): {short_users}")
    return 0
