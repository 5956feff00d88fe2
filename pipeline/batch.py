"""A batch run: every input under the given paths to ``DIR/<id>.json``, plus run-wide files.

The work is split three ways, so that every engine writes the same bytes:

- the reader (this process) lists the input files and cuts them into :class:`Unit` s, one
  per article, streaming a large jsonl feed line by line;
- :func:`work` turns one unit into an :class:`Outcome` (the article's JSON, or why it
  failed), in this process, in a worker process (``--workers N``) or in a Ray actor;
- the :class:`Collector` (this process) takes outcomes in input order and writes each
  article atomically, then ``corpus.jsonl``, ``entities.csv``, ``_errors.jsonl`` and
  ``_stats.json`` when the run ends.

A bad input becomes one line on stderr and one record in ``_errors.jsonl``; the batch goes
on. A rerun skips articles whose output exists for the same input bytes and bipipe version
(``force`` redoes them), so a run killed at any moment, ``kill -9`` included, is finished by
running it again.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import multiprocessing
import os
import sys
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from . import SCHEMA_VERSION, __version__
from .clean import KEPT_KINDS, KEPT_LANGS
from .core import annotate
from .errors import Errors, InputError
from .ingest import SUFFIX_FORMATS, Article, Failure, Unit, expand, ingest_unit
from .progress import Progress
from .settings import DEFAULT_SETTINGS, Settings
from .timing import Stopwatch
from .write import LockHeld, dumps, held_lock, to_record, validate, write_atomic

ERRORS_FILE = "_errors.jsonl"
STATS_FILE = "_stats.json"
CORPUS_FILE = "corpus.jsonl"
ENTITIES_FILE = "entities.csv"
LOCK_FILE = ".bipipe.lock"
RUN_FILES = (ERRORS_FILE, STATS_FILE, CORPUS_FILE, ENTITIES_FILE)

Status = Literal["written", "done", "failed"]


class BatchError(Exception):
    """The run as a whole cannot start (the output folder is in use, Ray is missing)."""


@dataclass
class Outcome:
    """What became of one unit. Plain fields only: it comes back from a worker process or a
    Ray actor."""

    input: str
    id: str | None
    status: Status
    json: str | None = None
    """The article's JSON, to write (None when its output was already there)."""
    line: str | None = None
    """The same record on one line, for ``corpus.jsonl``."""
    counts: dict[str, int] = field(default_factory=dict)
    entities: list[tuple[str, str, str, str, int]] = field(default_factory=list)
    """(id, name, type, Wikidata id or "", mentions) for each company in the article."""
    code: str | None = None
    reason: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)


@dataclass
class RunSummary:
    counts: Counter[str] = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


# -- the reader ------------------------------------------------------------------------------

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
                counts["files"] += 1
                yield found


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def iter_units(
    paths: list[Path], out: Path, settings: Settings, counts: Counter[str]
) -> Iterator[Unit | Failure]:
    for path in iter_input_files(paths, out, counts):
        yield from units_of(path, settings)


def units_of(path: Path, settings: Settings) -> Iterator[Unit | Failure]:
    if not path.exists():
        yield Failure(str(path), None, InputError(Errors.E009))
        return
    try:
        yield from expand(path, settings)
    except OSError as error:  # a feed that became unreadable half-way
        yield Failure(str(path), None, InputError(Errors.E014, detail=str(error)))


# -- the worker ------------------------------------------------------------------------------

def process(article: Article, settings: Settings, watch: Stopwatch | None = None) -> str:
    """The finished JSON text of one article (raises :class:`InputError`)."""
    record = annotated_record(article, settings, watch)
    with (watch or Stopwatch()).stage("write"):
        return dumps(record)


def annotated_record(
    article: Article, settings: Settings, watch: Stopwatch | None = None
) -> dict[str, Any]:
    watch = watch or Stopwatch()
    try:
        record = to_record(annotate(article, settings, watch))
    except InputError:
        raise
    except Exception as error:  # a bug must cost one document, not the batch
        raise InputError(Errors.E010, detail=_one_line(error)) from error
    if settings.validate:
        with watch.stage("validate"):
            validate(record)
    return record


def work(unit: Unit, out: Path, settings: Settings) -> Outcome:
    """One unit to its outcome; never raises for a bad input or a bug in a stage."""
    watch = Stopwatch()
    try:
        with watch.stage("read"):
            item = ingest_unit(unit, settings)
    except Exception as error:  # a bug reading one input must not end the batch
        item = Failure(unit.label, None, InputError(Errors.E010, detail=_one_line(error)))
    if isinstance(item, Failure):
        return failed(item)
    label = unit.label
    existing = None if settings.force else _existing_output(out / f"{item.id}.json",
                                                            item.source.sha256)
    if existing is not None:
        return _outcome(label, item.id, "done", existing, None, watch)
    try:
        record = annotated_record(item, settings, watch)
        with watch.stage("write"):
            text = dumps(record)
    except InputError as error:
        return failed(Failure(label, item.id, error))
    return _outcome(label, item.id, "written", record, text, watch)


