"""Stage 4b: the clean English text and its offset map, end to end through core.annotate."""

from __future__ import annotations

import pytest
from conftest import annotate_text

from pipeline.clean import to_text_offset
from pipeline.document import Document
from pipeline.scripts import count_han


def body(sentence: str) -> Document:
    return annotate_text(f"A short title\n\n{sentence}")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The industry淘汰 (elimination) was fast.", "industry elimination was"),
        ("StepFun (阶跃星辰), known in the industry.", "StepFun, known"),
        ("The model is very fragile (fragile).", "very fragile."),
        ("We are on thin ice.一旦 (Once) performance drops.", "thin ice. Once performance"),
        ("Investors and追捧 (pursuit)回归 (returning) to AI.", "and pursuit returning to"),
    ],
)
def test_fragments_become_english(sentence: str, expected: str) -> None:
    doc = body(sentence)
    assert expected in doc.clean_text
    assert count_han(doc.clean_text) == 0
    assert "(" not in doc.clean_text.split("\n\n", 1)[1]


FULL = (
    "Six dragons of Chinese AI\n\n"
    "marsbit发布于2026-04-03更新于2026-04-03\n\n"
    "The pace of industry淘汰 (elimination) was faster than anyone anticipated.\n\n"
    "Then came a 彻底 change in how the 野蛮生长 era ended.\n\n"
    "TheNewsCrypto25分钟前\n\n"
    "相关问答\n\n"
    "QWhat are the core laws here?\n\n"
    "AZhipu AI answered with three.\n\n"
    "This article is from the WeChat public account 36Kr, author: Bob Li.\n\n"
    "你可能也喜欢\n\n"
    "Another headline you might click"
)


@pytest.fixture(scope="module")
def full() -> Document:
    return annotate_text(FULL)


def test_furniture_not_in_clean_text(full: Document) -> None:
    clean = full.clean_text
    assert "faster than anyone anticipated." in clean
    for unwanted in ("marsbit", "TheNewsCrypto", "What are the core laws",
                     "Zhipu AI answered", "This article is from", "Another headline",
                     "2026-04-03"):
        assert unwanted not in clean, unwanted
    assert count_han(clean) == 0
    assert clean.startswith("Six dragons of Chinese AI\n\n")


def test_clean_map_runs_are_copies(full: Document) -> None:
    assert full.clean_map
    for c, t, n in full.clean_map:
        assert n > 0
        assert full.clean_text[c:c + n] == full.text[t:t + n]


def test_to_text_offset(full: Document) -> None:
    clean, text = full.clean_text, full.text
    word = "anticipated"
    at = clean.index(word)
    mapped = to_text_offset(full.clean_map, at)
    assert text[mapped:mapped + len(word)] == word
    assert to_text_offset(full.clean_map, 0) == text.index("Six dragons")
    inserted = clean.index("elimination")
    assert text[to_text_offset(full.clean_map, inserted):].startswith("elimination")


def test_inserted_dictionary_gloss_maps_to_insertion_point(full: Document) -> None:
    clean = full.clean_text
    start = clean.index("Then came a ") + len("Then came a ")
    mapped = to_text_offset(full.clean_map, start)
    text_at = full.text.index("彻底")
    # The gloss of 彻底 is inserted; it maps to where 彻底 was (end of the copied run before it).
    assert text_at - 1 <= mapped <= text_at


def test_a_dictionary_gloss_opening_a_sentence_is_capitalised() -> None:
    doc = annotate_text("It fell sharply on Monday. 一旦 performance slips, investors leave.\n")
    assert "Monday. Once performance slips, investors leave." in doc.clean_text


def test_amounts_without_a_gloss_read_as_english_amounts_and_currencies() -> None:
    doc = annotate_text("Revenue was 45.6亿元 and it raised 2亿美元 from 3万 users last year.\n")
    assert "Revenue was 4.56 billion yuan and it raised 200 million US dollars" in doc.clean_text
    assert "from 30,000 users" in doc.clean_text
