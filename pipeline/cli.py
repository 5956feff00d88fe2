"""The ``bipipe`` command, a thin layer over importable functions:

- ``bipipe run PATH... --out DIR``: :func:`pipeline.batch.run_batch`;
- ``bipipe report DIR``: :func:`pipeline.report.write_report`;
- ``bipipe export DIR --to FORMAT --out FILE``: :func:`pipeline.export.export`.

Exit codes: 0 all done, 1 some inputs (or, for report and export, some article files)
failed, each one named on stderr (and by run in ``DIR/_errors.jsonl``), 2 bad usage or a
command that cannot start.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .batch import BatchError, process, run_batch
from .errors import InputError
from .export import FORMATS as EXPORT_FORMATS
from .export import export
from .ingest import Failure, ingest_bytes
from .settings import DEFAULT_SETTINGS, Settings

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE = 0, 1, 2


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity mask
        return os.cpu_count() or 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bipipe", description="Clean and annotate English articles translated from Chinese.")
    parser.add_argument("--version", action="version", version=f"bipipe {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser(
        "run", help="annotate files or folders (or - for stdin)",
        epilog="exit codes: 0 all inputs written, 1 some inputs failed "
               "(see DIR/_errors.jsonl), 2 bad usage")
    run.add_argument("paths", nargs="+", metavar="PATH",
                     help="a file, a folder (searched recursively), or - to read stdin")
    run.add_argument("--out", type=Path, help="output folder (required unless PATH is -)")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help=f"processes annotating at once (default: every core, here "
                          f"{available_cores()})")
    run.add_argument("--engine", choices=("local", "ray"), default="local",
                     help="local processes (default) or Ray Data, for a cluster "
                          "(pip install 'bipipe[ray]')")
    run.add_argument("--ray-address", metavar="ADDR",
                     help="join this Ray cluster (default: start Ray on this machine)")
    run.add_argument("--force", action="store_true",
                     help="redo articles whose output already exists (by default a rerun "
                          "skips them, so an interrupted run resumes)")
    run.add_argument("--resume", action="store_true", help=argparse.SUPPRESS)  # the default now
    run.add_argument("--quiet", "-q", action="store_true",
                     help="print errors only: no progress and no summary line")
    run.add_argument("--max-bytes", type=int, default=DEFAULT_SETTINGS.max_bytes,
                     help="reject inputs larger than this (default: %(default)s)")
    report = commands.add_parser(
        "report", help="write an HTML report of an output folder (DIR/report/index.html)",
        epilog="exit codes: 0 every article shown, 1 some article files could not be read "
               "(listed on the index page), 2 bad usage")
    report.add_argument("folder", type=Path, metavar="DIR", help="a folder bipipe run wrote")
    report.add_argument("--out", type=Path, metavar="REPORT_DIR",
                        help="where to write the report: a new folder or an earlier "
                             "report, which it replaces (default: DIR/report)")
    export = commands.add_parser(
        "export", help="turn a folder bipipe run wrote into Label Studio, spaCy or W3C Web "
                       "Annotation files",
        epilog="exit codes: 0 every article exported, 1 some files in DIR were unusable "
               "(the rest exported), 2 bad usage, no articles in DIR, or FILE not writable")
    export.add_argument("dir", type=Path, metavar="DIR", help="a folder bipipe run wrote")
    export.add_argument("--to", required=True, choices=EXPORT_FORMATS,
                        help="label-studio: tasks JSON with predictions (and FILE's "
                             ".label-config.xml); spacy: a DocBin; web-annotation: W3C JSON-LD")
    export.add_argument("--out", type=Path, required=True, metavar="FILE",
                        help="the file to write (replaced atomically)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("report", "export"):
        try:
            if args.command == "report":
                return _report(args.folder, args.out)
            return _export(args.dir, args.to, args.out)
        except KeyboardInterrupt:
            print(f"bipipe: interrupted; {args.out or 'the report folder'} is as it was "
                  f"before", file=sys.stderr)
            return 130
    if args.max_bytes <= 0:
        parser.error("--max-bytes must be positive")
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.ray_address and args.engine != "ray":
        parser.error("--ray-address needs --engine ray")
    settings = Settings(max_bytes=args.max_bytes, force=args.force,
                        workers=args.workers or available_cores(), engine=args.engine,
                        ray_address=args.ray_address, quiet=args.quiet)
    if args.paths == ["-"]:
        if args.out is not None:
            parser.error("- writes its JSON to stdout; --out does not apply")
        return _run_stdin(settings)
    if "-" in args.paths:
        parser.error("- (stdin) cannot be combined with other paths")
    if args.out is None:
        parser.error("--out DIR is required")
    try:
        summary = run_batch([Path(path) for path in args.paths], args.out, settings)
    except BatchError as error:
        print(f"bipipe: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"bipipe: interrupted; finished articles are in {args.out}, and running the "
              f"same command again resumes", file=sys.stderr)
        return 130
    counts = summary.counts
    if not settings.quiet:
        print(f"bipipe: {counts['written']} written, {counts['failed']} failed, "
              f"{counts['skipped_done']} skipped (already done), "
              f"{counts['ignored_other_files']} other files ignored -> {args.out}",
              file=sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED_INPUTS


def _run_stdin(settings: Settings) -> int:
    data = sys.stdin.buffer.read(settings.max_bytes + 1)  # one byte more shows it is too big
    for item in ingest_bytes(data, doc_id="stdin", fmt="stdin", path=None, settings=settings):
        if isinstance(item, Failure):
            print(f"bipipe: error: -: {item.error.message}", file=sys.stderr)
            return EXIT_FAILED_INPUTS
        try:
            sys.stdout.buffer.write(process(item, settings).encode("utf-8"))
            sys.stdout.buffer.flush()
        except InputError as error:
            print(f"bipipe: error: -: {error.message}", file=sys.stderr)
            return EXIT_FAILED_INPUTS
    return EXIT_OK


def _report(folder: Path, target: Path | None) -> int:
    from .report import ReportError, write_report

    if not folder.is_dir():
        print(f"bipipe: error: {folder}: no such folder (run `bipipe run ... --out {folder}` "
              f"first)", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = write_report(folder, target, log=sys.stderr)
    except ReportError as error:
        print(f"bipipe: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    for item in summary.unusable:
        print(f"bipipe: error: {item.message}", file=sys.stderr)
    print(f"bipipe: report of {summary.articles} articles ({len(summary.run_errors)} run "
          f"errors, {len(summary.unusable)} unreadable files) -> "
          f"{summary.folder / 'index.html'}", file=sys.stderr)
    return EXIT_FAILED_INPUTS if summary.unusable else EXIT_OK


def _export(out: Path, to: str, target: Path) -> int:
    if target.is_dir():
        print(f"bipipe: error: --out {target} is a folder; export writes one file",
              file=sys.stderr)
        return EXIT_USAGE
    if target.suffix == ".json" and target.resolve().parent == out.resolve():
        print(f"bipipe: error: --out {target} would sit among the articles of {out} and be "
              f"read as one next time; write it elsewhere", file=sys.stderr)
        return EXIT_USAGE
    try:
        summary = export(out, to, target)
    except InputError as error:
        print(f"bipipe: error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    also = f" (labeling config: {summary.config})" if summary.config else ""
    print(f"bipipe: exported {summary.articles} articles, {summary.spans} spans, "
          f"{len(summary.unusable)} unusable files skipped -> {target}{also}", file=sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED_INPUTS