def failed(failure: Failure) -> Outcome:
    return Outcome(failure.input, failure.id, "failed", code=failure.error.code.name,
                   reason=failure.error.message)


def _outcome(label: str, doc_id: str, status: Status, record: dict[str, Any],
             text: str | None, watch: Stopwatch) -> Outcome:
    line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
    entities = [(entity["id"], entity["name"], entity["type"], entity["wikidata"] or "",
                 len(entity["mentions"])) for entity in record["entities"]]
    return Outcome(label, doc_id, status, text, line, article_counts(record), entities,
                   seconds=watch.seconds)


def article_counts(record: dict[str, Any]) -> dict[str, int]:
    """What one article adds to the run's counters (dotted keys nest in ``_stats.json``)."""
    stats = record["stats"]
    counts: Counter[str] = Counter({
        "blocks.total": stats["blocks"], "blocks.kept": stats["blocks_in_clean_text"],
        "fragments.total": stats["fragments"], "foreign_runs": stats["foreign_runs"],
        "entities.total": stats["entities"], "entities.mentions": stats["mentions"],
        "boilerplate_entities": stats["boilerplate_entities"],
        "claims.total": stats["claims"], "claims.quantities": stats["quantities"],
        "han_in_clean_text": stats["han_in_clean_text"]})
    for block in record["blocks"]:
        if block["kind"] not in KEPT_KINDS:
            counts[f"blocks.dropped.{block['kind']}"] += 1
        elif block["lang"] not in KEPT_LANGS:
            counts["blocks.dropped.other_language"] += 1
    # A kept kind in English that is still left out is a section marker ("Summary").
    dropped = sum(value for key, value in counts.items() if key.startswith("blocks.dropped."))
    counts["blocks.dropped.section_marker"] = stats["blocks"] - stats["blocks_in_clean_text"] \
        - dropped
    for fragment in record["fragments"]:
        source = "paired" if fragment["paired_with"] else fragment["gloss_source"] or "none"
        counts[f"fragments.gloss_source.{source}"] += 1
    for entity in record["entities"]:
        counts[f"entities.by_type.{entity['type']}"] += 1
        counts[f"entities.by_source.{entity['source']}"] += 1
    for claim in record["claims"]:
        counts[f"claims.by_type.{claim['type']}"] += 1
        counts[f"claims.by_modality.{claim['modality']}"] += 1
    counts["articles.with_fragments"] = int(stats["fragments"] > 0)
    return dict(counts)


def _existing_output(target: Path, sha256: str) -> dict[str, Any] | None:
    """The record already written for the same input bytes by this version of bipipe, to
    the current schema. A record that fails the schema (an older layout, a hand edit) is
    redone: the run-wide files are built from the records, so one must never be trusted
    blind."""
    try:
        existing = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(existing, dict)
            and existing.get("schema_version") == SCHEMA_VERSION
            and existing.get("source", {}).get("sha256") == sha256
            and existing.get("stats", {}).get("pipeline_version") == __version__):
        return None
    try:
        validate(existing)
    except InputError:
        return None
    return existing


def _one_line(error: BaseException) -> str:
    return "".join(traceback.format_exception_only(error)).strip()


# -- the engines -----------------------------------------------------------------------------

def local_outcomes(
    units: Iterable[Unit | Failure], out: Path, settings: Settings
) -> Iterator[Outcome]:
    """Outcomes in input order, from ``settings.workers`` processes (this one when 1)."""
    units = iter(units)
    # Here until the first article that needs the models: a rerun with everything done
    # never loads them, the first output comes as soon as one process has loaded them, and
    # workers forked afterwards inherit them loaded instead of each loading its own.
    for unit in units:
        outcome = failed(unit) if isinstance(unit, Failure) else work(unit, out, settings)
        yield outcome
        if settings.workers > 1 and outcome.status == "written":
            break
    else:
        return
    with _Pool(out, settings) as pool:
        window: deque[tuple[Unit | Failure, Future[Outcome], int]] = deque()
        for unit in units:
            window.append(pool.submit(unit))
            # A bounded window keeps memory flat on a feed of any size, and keeps every
            # worker busy while the oldest unit finishes.
            if len(window) >= 4 * settings.workers:
                yield pool.result(*window.popleft())
        while window:
            yield pool.result(*window.popleft())


