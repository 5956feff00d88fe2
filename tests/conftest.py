"""Shared fixtures: the corpus folder, an in-process CLI runner and small article builders."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.core import annotate
from pipeline.document import Document
from pipeline.ingest import Article, ingest_bytes
from pipeline.settings import DEFAULT_SETTINGS

ROOT = Path(__file__).parents[1]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: takes more than 20 s (still runs by default)")
    # Derived data goes to a cache folder (resources.cache_dir): a temporary one, not the
    # user's home, unless BIPIPE_CACHE_DIR names one (a warm cache makes the tests faster).
    if not os.environ.get("BIPIPE_CACHE_DIR"):
        folder = tempfile.mkdtemp(prefix="bipipe-test-cache-")
        os.environ["BIPIPE_CACHE_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return ROOT / "corpus"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run ``bipipe`` in-process; return its exit code and captured stdout/stderr."""

    def run(*argv: str) -> CliResult:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


def article(text: str, doc_id: str = "t") -> Article:
    items = list(ingest_bytes(text.encode("utf-8"), doc_id=doc_id, fmt="txt", path=None,
                              settings=DEFAULT_SETTINGS))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def annotate_text(text: str) -> Document:
    return annotate(article(text))
