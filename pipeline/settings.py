"""One settings object, layered over packaged defaults; the CLI maps its flags onto it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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

    force: bool = False
    """Redo articles whose output already exists for the same input bytes and bipipe
    version (by default a rerun skips them, so an interrupted run resumes)."""

    workers: int = 1
    """Processes annotating at once (the CLI defaults to every core)."""

    engine: Literal["local", "ray"] = "local"
    """``ray`` runs the same stages through Ray Data (``pip install 'bipipe[ray]'``)."""

    ray_address: str | None = None
    """A running Ray cluster to join; None starts a local one."""

    quiet: bool = False
    """Show errors only: no progress bar, no periodic progress lines."""

    progress_every: float = 10.0
    """Seconds between progress lines when stderr is not a terminal."""

    validate: bool = True
    """Validate every record against the packaged JSON Schema before writing it."""


DEFAULT_SETTINGS = Settings()
