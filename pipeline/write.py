"""Stage 6, write: the annotated record, validated against the packaged JSON Schema, written
atomically (a temporary file renamed into place, so a kill never leaves half a file)."""

from __future__ import annotations

import json
import os
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import SCHEMA_VERSION
from .document import Document
from .errors import Errors, InputError
from .resources import schema


def to_record(doc: Document) -> dict[str, Any]:
    """The output contract, keys in a fixed order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "id": doc.id,
        "source": doc.source.to_json(),
        "meta": doc.meta,
        "offset_unit": "codepoint",
        "text": doc.text,
        "clean_text": doc.clean_text,
        "clean_map": [list(run) for run in doc.clean_map],
        "blocks": [block.to_json() for block in doc.blocks],
        "fragments": [fragment.to_json() for fragment in doc.fragments],
        "foreign": [run.to_json() for run in doc.foreign],
        "stats": doc.stats,
    }


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema())


def validate(record: dict[str, Any]) -> None:
    error = next(iter(_validator().iter_errors(record)), None)
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(root)"
        raise InputError(Errors.E012, detail=f"{where}: {error.message[:200]}")


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
