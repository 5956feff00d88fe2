"""Stage 6, write: the annotated record, validated against the packaged JSON Schema, written
atomically (a temporary file renamed into place, so a kill never leaves half a file)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO, TextIO

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
        "entities": [entity.to_json() for entity in doc.entities],
        "boilerplate_entities": [entity.to_json() for entity in doc.boilerplate_entities],
        "claims": [claim.to_json() for claim in doc.claims],
        "stats": doc.stats,
    }


@lru_cache(maxsize=1)
def _validator() -> Any:
    # jsonschema-rs: the same Draft 2020-12 checks as the reference ``jsonschema`` package
    # (the tests hold them to agreeing), some 400 times faster, so that checking every
    # record costs well under a millisecond instead of a third of the article's time.
    import jsonschema_rs

    return jsonschema_rs.validator_for(schema())


def validate(record: dict[str, Any]) -> None:
    """The schema, then what a schema cannot say: every span is exact and in order."""
    import jsonschema_rs

    try:
        _validator().validate(record)
    except jsonschema_rs.ValidationError as error:
        where = "/".join(str(part) for part in error.instance_path) or "(root)"
        raise InputError(Errors.E012, detail=f"{where}: {error.message[:200]}") from None
    problem = offset_problem(record)
    if problem is not None:
        raise InputError(Errors.E012, detail=problem)


def offset_problem(record: dict[str, Any]) -> str | None:
    """The first span that does not index ``text`` exactly, or None."""
    text, clean_text = record["text"], record["clean_text"]
    for index, block in enumerate(record["blocks"]):
        if not 0 <= block["start"] <= block["end"] <= len(text):
            return f"blocks/{index}: start {block['start']} and end {block['end']} out of order"
    spans = [("fragments", f) for f in record["fragments"]]
    spans += [("foreign", run) for run in record.get("foreign", [])]
    for name, item in spans:
        for span in (item, item.get("inline_gloss"), item.get("paired_with"), *item.get(
                "tokens", [])):
            if span is not None and text[span["start"]:span["end"]] != span["text"]:
                return f"{name}: span {span['start']}-{span['end']} is not {span['text']!r}"
    ordered = sorted((item["start"], item["end"]) for _, item in spans)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            return f"fragments overlap at {start}"
    for clean_start, text_start, length in record["clean_map"]:
        if clean_text[clean_start:clean_start + length] != text[text_start:text_start + length]:
            return f"clean_map run {clean_start}-{clean_start + length} is not a copy"
    return _entity_problem(record) or _claim_problem(record)


def _entity_problem(record: dict[str, Any]) -> str | None:
    text, clean_text = record["text"], record["clean_text"]
    entities = record.get("entities", []) + record.get("boilerplate_entities", [])
    for entity in entities:
        for mention in entity["mentions"]:
            if text[mention["start"]:mention["end"]] != mention["text"]:
                return (f"entity {entity['id']}: mention {mention['start']} is not "
                        f"{mention['text']!r}")
            start, end = mention["clean_start"], mention["clean_end"]
            if (start is None) != (end is None) or (start is not None and not (
                    0 <= start < end <= len(clean_text))):
                return f"entity {entity['id']}: clean span {start}-{end} is not in clean_text"
    return None


def _claim_problem(record: dict[str, Any]) -> str | None:
    text = record["text"]
    ids = {entity["id"] for entity in record.get("entities", [])}
    for claim in record.get("claims", []):
        if text[claim["start"]:claim["end"]] != claim["text"]:
            return f"claim {claim['id']}: span {claim['start']} is not its text"
        if not set(claim["subjects"]) <= ids:
            return f"claim {claim['id']}: a subject is not one of the entities"
        for quantity in claim["quantities"]:
            if text[quantity["start"]:quantity["end"]] != quantity["text"] or not (
                    claim["start"] <= quantity["start"] < quantity["end"] <= claim["end"]):
                return f"claim {claim['id']}: quantity {quantity['text']!r} is not its span"
    return None


def dumps(value: Any) -> str:
    """A record (or an export's piece) as the files hold it: UTF-8 text, indented."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def write_atomic(path: Path, content: str) -> None:
    """Write a temporary file beside ``path``, sync it, rename it into place, sync the
    folder: a reader sees the old file or the new one, never half of one."""
    write_bytes_atomic(path, content.encode("utf-8"))


def write_bytes_atomic(path: Path, content: bytes) -> None:
    """:func:`write_atomic` for bytes (a spaCy ``DocBin``)."""
    with atomic_file(path) as stream:
        stream.write(content)


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through, piece by piece (an export larger than memory), with
    :func:`write_atomic`'s promise: it replaces ``path`` only when the block ends without an
    error."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(handle, 0o666 & ~current_umask())  # mkstemp makes 0600; outputs are for sharing
        with os.fdopen(handle, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


class LockHeld(Exception):
    """Another process holds the lock asked for."""


def held_lock(path: Path) -> TextIO:
    """``path`` opened and locked (an exclusive ``flock``, never waited for) until the
    returned file is closed; :class:`LockHeld` if another process holds it. Windows has
    no advisory locks: there the file comes back unlocked."""
    handle = path.open("a", encoding="utf-8")
    try:
        import fcntl
    except ImportError:
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as error:
        handle.close()
        raise LockHeld(str(path)) from error
    return handle


@lru_cache(maxsize=1)
def current_umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
