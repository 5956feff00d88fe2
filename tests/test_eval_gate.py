"""The CI quality gate: scores against corpus/gold must not cross their floors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.evaluate import check_floors, evaluate, resolve_context
from pipeline.ingest import Article, ingest_path
from pipeline.settings import DEFAULT_SETTINGS


def test_floors_hold(corpus_dir: Path) -> None:
    results, tally = evaluate(corpus_dir)
    floors = json.loads((corpus_dir / "gold" / "floors.json").read_text(encoding="utf-8"))
    assert set(floors["min"]) | set(floors["max"]) <= set(results)
    failures = check_floors(results, floors)
    assert failures == [], "\n".join(failures + tally.misses[:40])


def test_check_floors_flags_regressions() -> None:
    floors = {"min": {"fragment_recall": 1.0}, "max": {"han_in_clean": 0}}
    assert check_floors({"fragment_recall": 1.0, "han_in_clean": 0}, floors) == []
    assert len(check_floors({"fragment_recall": 0.9, "han_in_clean": 2}, floors)) == 2


def test_gold_contexts_resolve_uniquely(corpus_dir: Path) -> None:
    texts: dict[str, str] = {}
    golds = sorted((corpus_dir / "gold").glob("*.gold.json"))
    assert golds
    checked = 0
    for gold_path in golds:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        for item in ingest_path(corpus_dir / gold["file"], DEFAULT_SETTINGS):
            assert isinstance(item, Article)
            texts[item.id] = item.text
        text = texts[gold["id"]]
        for entry in gold["fragments"]:
            start, end = resolve_context(text, entry["context"])
            inner = entry["context"].split("[", 1)[1].split("]", 1)[0]
            assert text[start:end] == inner, (gold["id"], entry["context"])
            checked += 1
    assert checked > 0


def test_resolve_context_rejects_ambiguity() -> None:
    with pytest.raises(ValueError):
        resolve_context("ab淘汰 x ab淘汰", "ab[淘汰]")
    assert resolve_context("the 淘汰 (x) and 淘汰", "the [淘汰]") == (4, 6)
