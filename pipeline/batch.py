"""A batch run: every input under the given paths to ``DIR/<id>.json``.

A bad input becomes one line on stderr and one record in ``DIR/_errors.jsonl``; the batch
goes on. Outputs are written atomically, so a crash or a kill loses no finished article, and
``resume`` skips articles whose output already exists for the same bytes.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from . import __version__
from .core import annotate
from .errors import Errors, InputError
from .ingest import SUFFIX_FORMATS, Article, Failure, ingest_path
from .settings import DEFAULT_SETTINGS, Settings
from .write import dumps, to_record, validate, write_atomic

ERRORS_FILE = "_errors.jsonl"
STATS_FILE = "_stats.json"


@dataclass
class RunSummary:
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def iter_input_files(paths: list[Path], out: Path, counts: Counter[str]) -> Iterator[Path]:
    """Files named directly, and supported files found recursively in folders, sorted; a
    file reached twice (named and inside a named folder) is read once."""
    seen: set[Path] = set()
    for path in paths:
        found_files = [path]
        if path.is_dir():
            found_files = []
            for found in sorted(path.rglob("*")):
                if not found.is_file() or _hidden(found.relative_to(path)) or _inside(found, out):
                    continue
                if found.suffix.lower() in SUFFIX_FORMATS:
                    found_files.append(found)
                else:
                    counts["ignored_other_files"] += 1
        for found in found_files:
            resolved = found.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield found


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def process(article: Article, settings: Settings) -> str:
    """The finished JSON text of one article (raises :class:`InputError`)."""
    try:
        record = to_record(annotate(article, settings))
    except InputError:
        raise
    except Exception as error:  # a bug must cost one document, not the batch
        detail = "".join(traceback.format_exception_only(error)).strip()
        raise InputError(Errors.E010, detail=detail) from error
    if settings.validate:
        validate(record)
    return dumps(record)


def run_batch(
    paths: list[Path], out: Path, settings: Settings = DEFAULT_SETTINGS,
    log: TextIO | None = None,
) -> RunSummary:
    """Annotate every input under ``paths`` into ``out``; never raises for one bad input."""
    run = _Run(out, settings, log or sys.stderr)  # stderr looked up now: redirects work
    try:
        for path in iter_input_files(paths, out, run.summary.counts):
            run.input(path)
    finally:
        run.close()
    return run.summary


class _Run:
    """The state of one batch: ids produced so far, counters, the open errors file."""

    def __init__(self, out: Path, settings: Settings, log: TextIO) -> None:
        self.out, self.settings, self.log = out, settings, log
        self.summary = RunSummary()
        self.produced: dict[str, str] = {}
        self.progress = log.isatty()
        out.mkdir(parents=True, exist_ok=True)
        # One line per failure, appended and flushed as it happens (a kill keeps them all).
        self.errors = (out / ERRORS_FILE).open("w", encoding="utf-8")

    def input(self, path: Path) -> None:
        if not path.exists():
            self.fail(Failure(str(path), None, InputError(Errors.E009)))
            return
        try:
            for item in ingest_path(path, self.settings):
                if isinstance(item, Failure):
                    self.fail(item)
                else:
                    self.article(item)
        except Exception as error:  # a bug reading one input must not end the batch
            detail = "".join(traceback.format_exception_only(error)).strip()
            self.fail(Failure(str(path), None, InputError(Errors.E010, detail=detail)))

    def article(self, item: Article) -> None:
        counts = self.summary.counts
        counts["total"] += 1
        label = _label(item)
        key = item.id.casefold()  # a.json and A.json are one file on some file systems
        if key in self.produced:
            other = self.produced[key]
            self.fail(Failure(label, item.id, InputError(Errors.E007, doc_id=item.id,
                                                         other=other)))
            return
        self.produced[key] = label
        target = self.out / f"{item.id}.json"
        if self.settings.resume and _already_done(target, item.source.sha256):
            counts["skipped_done"] += 1
            return
        try:
            write_atomic(target, process(item, self.settings))
        except InputError as error:
            self.fail(Failure(label, item.id, error))
            return
        except OSError as error:
            self.fail(Failure(label, item.id, InputError(Errors.E013, detail=str(error))))
            return
        counts["written"] += 1
        if self.progress or counts["total"] % 100 == 0:
            print(f"bipipe: [{counts['total']}] {item.id}", file=self.log)

    def fail(self, failure: Failure) -> None:
        self.summary.failures.append(failure)
        self.summary.counts["failed"] += 1
        self.summary.counts[f"failed_{failure.error.code.name}"] += 1
        print(f"bipipe: error: {failure.input}: {failure.error.message}", file=self.log)
        self.errors.write(_error_line(failure))
        self.errors.flush()

    def close(self) -> None:
        self.errors.close()
        if not self.summary.failures:
            (self.out / ERRORS_FILE).unlink(missing_ok=True)
        counts = dict(sorted(self.summary.counts.items()))
        write_atomic(self.out / STATS_FILE, json.dumps(counts, indent=2) + "\n")


def _label(article: Article) -> str:
    path = article.source.path or "-"
    return f"{path}:{article.source.line}" if article.source.line else path


def _error_line(failure: Failure) -> str:
    record = {"input": failure.input, "id": failure.id, "code": failure.error.code.name,
              "reason": failure.error.message}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _already_done(target: Path, sha256: str) -> bool:
    """An output for the same input bytes, written by this version of bipipe."""
    try:
        existing = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(existing.get("source", {}).get("sha256") == sha256
                and existing.get("stats", {}).get("pipeline_version") == __version__)
