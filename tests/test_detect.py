"""Stage 3: fragments, inline glosses, English pairs and Japanese runs."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.detect import (
    _HAN_SPAN,
    _PAIRED_WORD,
    _last_name_break,
    detect_fragments,
    matching_paren,
)
from pipeline.document import Fragment, Span
from pipeline.scripts import HAN_CLASS
from pipeline.structure import structure


def only(text: str) -> Fragment:
    fragments, foreign = detect_fragments(text)
    assert len(fragments) == 1, fragments
    assert foreign == []
    return fragments[0]


def assert_span(text: str, span: Span | None, expected: str) -> None:
    assert span is not None
    assert span.text == expected
    assert text[span.start:span.end] == expected


def test_glued_fragment_with_gloss() -> None:
    text = "industry淘汰 (elimination) was"
    fragment = only(text)
    assert (fragment.start, fragment.end, fragment.text) == (8, 10, "淘汰")
    assert_span(text, fragment.inline_gloss, "elimination")
    assert fragment.paired_with is None


def test_two_adjacent_fragments() -> None:
    text = "追捧 (pursuit)回归 (returning)"
    fragments, _ = detect_fragments(text)
    assert [f.text for f in fragments] == ["追捧", "回归"]
    assert_span(text, fragments[0].inline_gloss, "pursuit")
    assert_span(text, fragments[1].inline_gloss, "returning")


def test_paired_name() -> None:
    text = "StepFun (阶跃星辰),"
    fragment = only(text)
    assert fragment.text == "阶跃星辰"
    assert_span(text, fragment.paired_with, "StepFun")
    assert fragment.inline_gloss is None


def test_paired_name_drops_titles() -> None:
    text = "said Premier Cho Jung-tai (卓榮泰) on Monday"
    assert_span(text, only(text).paired_with, "Cho Jung-tai")


def test_quoted_fragment_gloss_after_closing_quote() -> None:
    text = '"竞合人工智能" (Coopetition AI)'
    fragment = only(text)
    assert fragment.text == "竞合人工智能"
    assert fragment.quoted
    assert_span(text, fragment.inline_gloss, "Coopetition AI")


def test_full_width_parenthesis() -> None:
    text = "监管（regulation）"
    assert_span(text, only(text).inline_gloss, "regulation")


def test_nested_parenthesis_kept_whole() -> None:
    text = "套利 (arbitrage (risk-free))"
    assert_span(text, only(text).inline_gloss, "arbitrage (risk-free)")


def test_traditional_fragment() -> None:
    text = "Taiwan calls TSMC its 護國神山 today."
    assert only(text).text == "護國神山"


def test_extension_b_character() -> None:
    text = "the 𠮷 character"
    fragment = only(text)
    assert fragment.text == "𠮷"
    assert text[fragment.start:fragment.end] == "𠮷"


def test_japanese_is_foreign_not_fragment() -> None:
    text = "頑張ろう (let's do our best)"
    fragments, foreign = detect_fragments(text)
    assert fragments == []
    assert len(foreign) == 1
    assert foreign[0].lang == "ja"
    assert text[foreign[0].start:foreign[0].end] == foreign[0].text
    assert "頑張" in foreign[0].text


def test_fragments_at_line_edges() -> None:
    text = "淘汰 was the word\nand the last was 彻底"
    fragments, _ = detect_fragments(text)
    assert [f.text for f in fragments] == ["淘汰", "彻底"]
    assert fragments[0].start == 0
    assert fragments[1].end == len(text)


def test_han_in_chinese_block_is_not_a_fragment() -> None:
    text = ("Title of the article\n\n这是一个完整的中文段落，讨论人工智能行业的发展。\n\n"
            "The pace of industry淘汰 (elimination) was fast.")
    blocks, _ = structure(text)
    fragments, _ = detect_fragments(text, blocks)
    assert [f.text for f in fragments] == ["淘汰"]


def test_ticker_is_not_a_gloss() -> None:
    assert only("阿里巴巴 (NYSE: BABA)").inline_gloss is None


def test_numeric_amount_gloss() -> None:
    text = "3.2万 (32,000)"
    fragment = only(text)
    assert fragment.text == "万"
    assert_span(text, fragment.inline_gloss, "32,000")


def test_number_only_parenthesis_is_not_a_gloss_elsewhere() -> None:
    assert only("淘汰 (2024)").inline_gloss is None


def test_paired_common_noun_takes_its_noun_phrase_without_determiner() -> None:
    text = "Traders pay the funding fees (资金费) every eight hours."
    (fragment,) = detect_fragments(text)[0]
    assert fragment.paired_with is not None
    assert fragment.paired_with.text == "funding fees"
    assert text[fragment.paired_with.start:fragment.paired_with.end] == "funding fees"


def test_paired_name_drops_titles_but_keeps_multiword_names() -> None:
    text = "Legislator Lin Yi-chen (林宜臻) met General Motors (通用汽车) staff."
    pairs = [f.paired_with.text for f in detect_fragments(text)[0] if f.paired_with]
    assert pairs == ["Lin Yi-chen", "General Motors"]


def test_paired_names_keep_institutions_whole_and_drop_modifiers() -> None:
    cases = {
        "Hong Kong's Securities and Futures Commission (证监会) said": (
            "Securities and Futures Commission"),
        "Hong Kong-based Victory Bay Securities (胜湾证券) said": "Victory Bay Securities",
        "the Bank of China (中国银行) said": "Bank of China",
        "Baidu and Alibaba (阿里巴巴) said": "Alibaba",
        "Shares of Cambricon (寒武纪) rose": "Cambricon",
    }
    for text, expected in cases.items():
        (fragment,) = detect_fragments(text)[0]
        assert fragment.paired_with is not None and fragment.paired_with.text == expected


def test_paired_common_noun_at_another_offset_reuses_the_parsed_clause() -> None:
    first = "Traders pay the funding fees (资金费) every eight hours."
    second = "Basics: Traders pay the funding fees (资金费) every eight hours."
    for text in (first, second, first):
        (fragment,) = detect_fragments(text)[0]
        assert_span(text, fragment.paired_with, "funding fees")


def test_han_span_holds_every_han_character() -> None:
    span = re.compile(f"[{_HAN_SPAN}]")
    han = re.compile(f"[{HAN_CLASS}]")
    assert all(span.match(char) for char in map(chr, range(0x110000)) if han.match(char))


def _matching_paren_by_characters(text: str, opening: int, limit: int) -> int | None:
    """The plain definition: count depth character by character, stop at a line break."""
    depth = 0
    for index in range(opening, limit):
        if text[index] in "(（":
            depth += 1
        elif text[index] in ")）":
            depth -= 1
            if depth == 0:
                return index
        elif text[index] == "\n":
            return None
    return None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="()（）\nab ", max_size=30), st.data())
def test_matching_paren_counts_depth_like_a_character_walk(text: str, data: st.DataObject) -> None:
    opening = data.draw(st.integers(0, len(text)))
    limit = data.draw(st.integers(opening, len(text)))
    assert matching_paren(text, opening, limit) == _matching_paren_by_characters(
        text, opening, limit)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Bank", "of", "U.S.", "M.", "AT&T", "x.y", "O’Neil", "C++",
                                 "a_b", "Ningbo-based", "&", "3", " ", " ", ",", "(", "\t",
                                 ".", "-", "'", "é", "中"]), max_size=25).map("".join),
       st.data())
def test_words_after_the_last_name_break_are_those_a_full_scan_finds(
    text: str, data: st.DataObject
) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    cut = _last_name_break(text, start, end)
    assert start <= cut <= end
    full = [word.span() for word in _PAIRED_WORD.finditer(text, start, end)]
    assert all(word_end < cut or word_start >= cut for word_start, word_end in full)
    assert [word.span() for word in _PAIRED_WORD.finditer(text, cut, end)] == [
        span for span in full if span[0] >= cut]
    # No word before the break joins a name after it: something other than one space
    # stands between them.
    before = [span for span in full if span[0] < cut]
    if before and cut < end:
        assert text[before[-1][1]:cut] != " "
