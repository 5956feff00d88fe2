"""``make eval``: score the pipeline against the hand-written gold in ``corpus/gold``.

Gold fragments are written as a unique ``context`` with the fragment in square brackets,
so the gold stays readable and exact without hand-counted offsets. The run fails (exit 1)
when any score crosses its floor in ``corpus/gold/floors.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from .clean import KEPT_KINDS
from .core import annotate
from .document import Document
from .ingest import Article, Failure, ingest_path
from .quantities import written_value
from .resources import english_model
from .scripts import HAN_CLASS, count_han
from .settings import DEFAULT_SETTINGS

# Digits glued to Han belong to an amount (30亿 -> "3 billion"), so they split off with it;
# CJK brackets around a fragment become English quotes, so they split off too.
_LATIN_CHUNK_SPLIT = re.compile(
    f"[\\d.,]*[{HAN_CLASS}]+|[(（][^()（）]*[)）]|[「」『』《》、，。：；！？]"
)
_CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV", "PROPN", "NUM"})


@dataclass
class Tally:
    """Counts summed over documents; scores are ratios of them."""

    counts: dict[str, float] = field(default_factory=dict)
    misses: list[str] = field(default_factory=list)

    def add(self, key: str, value: float = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + value

    def ratio(self, hit: str, total: str) -> float:
        return self.counts.get(hit, 0) / self.counts[total] if self.counts.get(total) else 1.0


def resolve_context(text: str, context: str) -> tuple[int, int]:
    """Offsets of the bracketed fragment in ``context``, which must occur once in ``text``."""
    open_at = context.index("[")
    close_at = context.index("]", open_at)
    plain = context[:open_at] + context[open_at + 1:close_at] + context[close_at + 1:]
    found = text.find(plain)
    if found < 0 or text.find(plain, found + 1) >= 0:
        raise ValueError(f"gold context {context!r} occurs {text.count(plain)} times")
    return found + open_at, found + close_at - 1


def score_document(doc: Document, gold: dict[str, Any], tally: Tally) -> None:
    _score_fragments(doc, gold, tally)
    _score_blocks(doc, gold, tally)
    _score_clean(doc, gold, tally)
    if "entities" in gold:
        ids = _score_entities(doc, gold, tally)
        _score_claims(doc, gold, ids, tally)
    for key, expected in gold.get("meta", {}).items():
        tally.add("meta_total")
        if doc.meta.get(key) == expected:
            tally.add("meta_correct")
        else:
            tally.misses.append(f"{doc.id}: meta {key} {doc.meta.get(key)!r} != {expected!r}")


def _score_fragments(doc: Document, gold: dict[str, Any], tally: Tally) -> None:
    predicted = {(f.start, f.end): f for f in doc.fragments}
    gold_spans = set()
    for entry in gold["fragments"]:
        span = resolve_context(doc.text, entry["context"])
        gold_spans.add(span)
        tally.add("fragments_gold")
        fragment = predicted.get(span)
        if fragment is None:
            tally.misses.append(f"{doc.id}: missed fragment {entry['context']!r}")
            continue
        tally.add("fragments_found")
        inline = fragment.inline_gloss.text if fragment.inline_gloss else None
        paired = fragment.paired_with.text if fragment.paired_with else None
        if inline == entry.get("inline_gloss"):
            tally.add("inline_gloss_correct")
        else:
            tally.misses.append(f"{doc.id}: gloss of {entry['context']!r}: {inline!r}")
        if paired == entry.get("paired_with"):
            tally.add("paired_correct")
        else:
            tally.misses.append(f"{doc.id}: pair of {entry['context']!r}: {paired!r}")
        if entry.get("script"):
            tally.add("script_total")
            tally.add("script_correct", fragment.script == entry["script"])
        if inline and fragment.dictionary_gloss:
            tally.add("agreement_total")
            tally.add("agreement_best", gloss_agrees(inline, [fragment.dictionary_gloss]))
            tally.add("agreement_any_sense",
                      gloss_agrees(inline, [fragment.dictionary_gloss, *fragment.senses]))
    for span, fragment in predicted.items():
        tally.add("fragments_predicted")
        if span not in gold_spans:
            tally.misses.append(f"{doc.id}: false fragment {fragment.text!r} at {span}")


def _score_blocks(doc: Document, gold: dict[str, Any], tally: Tally) -> None:
    predicted = [(doc.text[b.start:b.end], b) for b in doc.blocks]
    cursor = 0
    for entry in gold["blocks"]:
        tally.add("blocks_gold")
        match = next((i for i in range(cursor, len(predicted)) if predicted[i][0] == entry["text"]),
                     None)
        if match is None:
            tally.misses.append(f"{doc.id}: block not split as gold {entry['text'][:50]!r}")
            continue
        cursor = match + 1
        block = predicted[match][1]
        tally.add("blocks_matched")
        if block.kind == entry["kind"] and block.role == entry.get("role"):
            tally.add("block_kind_correct")
        else:
            tally.misses.append(
                f"{doc.id}: block {entry['text'][:40]!r} is {block.kind}/{block.role}, "
                f"gold {entry['kind']}/{entry.get('role')}")
        if block.lang == entry["lang"]:
            tally.add("block_lang_correct")
        else:
            tally.misses.append(f"{doc.id}: lang of {entry['text'][:40]!r} is {block.lang}, "
                                f"gold {entry['lang']}")


def _score_clean(doc: Document, gold: dict[str, Any], tally: Tally) -> None:
    clean = doc.clean_text
    tally.add("han_in_clean", count_han(clean))
    for expected in gold.get("clean_contains", []):
        tally.add("clean_contains_total")
        if expected in clean:
            tally.add("clean_contains_found")
        else:
            tally.misses.append(f"{doc.id}: clean text lacks {expected!r}")
    for unwanted in gold.get("clean_absent", []):
        if unwanted in clean:
            tally.add("clean_absent_violations")
            tally.misses.append(f"{doc.id}: clean text has {unwanted!r}")
    for entry in gold["blocks"]:
        if entry["kind"] == "boilerplate" and len(entry["text"]) >= 4 and entry["text"] in clean:
            tally.add("boilerplate_in_clean")
            tally.misses.append(f"{doc.id}: boilerplate in clean text {entry['text'][:40]!r}")
        if entry["kind"] in KEPT_KINDS and entry["lang"] in ("en", "mixed", "und"):
            for chunk in _LATIN_CHUNK_SPLIT.split(entry["text"]):
                if len(chunk.strip()) >= 20:
                    tally.add("sentence_chunks")
                    if chunk.strip() in clean:
                        tally.add("sentence_chunks_kept")
                    else:
                        tally.misses.append(f"{doc.id}: clean text lost {chunk.strip()[:50]!r}")


def _score_entities(doc: Document, gold: dict[str, Any], tally: Tally) -> dict[str, str]:
    """Company precision and recall; returns gold name -> predicted entity id.

    A predicted company is the gold one when their names agree or a form the pipeline found
    is one of the gold surface forms (both casefolded)."""
    wanted = [entry for entry in gold["entities"] if not entry.get("boilerplate_only")]
    unmatched = list(doc.entities)
    matched: dict[str, str] = {}
    for entry in wanted:
        forms = {form.casefold() for form in [entry["name"], *entry["surface"]]}
        tally.add("entities_gold")
        tally.add("surfaces_gold", len(set(entry["surface"])))
        entity = next((e for e in unmatched if e.name.casefold() in forms
                       or any(m.text.casefold() in forms for m in e.mentions)), None)
        if entity is None:
            tally.misses.append(f"{doc.id}: missed company {entry['name']!r}")
            continue
        unmatched.remove(entity)
        matched[entry["name"]] = entity.id
        tally.add("entities_found")
        if entity.type == entry["type"]:
            tally.add("entity_type_correct")
        else:
            tally.misses.append(f"{doc.id}: {entity.name!r} is {entity.type}, gold {entry['type']}")
        seen = {mention.text.casefold() for mention in entity.mentions}
        for form in set(entry["surface"]):
            if form.casefold() in seen:
                tally.add("surfaces_found")
            else:
                tally.misses.append(f"{doc.id}: {entity.name!r} lacks the form {form!r}")
    tally.add("entities_predicted", len(doc.entities))
    for entity in unmatched:
        tally.misses.append(f"{doc.id}: false company {entity.name!r} ({entity.source})")
    return matched


def derivable(text: str, quantity: Any) -> bool:
    """Is the quantity the article's own number: its span is exact, and its value is the
    number written there times the scale written there (万, 亿, billion), a written fraction,
    or the first half of a range taking the scale of the second?"""
    if text[quantity.start:quantity.end] != quantity.text:
        return False
    values = written_value(quantity.text, text[quantity.end:quantity.end + 40])
    return any(abs(quantity.value - value) <= 1e-9 * max(1.0, abs(value)) for value in values)


def _same_quantity(found: Any, expected: dict[str, Any]) -> bool:
    value = float(expected["value"])
    if abs(found.value - value) > 1e-6 * max(1.0, abs(value)):
        return False
    return not (found.currency and expected.get("currency")
                and found.currency != expected["currency"])


def _score_claims(doc: Document, gold: dict[str, Any], ids: dict[str, str],
                  tally: Tally) -> None:
    """A gold claim is found when a predicted claim overlaps it with one of its subjects;
    a numeric one also needs every gold number among the predicted claim's quantities."""
    spans = []
    gold_quantities = [q for entry in gold["claims"] for q in entry["quantities"]]
    for entry in gold["claims"]:
        start, end = resolve_context(doc.text, entry["context"])
        spans.append((start, end))
        numeric = bool(entry["quantities"])
        tally.add("claims_gold")
        tally.add("numeric_claims_gold", numeric)
        subjects = {ids.get(name) for name in entry["subjects"]} - {None}
        overlapping = [c for c in doc.claims if c.start < end and start < c.end]
        claim = next((c for c in overlapping if subjects & set(c.subjects)), None)
        if claim is None:
            why = "with another subject " if overlapping else ""
            numbers = "numeric " if numeric else ""
            tally.misses.append(f"{doc.id}: missed {numbers}{entry['type']} claim {why}"
                                f"{entry['context'][:70]!r}")
            continue
        tally.add("claims_found")
        tally.add("claim_type_correct", claim.type == entry["type"])
        tally.add("claim_modality_correct", claim.modality == entry["modality"])
        if claim.type != entry["type"]:
            tally.misses.append(f"{doc.id}: claim type {claim.type}, gold {entry['type']}: "
                                f"{entry['context'][:50]!r}")
        if numeric:
            if all(any(_same_quantity(q, expected) for q in claim.quantities)
                   for expected in entry["quantities"]):
                tally.add("numeric_claims_found")
            else:
                tally.misses.append(
                    f"{doc.id}: numbers of {entry['context'][:60]!r}: "
                    f"{[q.text for q in claim.quantities]} vs "
                    f"{[q['text'] for q in entry['quantities']]}")
    for claim in doc.claims:
        for quantity in claim.quantities:
            if not derivable(doc.text, quantity):
                tally.add("invented_quantities")
                tally.misses.append(f"{doc.id}: quantity {quantity.text!r} does not say "
                                    f"{quantity.value:g}")
        tally.add("claims_predicted")
        if any(claim.start < end and start < claim.end for start, end in spans):
            tally.add("claims_predicted_correct")
            for quantity in claim.quantities:
                tally.add("quantities_predicted")
                if any(_same_quantity(quantity, expected) for expected in gold_quantities):
                    tally.add("quantities_predicted_correct")
                else:
                    tally.add("quantities_not_in_gold")
                    tally.misses.append(f"{doc.id}: quantity {quantity.text!r} is in no gold "
                                        f"claim")
        else:
            tally.misses.append(f"{doc.id}: extra {claim.type} claim {claim.text[:60]!r}")


