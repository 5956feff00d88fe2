"""``bipipe run PATH... --out DIR``: a thin layer over :func:`pipeline.batch.run_batch`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .batch import process, run_batch
from .errors import InputError
from .ingest import Failure, ingest_bytes
from .settings import DEFAULT_SETTINGS, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bipipe", description="Clean and annotate English articles translated from Chinese.")
    parser.add_argument("--version", action="version", version=f"bipipe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="annotate files or folders (or - for stdin)")
    run.add_argument("paths", nargs="+", metavar="PATH",
                     help="a file, a folder (searched recursively), or - to read stdin")
    run.add_argument("--out", type=Path, help="output folder (required unless PATH is -)")
    run.add_argument("--max-bytes", type=int, default=DEFAULT_SETTINGS.max_bytes,
                     help="reject inputs larger than this (default: %(default)s)")
    run.add_argument("--resume", action="store_true",
                     help="skip articles whose output already exists for the same input bytes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.max_bytes <= 0:
        parser.error("--max-bytes must be positive")
    settings = Settings(max_bytes=args.max_bytes, resume=args.resume)
    if args.paths == ["-"]:
        if args.out is not None:
            parser.error("- writes its JSON to stdout; --out does not apply")
        return _run_stdin(settings)
    if "-" in args.paths:
        parser.error("- (stdin) cannot be combined with other paths")
    if args.out is None:
        parser.error("--out DIR is required")
    summary = run_batch([Path(path) for path in args.paths], args.out, settings)
    counts = summary.counts
    print(f"bipipe: {counts['written']} written, {counts['failed']} failed, "
          f"{counts['skipped_done']} skipped (already done), "
          f"{counts['ignored_other_files']} other files ignored -> {args.out}", file=sys.stderr)
    return 0 if summary.ok else 1


def _run_stdin(settings: Settings) -> int:
    data = sys.stdin.buffer.read(settings.max_bytes + 1)  # one byte more shows it is too big
    for item in ingest_bytes(data, doc_id="stdin", fmt="stdin", path=None, settings=settings):
        if isinstance(item, Failure):
            print(f"bipipe: error: -: {item.error.message}", file=sys.stderr)
            return 1
        try:
            sys.stdout.buffer.write(process(item, settings).encode("utf-8"))
            sys.stdout.buffer.flush()
        except InputError as error:
            print(f"bipipe: error: -: {error.message}", file=sys.stderr)
            return 1
    return 0
