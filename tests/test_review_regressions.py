"""Regressions found in review: each input once crashed, hung, garbled or misplaced text."""

from __future__ import annotations

import io
import json
import stat
from pathlib import Path

from conftest import annotate_text

from pipeline.batch import run_batch
from pipeline.ingest import decode, safe_id
from pipeline.settings import Settings
from pipeline.structure import is_boilerplate_line, structure
from pipeline.write import offset_problem, to_record


def test_a_parenthesised_fragment_after_a_connector_does_not_crash() -> None:
    doc = annotate_text(
        "It was the (中文) of the words. Shares of (中文) rose. Foo and (中文) bar.\n")
    assert len(doc.fragments) == 3
    assert all(fragment.paired_with is None for fragment in doc.fragments)


def test_breadcrumb_pattern_is_linear_on_many_separators() -> None:
    # Exponential backtracking once made this line hang the batch.
    assert is_boilerplate_line("Alpha  /  " * 22 + "end/") is False
    assert is_boilerplate_line("Home / Taiwan News")


def test_one_bad_byte_keeps_a_utf8_file_utf8() -> None:
    article = ("这是一篇文章。The pace of industry淘汰 (elimination) was faster. " * 30).encode()
    text, encoding = decode(article[:500] + b"\xff" + article[500:])
    assert encoding == "utf-8"
    assert text.count("\ufffd") == 1
    assert text.startswith("这是一篇文章。")


def test_a_lone_q_or_a_line_keeps_block_ranges_and_roles() -> None:
    text = "Q&A\n\nQ\n\nWhat is it?\n\nA\n\nIt is a thing."
    blocks, _ = structure(text)
    assert all(block.start <= block.end for block in blocks)
    roles = {text[b.start:b.end]: b.role for b in blocks if b.kind == "qa"}
    assert roles["What is it?"] == "question"
    assert roles["It is a thing."] == "answer"


def test_a_japanese_phrase_swallows_the_han_before_it() -> None:
    doc = annotate_text("The words 中文・かな漢字 (kanji) are here and there.\n")
    assert not doc.fragments
    assert [run.text for run in doc.foreign] == ["中文・かな漢字"]
    assert "kanji are here" in doc.clean_text
    assert offset_problem(to_record(doc)) is None


def test_long_ids_fit_a_file_name_and_stay_distinct() -> None:
    first, second = safe_id("中" * 90), safe_id("中" * 91)
    assert len(first.encode()) <= 160 and len(second.encode()) <= 160
    assert first != second


def test_outputs_are_readable_by_others_and_bad_lines_do_not_stop_the_batch(
        tmp_path: Path) -> None:
    feed = tmp_path / "in" / "feed.jsonl"
    feed.parent.mkdir()
    good = {"id": "ok", "published": "2024/3/5", "title": 123,
            "text": "The pace of industry淘汰 (elimination) was faster than anyone thought."}
    lines = ["[" * 100000, json.dumps({"id": "中" * 90, "text": good["text"]}), json.dumps(good)]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch([feed.parent, feed], out, Settings(), log=io.StringIO())
    assert summary.counts["written"] == 2  # the feed named twice is read once
    assert summary.counts["failed_E005"] == 1
    record = json.loads((out / "ok.json").read_text(encoding="utf-8"))
    assert record["meta"]["published"] == "2024-03-05"
    assert record["meta"]["title"] == "123"
    mode = stat.S_IMODE((out / "ok.json").stat().st_mode)
    assert mode & stat.S_IROTH
    assert json.loads((out / "_stats.json").read_text())["articles"]["written"] == 2


def test_front_matter_is_markdown_only() -> None:
    doc = annotate_text("---\nA plain text title\n---\n\nThe pace of industry picked up.\n")
    assert doc.source.format == "txt"
    assert "A plain text title" in doc.clean_text


def test_a_claim_over_a_glossed_name_keeps_the_chinese_and_its_parenthesis() -> None:
    from conftest import annotate_text

    doc = annotate_text("月之暗面 (Moonshot AI) raised $1 billion in 2025.\n")
    (claim,) = doc.claims
    assert claim.text == "月之暗面 (Moonshot AI) raised $1 billion in 2025."


def test_amounts_with_compound_units_and_bounds_read_as_english() -> None:
    from conftest import annotate_text

    doc = annotate_text("Zhipu AI raised 5千万元 last year. Revenue reached 3亿元以上.\n")
    assert "raised 50 million yuan last year" in doc.clean_text
    assert "300 million yuan or more" in doc.clean_text
    quantities = [q for claim in doc.claims for q in claim.quantities]
    assert [(q.text, q.value, q.bound) for q in quantities] == [
        ("5千万元", 5e7, None), ("3亿元", 3e8, "lower")]