@lru_cache(maxsize=4096)
def content_lemmas(text: str) -> frozenset[str]:
    """Lemmas of the open-class words (nouns, verbs, adjectives, adverbs, names, numbers).

    Chosen by part of speech, not by spaCy's stop list, which holds adverbs such as
    ``once``, ``also`` and ``still`` that are whole glosses here."""
    return frozenset(
        token.lemma_.lower() for token in english_model()(text) if token.pos_ in _CONTENT_POS
    )


def gloss_agrees(inline: str, glosses: Iterable[str]) -> bool:
    """Two glosses agree when they share a content word after lemmatising."""
    wanted = content_lemmas(inline)
    return any(wanted & content_lemmas(gloss) for gloss in glosses)


def scores(tally: Tally) -> dict[str, float]:
    return {
        "fragment_recall": tally.ratio("fragments_found", "fragments_gold"),
        "fragment_precision": tally.ratio("fragments_found", "fragments_predicted"),
        "inline_gloss_accuracy": tally.ratio("inline_gloss_correct", "fragments_gold"),
        "paired_with_accuracy": tally.ratio("paired_correct", "fragments_gold"),
        "script_accuracy": tally.ratio("script_correct", "script_total"),
        "block_split_recall": tally.ratio("blocks_matched", "blocks_gold"),
        "block_kind_accuracy": tally.ratio("block_kind_correct", "blocks_matched"),
        "block_lang_accuracy": tally.ratio("block_lang_correct", "blocks_matched"),
        "meta_accuracy": tally.ratio("meta_correct", "meta_total"),
        "clean_contains_recall": tally.ratio("clean_contains_found", "clean_contains_total"),
        "sentence_retention": tally.ratio("sentence_chunks_kept", "sentence_chunks"),
        "han_in_clean": tally.counts.get("han_in_clean", 0),
        "boilerplate_in_clean": tally.counts.get("boilerplate_in_clean", 0),
        "clean_absent_violations": tally.counts.get("clean_absent_violations", 0),
        "gloss_agreement": tally.ratio("agreement_best", "agreement_total"),
        "gloss_agreement_any_sense": tally.ratio("agreement_any_sense", "agreement_total"),
        "company_recall": tally.ratio("entities_found", "entities_gold"),
        "company_precision": tally.ratio("entities_found", "entities_predicted"),
        "company_f1": _f1(tally.ratio("entities_found", "entities_gold"),
                          tally.ratio("entities_found", "entities_predicted")),
        "company_type_accuracy": tally.ratio("entity_type_correct", "entities_found"),
        "company_surface_recall": tally.ratio("surfaces_found", "surfaces_gold"),
        "claim_recall": tally.ratio("claims_found", "claims_gold"),
        "claim_precision": tally.ratio("claims_predicted_correct", "claims_predicted"),
        "numeric_claim_recall": tally.ratio("numeric_claims_found", "numeric_claims_gold"),
        "claim_type_accuracy": tally.ratio("claim_type_correct", "claims_found"),
        "claim_modality_accuracy": tally.ratio("claim_modality_correct", "claims_found"),
        "quantity_precision": tally.ratio("quantities_predicted_correct",
                                          "quantities_predicted"),
        "quantities_not_in_gold": tally.counts.get("quantities_not_in_gold", 0),
        "invented_quantities": tally.counts.get("invented_quantities", 0),
    }


