"""Coded error messages, kept in one place (as in spaCy's ``errors.py``).

Every document-level failure is a :class:`InputError` carrying one of these codes, so the
CLI, the ``_errors.jsonl`` records and the tests all speak of the same reasons.
"""

from __future__ import annotations

from enum import StrEnum


class Errors(StrEnum):
    E001 = "input is empty"
    E002 = "input looks binary ({detail}), not text"
    E003 = "cannot decode the bytes as text in any supported encoding ({detail})"
    E004 = "input is {size:,} bytes, over the {limit:,}-byte limit (raise it with --max-bytes)"
    E005 = "line {line} is not valid JSON ({detail})"
    E006 = "line {line} has no usable {field!r} field"
    E007 = "id {doc_id!r} was already produced by {other} in this run; rename one input"
    E008 = "unsupported file type {suffix!r} (expected .txt, .md, .html, .htm or .jsonl)"
    E009 = "no such file or folder"
    E010 = "internal error while processing: {detail}"
    E011 = "extracted no text from the HTML page"
    E012 = "output failed schema validation: {detail}"
    E013 = "cannot write the output: {detail}"
    E014 = "cannot read the input: {detail}"
    E015 = ("the worker process died on this input, twice (out of memory, or a crash in a "
            "native library)")
    E016 = "cannot read the annotated output: {detail}"
    E017 = "nothing to export: {detail}"

    def format(self, **kwargs: object) -> str:  # type: ignore[override]
        return f"[{self.name}] {self.value.format(**kwargs)}"


class InputError(Exception):
    """A problem with one input document; the batch records it and goes on."""

    def __init__(self, code: Errors, **details: object) -> None:
        self.code = code
        self.message = code.format(**details)
        super().__init__(self.message)
