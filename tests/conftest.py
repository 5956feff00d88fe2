"""Shared fixtures: the corpus folder, an in-process CLI runner and small article builders."""

from __future__ import annotations

import io
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


# An article written to attack the report: markup in the title and the text must show as
# text and never run. It also has glossed fragments glued to English, two companies, claims,
# a byline the clean text leaves out, and a character outside the BMP.
HOSTILE_ARTICLE = """\
Tencent <script>window.__bipipe_pwned = 1</script> raises $2 billion for AI agents 🚀

Odaily发布于2026-04-03更新于2026-04-03

Tencent (腾讯) said on Monday that it had raised $2 billion in new funding, as the pace of \
industry淘汰 (elimination) was faster than anyone expected.

A reader left " onmouseover="window.__bipipe_pwned = 2" and \
<img src=x onerror="window.__bipipe_pwned = 3"> in the comments under the post.

Alibaba (阿里巴巴) expects its cloud revenue to reach 5亿 (500 million yuan) in 2027, the \
company said.
"""


@pytest.fixture(scope="session")
def report_inputs(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """The hostile article, two real ones (a 36Kr feed), and an input that fails (E001)."""
    folder = tmp_path_factory.mktemp("report-inputs")
    (folder / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    shutil.copy(corpus_dir / "synthetic-36kr-feed.jsonl", folder)
    return folder


@pytest.fixture(scope="session")
def report_outputs(tmp_path_factory: pytest.TempPathFactory, report_inputs: Path) -> Path:
    """``bipipe run`` over :func:`report_inputs` (the report tests copy it before changing)."""
    from pipeline.batch import run_batch
    from pipeline.settings import Settings

    out = tmp_path_factory.mktemp("report-outputs")
    summary = run_batch([report_inputs], out, Settings(workers=1, quiet=True), log=io.StringIO())
    assert summary.counts["written"] == 3 and summary.counts["failed"] == 1
    return out
