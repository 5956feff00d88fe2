"""Golden tests on the corpus: every article validates; the MarsBit article reads right."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core import annotate
from pipeline.document import Document
from pipeline.ingest import SUFFIX_FORMATS, Article, ingest_path
from pipeline.scripts import count_han
from pipeline.settings import DEFAULT_SETTINGS
from pipeline.write import to_record, validate

CORPUS = Path(__file__).parents[1] / "corpus"
MARSBIT = "llm-six-dragons-marsbit-2026-04-03"


@pytest.fixture(scope="module")
def documents() -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for path in sorted(CORPUS.iterdir()):
        if path.suffix.lower() not in SUFFIX_FORMATS:
            continue
        for item in ingest_path(path, DEFAULT_SETTINGS):
            assert isinstance(item, Article), f"{path.name}: {item}"
            docs[item.id] = annotate(item)
    return docs


def test_corpus_is_read(documents: dict[str, Document]) -> None:
    assert MARSBIT in documents
    # The jsonl feed holds several articles, so there are more documents than files.
    files = [p for p in CORPUS.iterdir() if p.suffix.lower() in SUFFIX_FORMATS]
    assert len(documents) > len(files)


def test_every_record_validates(documents: dict[str, Document]) -> None:
    for doc in documents.values():
        validate(to_record(doc))
        assert count_han(doc.clean_text) == 0, doc.id
        for c, t, n in doc.clean_map:
            assert doc.clean_text[c:c + n] == doc.text[t:t + n], doc.id


def test_marsbit_must_appear(documents: dict[str, Document]) -> None:
    clean = documents[MARSBIT].clean_text
    assert "The pace of industry elimination was faster than anyone anticipated." in clean
    assert "StepFun, known in the industry as the Four Little Giants" in clean


UNWANTED = ["TheNewsCrypto", "你可能也喜欢", "marsbit", "What are the three core industry laws"]


@pytest.mark.parametrize("unwanted", UNWANTED)
def test_marsbit_must_not_appear(documents: dict[str, Document], unwanted: str) -> None:
    doc = documents[MARSBIT]
    assert unwanted in doc.text  # the furniture is in the input...
    assert unwanted not in doc.clean_text  # ...and out of the clean text


def test_marsbit_meta(documents: dict[str, Document]) -> None:
    meta = documents[MARSBIT].meta
    assert meta["publisher"] == "marsbit"
    assert meta["published"] == "2026-04-03"
