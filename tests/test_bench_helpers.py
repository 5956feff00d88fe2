"""The benchmark's corpus builder and its cheap baselines (timings are never asserted)."""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "benchmarks"))

from baselines import detector, regex_scan
from corpus_builder import FORMATS, build_corpus, read_samples, texts

from pipeline.scripts import HAN_CLASS

GLOSSED = re.compile(rf"[{HAN_CLASS}]+ ?[(（][^()（）\n]+[)）]")


@pytest.fixture(scope="module")
def small_corpus(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return build_corpus(corpus_dir, tmp_path_factory.mktemp("bench"), articles=20,
                        megabytes=0.1, seed=7)


def test_same_seed_same_bytes(corpus_dir: Path, small_corpus: list[Path],
                              tmp_path: Path) -> None:
    again = build_corpus(corpus_dir, tmp_path, articles=20, megabytes=0.1, seed=7)
    assert [path.name for path in again] == [path.name for path in small_corpus]
    assert [path.read_bytes() for path in again] == [path.read_bytes() for path in small_corpus]


def test_other_seed_other_text(corpus_dir: Path, small_corpus: list[Path],
                               tmp_path: Path) -> None:
    other = build_corpus(corpus_dir, tmp_path, articles=20, megabytes=0.1, seed=8)
    assert texts(other) != texts(small_corpus)


def test_count_size_and_formats(small_corpus: list[Path]) -> None:
    articles = texts(small_corpus)
    assert len(articles) == 20
    assert len(set(articles)) == 20
    size = sum(path.stat().st_size for path in small_corpus) / 1_000_000
    assert 0.08 <= size <= 0.12
    assert {path.suffix.lstrip(".") for path in small_corpus} == set(FORMATS)


def test_fragments_and_glosses_are_kept_whole(corpus_dir: Path,
                                              small_corpus: list[Path]) -> None:
    # Paragraphs are never cut and figures change only outside Chinese and its glosses, so
    # every glossed fragment written was in a sample, exactly.
    samples = "\n".join(html.unescape(piece) for sample in read_samples(corpus_dir)
                        for piece in sample.head + sample.body + sample.tail)
    written = set(GLOSSED.findall("\n".join(texts(small_corpus))))
    assert len(written) > 20
    assert written <= set(GLOSSED.findall(samples))


def test_texts_strip_html(small_corpus: list[Path]) -> None:
    (page,) = [path for path in small_corpus if path.suffix == ".html"][:1]
    (text,) = texts([page])
    assert "<" not in text.replace("&lt;", "")
    assert "&amp;" not in text
    assert "\n\n" in text


def test_cheap_baselines_count_documents() -> None:
    articles = ["Lingxi Dynamics (灵犀动力) closed a 7亿元 (about US$98 million) round.",
                "The pace of industry淘汰 (elimination) was faster than anyone expected."]
    for baseline in (regex_scan, detector):
        result = baseline(articles, None)
        assert result["docs"] == 2
        assert result["seconds"] > 0
        assert result["mb_per_s"] > 0