class _Pool:
    """A process pool that outlives a worker's death: the unit that was running is retried
    alone in a new pool, and fails (E015) only if it kills that one too."""

    def __init__(self, out: Path, settings: Settings) -> None:
        self.out, self.settings = out, settings
        methods = multiprocessing.get_all_start_methods()
        # fork: a worker starts at once with the models this process loaded (elsewhere each
        # worker loads its own at its first article).
        self.context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.generation = 0
        self.executor = self._new_executor()

    def _new_executor(self) -> ProcessPoolExecutor:
        if self.context.get_start_method() == "fork":
            # What is loaded now is shared with the workers until written to; the collector
            # must not write to it by walking it.
            gc.freeze()
        return ProcessPoolExecutor(self.settings.workers, mp_context=self.context)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()

    def submit(self, unit: Unit | Failure) -> tuple[Unit | Failure, Future[Outcome], int]:
        if isinstance(unit, Failure):
            future: Future[Outcome] = Future()
            future.set_result(failed(unit))
        else:
            future = self.executor.submit(work, unit, self.out, self.settings)
        return unit, future, self.generation

    def result(self, unit: Unit | Failure, future: Future[Outcome], generation: int) -> Outcome:
        try:
            return future.result()
        except BrokenProcessPool:
            pass
        assert isinstance(unit, Unit)
        if generation == self.generation:  # the first of its window to find the pool broken
            self._restart()
        # Alone in a pool of its own, so that no other unit can be blamed for its death.
        with ProcessPoolExecutor(1, mp_context=self.context) as alone:
            try:
                return alone.submit(work, unit, self.out, self.settings).result()
            except BrokenProcessPool:
                return failed(Failure(unit.label, None, InputError(Errors.E015)))

    def _restart(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.generation += 1
        self.executor = self._new_executor()


Engine = Callable[[list[Path], Path, Settings, Counter[str]], Iterator[Outcome]]


def _local_engine(
    paths: list[Path], out: Path, settings: Settings, counts: Counter[str]
) -> Iterator[Outcome]:
    return local_outcomes(iter_units(paths, out, settings, counts), out, settings)


def run_batch(
    paths: list[Path], out: Path, settings: Settings = DEFAULT_SETTINGS,
    log: TextIO | None = None,
) -> RunSummary:
    """Annotate every input under ``paths`` into ``out``; never raises for one bad input
    (raises :class:`BatchError` when the run cannot start)."""
    engine: Engine = _local_engine
    if settings.engine == "ray":
        from .distributed import ray_engine

        engine = ray_engine
    collector = Collector(out, settings, log or sys.stderr)  # stderr looked up now
    try:
        for outcome in engine(paths, out, settings, collector.summary.counts):
            collector.add(outcome)
    except BaseException:
        collector.abandon()
        raise
    collector.finish()
    return collector.summary


# -- the collector ---------------------------------------------------------------------------

class Collector:
    """Writes outcomes as they arrive, in input order, and the run-wide files at the end.

    Every file in ``out`` is whole at every moment: articles and the run-wide files are
    renamed into place, and the run-wide files only when the run finishes.
    """

    def __init__(self, out: Path, settings: Settings, log: TextIO) -> None:
        self.out, self.settings = out, settings
        self.summary = RunSummary()
        self.produced: dict[str, str] = {}
        self.entities: dict[str, list[Any]] = {}
        self.seconds: Counter[str] = Counter()
        self.started = time.perf_counter()
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BatchError(f"cannot create the output folder {out}: {error}") from error
        self.lock = _lock(out)
        _remove_stale_temporaries(out)
        for name in RUN_FILES:  # last run's summary does not describe this one
            (out / name).unlink(missing_ok=True)
        self.corpus = _Pending(out / CORPUS_FILE)
        self.errors = _Pending(out / ERRORS_FILE)
        self.progress = Progress(log, quiet=settings.quiet, every=settings.progress_every)

    def add(self, outcome: Outcome) -> None:
        counts = self.summary.counts
        counts["total"] += 1
        self.seconds.update(outcome.seconds)
        if outcome.status == "failed":
            self._fail(outcome)
            return
        assert outcome.id is not None and outcome.line is not None
        key = outcome.id.casefold()  # a.json and A.json are one file on some file systems
        if key in self.produced:
            self._fail(failed(Failure(outcome.input, outcome.id, InputError(
                Errors.E007, doc_id=outcome.id, other=self.produced[key]))))
            return
        self.produced[key] = outcome.input
        if outcome.json is not None:
            try:
                write_atomic(self.out / f"{outcome.id}.json", outcome.json)
            except OSError as error:
                self._fail(failed(Failure(outcome.input, outcome.id,
                                          InputError(Errors.E013, detail=str(error)))))
                return
            counts["written"] += 1
        else:
            counts["skipped_done"] += 1
        self.corpus.write(outcome.line)
        counts.update({f"corpus.{key}": value for key, value in outcome.counts.items()})
        for entity_id, name, kind, wikidata, mentions in outcome.entities:
            row = self.entities.setdefault(entity_id, [name, kind, wikidata, 0, 0])
            row[3] += 1
            row[4] += mentions
        self.progress.update(counts)

    def _fail(self, outcome: Outcome) -> None:
        counts = self.summary.counts
        self.summary.failures.append(outcome)
        counts["failed"] += 1
        counts[f"failed_{outcome.code}"] += 1
        self.progress.message(f"bipipe: error: {outcome.input}: {outcome.reason}")
        record = {"input": outcome.input, "id": outcome.id, "code": outcome.code,
                  "reason": outcome.reason}
        self.errors.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.progress.update(counts)

    def finish(self) -> None:
        self.progress.close()
        self.corpus.commit()
        if self.summary.failures:
            self.errors.commit()
        else:
            self.errors.discard()
        write_atomic(self.out / ENTITIES_FILE, self._entities_csv())
        write_atomic(self.out / STATS_FILE, json.dumps(self._stats(), indent=2) + "\n")
        self.lock.close()

    def abandon(self) -> None:
        """An interrupted run leaves its finished articles and no run-wide files, which
        would describe only part of the input."""
        self.progress.close()
        self.corpus.discard()
        self.errors.discard()
        self.lock.close()

    def _entities_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "name", "type", "wikidata", "articles", "mentions"])
        rows = sorted(self.entities.items(), key=lambda item: (-item[1][3], -item[1][4],
                                                               item[0]))
        writer.writerows([entity_id, *row] for entity_id, row in rows)
        return buffer.getvalue()

    def _stats(self) -> dict[str, Any]:
        counts = self.summary.counts
        wall = time.perf_counter() - self.started
        corpus = _nest({key.removeprefix("corpus."): value for key, value in counts.items()
                        if key.startswith("corpus.")})
        processed = counts["written"] + counts["failed"]
        return {
            "pipeline_version": __version__,
            "engine": self.settings.engine,
            "workers": self.settings.workers,
            "inputs": {"files": counts["files"],
                       "ignored_other_files": counts["ignored_other_files"]},
            "articles": {"total": counts["total"], "written": counts["written"],
                         "skipped_done": counts["skipped_done"], "failed": counts["failed"],
                         "with_fragments": corpus.pop("articles", {}).get("with_fragments", 0)},
            "errors": {key.removeprefix("failed_"): value for key, value in sorted(counts.items())
                       if key.startswith("failed_")},
            **corpus,
            "entities_distinct": len(self.entities),
            "seconds": {
                "wall": round(wall, 3),
                "docs_per_s": round(processed / wall, 2) if wall else None,
                # Summed over workers: with N workers they add up to about N x wall.
                "stages": {name: round(value, 3) for name, value in sorted(self.seconds.items())},
            },
        }


