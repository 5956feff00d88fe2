"""spaCy components, reached only through the installed ``spacy_factories`` entry points."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
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
    assert {"zh_fragments", "zh_gloss", "zh_clean", "zh_entities", "zh_claims"} <= names


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


def test_entities_and_claims_components_in_a_fresh_process() -> None:
    """``zh_entities`` and ``zh_claims`` after the cleaning components, from ``spacy.blank``
    in a new interpreter (so the entry points, not an earlier import, provide them)."""
    script = """
import json, spacy
nlp = spacy.blank("en")
for name in ("zh_fragments", "zh_gloss", "zh_clean", "zh_entities", "zh_claims"):
    nlp.add_pipe(name)
doc = nlp("Zhipu AI raised 5亿元 (500 million yuan) in 2025.\\n\\n"
          "StepFun (阶跃星辰) plans to list in Hong Kong.")
print(json.dumps({"entities": doc._.zh_entities, "claims": doc._.zh_claims,
                  "spans": [(s.text, s.label_, s.kb_id_) for s in doc.spans["companies"]]},
                 ensure_ascii=False))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True)
    found = json.loads(result.stdout)
    names = {entity["name"]: entity for entity in found["entities"]}
    assert {"Zhipu AI", "StepFun"} <= set(names)
    assert "阶跃星辰" in names["StepFun"]["aliases"]
    assert ["Zhipu AI", "company", "zhipu-ai"] in found["spans"]
    funding = next(claim for claim in found["claims"] if claim["type"] == "funding")
    assert funding["subjects"] == ["zhipu-ai"]
    assert funding["quantities"][0]["text"] == "5亿元"
    assert funding["quantities"][0]["value"] == 500000000
