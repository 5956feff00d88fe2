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
    """Files named directly, and supported files found recursively in folders, sorted."""
    for path in paths:
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if not found.is_file() or _hidden(found.relative_to(path)) or _inside(found, out):
                    continue
                if found.suffix.lower() in SUFFIX_FORMATS:
                    yield found
                else:
                    counts["ignored_other_files"] += 1
        else:
            yield path


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
    log = log or sys.stderr  # looked up now, so a redirected stderr is honoured
    summary = RunSummary()
    out.mkdir(parents=True, exist_ok=True)
    errors_path = out / ERRORS_FILE
    errors_path.unlink(missing_ok=True)
    produced: dict[str, str] = {}
    progress = log.isatty()

    def fail(failure: Failure) -> None:
        summary.failures.append(failure)
        summary.counts["failed"] += 1
        print(f"bipipe: error: {failure.input}: {failure.error.message}", file=log)
        write_atomic(errors_path, "".join(_error_line(item) for item in summary.failures))

    for path in iter_input_files(paths, out, summary.counts):
        if not path.exists():
            fail(Failure(str(path), None, InputError(Errors.E009)))
            continue
        for item in ingest_path(path, settings):
            if isinstance(item, Failure):
                fail(item)
                continue
            summary.counts["total"] += 1
            label = _label(item)
            if item.id in produced:
                fail(Failure(label, item.id,
                             InputError(Errors.E007, doc_id=item.id, other=produced[item.id])))
                continue
            produced[item.id] = label
            target = out / f"{item.id}.json"
            if settings.resume and _already_done(target, item.source.sha256):
                summary.counts["skipped_done"] += 1
                continue
            try:
                write_atomic(target, process(item, settings))
            except InputError as error:
                fail(Failure(label, item.id, error))
                continue
            summary.counts["written"] += 1
            if progress or summary.counts["total"] % 100 == 0:
                print(f"bipipe: [{summary.counts['total']}] {item.id}", file=log)
    write_atomic(out / STATS_FILE, json.dumps(dict(sorted(summary.counts.items())), indent=2))
    return summary


def _label(article: Article) -> str:
    path = article.source.path or "-"
    return f"{path}:{article.source.line}" if article.source.line else path


def _error_line(failure: Failure) -> str:
    record = {"input": failure.input, "id": failure.id, "code": failure.error.code.name,
              "reason": failure.error.message}
    return json.dumps(record, ensure_ascii=False) + "\n"


def _already_done(target: Path, sha256: str) -> bool:
    try:
        existing = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return bool(existing.get("source", {}).get("sha256") == sha256)
