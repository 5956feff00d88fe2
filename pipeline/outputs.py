"""Reading a finished output folder back: the article records ``bipipe run`` wrote and its
``_errors.jsonl``. The report and the exports start here, so both see
the same articles in the same order and say the same thing about a file they cannot use.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .batch import ERRORS_FILE, STATS_FILE
from .errors import Errors, InputError
from .write import validate


@dataclass(frozen=True)
class Unusable:
    """An article file in the folder that is not a record this version can read."""

    path: Path
    message: str


def article_files(out: Path) -> list[Path]:
    """The per-article JSON files, by name: ``_stats.json`` and hidden files (temporary
    ones, ``.name.tmp``) are not articles, and subfolders are not searched. An article's
    own name may start with ``_`` (an id of ``..`` is written ``_.json``)."""
    if not out.is_dir():
        raise InputError(Errors.E016, detail=f"{out} is not a folder")
    return sorted(path for path in out.glob("*.json") if path.is_file()
                  and path.name != STATS_FILE and not path.name.startswith("."))


def load_record(path: Path) -> dict[str, Any]:
    """One article record, checked against the schema (and its offsets) as it was written."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(Errors.E016, detail=f"{path.name}: {error}") from None
    if not isinstance(record, dict) or "schema_version" not in record:
        raise InputError(Errors.E016, detail=f"{path.name}: not an annotated record")
    try:
        validate(record)
    except InputError as error:
        raise InputError(Errors.E016, detail=f"{path.name}: {error.message}") from None
    if record["id"] != path.stem:  # bipipe names each file by its id: a copy, or a rename
        raise InputError(Errors.E016, detail=f"{path.name}: holds the article {record['id']!r}; "
                                             f"bipipe names an article's file by its id")
    return record


def iter_records(out: Path) -> Iterator[dict[str, Any] | Unusable]:
    """Every article in ``out``, one at a time (a folder of any size fits in memory)."""
    for path in article_files(out):
        try:
            yield load_record(path)
        except InputError as error:
            yield Unusable(path, error.message)


def run_errors(out: Path) -> list[dict[str, Any]]:
    """The inputs the last run could not turn into articles (``_errors.jsonl``). A line
    that is not an error record (a damaged file) is itself listed, not a crash."""
    path = out / ERRORS_FILE
    if not path.is_file():
        return []
    errors = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if not (isinstance(record, dict) and {"input", "code", "reason"} <= record.keys()):
                record = {"input": f"{ERRORS_FILE}:{number}", "id": None, "code": "E016",
                          "reason": f"not an error record: {line.strip()[:120]}"}
            errors.append(record)
    return errors
