"""One settings object, layered over packaged defaults; the CLI maps its flags onto it."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES_DEFAULT = 16 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    """Knobs for a run. Defaults are the tested behaviour; change them through the CLI."""

    max_bytes: int = MAX_BYTES_DEFAULT
    """Inputs larger than this are rejected with E004 instead of being read into memory."""

    langdetect_seed: int = 0
    """Seed for langdetect, so the same block always gets the same language."""

    min_langdetect_letters: int = 40
    """Latin blocks shorter than this inherit the document language instead of guessing."""

    resume: bool = False
    """Skip inputs whose output already exists for the same bytes."""

    validate: bool = True
    """Validate every record against the packaged JSON Schema before writing it."""


DEFAULT_SETTINGS = Settings()