class _Pending:
    """A run-wide file written as the run goes, renamed into place only when it finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        self.stream = self.temporary.open("w", encoding="utf-8", newline="\n")

    def write(self, text: str) -> None:
        self.stream.write(text)

    def commit(self) -> None:
        self.stream.flush()
        os.fsync(self.stream.fileno())
        self.stream.close()
        os.replace(self.temporary, self.path)

    def discard(self) -> None:
        self.stream.close()
        self.temporary.unlink(missing_ok=True)


def _nest(flat: dict[str, int]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in sorted(flat.items()):
        *parents, leaf = key.split(".")
        node = nested
        for parent in parents:
            node = node.setdefault(parent, {})
        node[leaf] = value
    return nested


def _lock(out: Path) -> TextIO:
    """One run per output folder: two would remove each other's temporary files. Closing
    the returned file releases the lock."""
    try:
        return held_lock(out / LOCK_FILE)
    except LockHeld as error:
        raise BatchError(f"another bipipe run is writing to {out}; wait for it to finish "
                         f"or choose another --out") from error


def _remove_stale_temporaries(out: Path) -> None:
    """Temporary files left by a killed run (``.name.json.xxxx.tmp``): never outputs."""
    for temporary in out.glob(".*.tmp"):
        if temporary.is_file():  # a folder is a report being built (``report.py``)
            temporary.unlink(missing_ok=True)