def _f1(recall: float, precision: float) -> float:
    return 2 * recall * precision / (recall + precision) if recall + precision else 0.0


def evaluate(corpus: Path, pattern: str = "*") -> tuple[dict[str, float], Tally]:
    """Scores over the gold files matching ``pattern`` (``heldout3-*``: one set alone)."""
    tally = Tally()
    gold_dir = corpus / "gold"
    golds = {path.name.removesuffix(".gold.json"): json.loads(path.read_text(encoding="utf-8"))
             for path in sorted(gold_dir.glob(f"{pattern}.gold.json"))}
    articles: dict[str, Article] = {}
    for path in sorted({corpus / gold["file"] for gold in golds.values()}):
        for item in ingest_path(path, DEFAULT_SETTINGS):
            if isinstance(item, Failure):
                raise ValueError(f"gold input failed to ingest: {item.error.message}")
            articles[item.id] = item
    for doc_id, gold in golds.items():
        score_document(annotate(articles[doc_id]), gold, tally)
    return scores(tally), tally


def check_floors(results: dict[str, float], floors: dict[str, Any]) -> list[str]:
    failures = []
    for name, floor in floors.get("min", {}).items():
        if results[name] < floor:
            failures.append(f"{name} = {results[name]:.3f} is below its floor {floor}")
    for name, ceiling in floors.get("max", {}).items():
        if results[name] > ceiling:
            failures.append(f"{name} = {results[name]:g} is above its ceiling {ceiling}")
    return failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.evaluate")
    parser.add_argument("corpus", type=Path, nargs="?", default=Path("corpus"))
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--only", default="*", metavar="GLOB",
                        help="score only gold ids matching GLOB (floors apply to all only)")
    args = parser.parse_args(argv)
    results, tally = evaluate(args.corpus, args.only)
    for name, value in results.items():
        print(f"{name:28} {value:.3f}")
    if args.show_misses:
        print("\n".join(tally.misses))
    if args.only != "*":
        return 0
    floors = json.loads((args.corpus / "gold" / "floors.json").read_text(encoding="utf-8"))
    failures = check_floors(results, floors)
    for failure in failures:
        print(f"FLOOR: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
