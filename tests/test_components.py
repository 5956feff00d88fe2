"""spaCy components, reached only through the installed ``spacy_factories`` entry points."""

from __future__ import annotations

import importlib.metadata
import sys

import pytest

from pipeline.scripts import count_han

TEXT = (
    "Six dragons of Chinese AI\n\n"
    "The pace of industry淘汰 (elimination) was faster than anyone anticipated.\n\n"
    "StepFun (阶跃星辰), known in the industry as a giant, saw a 彻底 change."
)


def test_entry_points_list_factories() -> None:
    names = {ep.name for ep in importlib.metadata.entry_points(group="spacy_factories")}
    assert {"zh_fragments", "zh_gloss", "zh_clean"} <= names


def test_pipeline_built_from_entry_points() -> None:
    if "pipeline.components" in sys.modules:
        pytest.skip("pipeline.components was imported earlier in this process")
    import spacy

    nlp = spacy.blank("en")
    for name in ("zh_fragments", "zh_gloss", "zh_clean"):
        nlp.add_pipe(name)
    assert "pipeline.components" in sys.modules  # loaded by spaCy through the entry point
    doc = nlp(TEXT)
    fragments = doc._.zh_fragments
    assert fragments[0]["text"] == "淘汰"
    assert fragments[0]["inline_gloss"]["text"] == "elimination"
    for record in fragments:
        assert doc.text[record["start"]:record["end"]] == record["text"]
    assert len(doc.spans["zh_fragments"]) > 0
    assert count_han(doc._.clean_text) == 0
    assert "industry elimination was faster" in doc._.clean_text
    assert "StepFun, known" in doc._.clean_text
    for c, t, n in doc._.clean_map:
        assert doc._.clean_text[c:c + n] == doc.text[t:t + n]
