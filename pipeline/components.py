"""spaCy components, registered in one place and exposed through the ``spacy_factories``
entry point, so ``nlp.add_pipe("zh_fragments")`` works in any spaCy pipeline once bipipe is
installed. Each component only calls a stage's pure function and stores JSON-able results
in ``Doc._`` extensions (offsets and strings, never ``Span`` objects) and ``doc.spans``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from .claims import extract_claims
from .clean import clean_with_insertions
from .detect import detect_fragments
from .document import Block, ForeignRun, Fragment, Span
from .entities import Entity, extract_entities
from .gloss import gloss_fragment
from .structure import structure

for _name in ("zh_blocks", "zh_meta", "zh_fragments", "zh_foreign", "clean_text", "clean_map",
              "clean_inserted", "zh_entities", "zh_boilerplate_entities", "zh_claims"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


def _blocks(doc: Doc) -> list[Block]:
    if doc._.zh_blocks is None:
        blocks, found = structure(doc.text)
        doc._.zh_blocks = [block.to_json() for block in blocks]
        doc._.zh_meta = found
    return [Block.from_json(record) for record in doc._.zh_blocks]


class ZhBlocks:
    def __call__(self, doc: Doc) -> Doc:
        doc._.zh_blocks = None
        _blocks(doc)
        return doc


class ZhFragments:
    def __init__(self, spans_key: str) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        fragments, foreign = detect_fragments(doc.text, _blocks(doc))
        self.set_annotations(doc, fragments)
        doc._.zh_foreign = [run.to_json() for run in foreign]
        return doc

    def set_annotations(self, doc: Doc, fragments: list[Fragment]) -> None:
        doc._.zh_fragments = [
            {**fragment.to_json(), "quoted": fragment.quoted} for fragment in fragments
        ]
        # Fragments glued to English words fall inside a token: the span covers that token.
        spans = [doc.char_span(f.start, f.end, label="ZH", alignment_mode="expand")
                 for f in fragments]
        doc.spans[self.spans_key] = [span for span in spans if span is not None]


class ZhGloss:
    def __call__(self, doc: Doc) -> Doc:
        records = doc._.zh_fragments or []
        doc._.zh_fragments = [
            {**gloss_fragment(Fragment.detected_from_json(record)).to_json(),
             "quoted": record.get("quoted", False)}
            for record in records
        ]
        return doc


class ZhClean:
    def __call__(self, doc: Doc) -> Doc:
        fragments = _fragments(doc)
        foreign = [ForeignRun(r["start"], r["end"], r["text"], r["lang"],
                              Span.from_json(r["inline_gloss"])) for r in doc._.zh_foreign or []]
        doc._.clean_text, doc._.clean_map, doc._.clean_inserted = clean_with_insertions(
            doc.text, _blocks(doc), fragments, foreign)
        return doc


def _fragments(doc: Doc) -> list[Fragment]:
    return [_glossed_from_json(record) for record in doc._.zh_fragments or []]


class ZhEntities:
    """Companies: ``doc._.zh_entities`` records, and one span per mention in
    ``doc.spans[spans_key]`` labelled with the type, ``kb_id`` the entity id."""

    def __init__(self, spans_key: str) -> None:
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> Doc:
        entities, boilerplate = extract_entities(
            doc.text, _blocks(doc), _fragments(doc), doc._.clean_text or "",
            doc._.clean_map or [], doc._.clean_inserted or [])
        doc._.zh_entities = [entity.to_json() for entity in entities]
        doc._.zh_boilerplate_entities = [entity.to_json() for entity in boilerplate]
        spans = []
        for entity in entities:
            for mention in entity.mentions:
                span = doc.char_span(mention.start, mention.end, label=entity.type,
                                     kb_id=entity.id, alignment_mode="expand")
                if span is not None:
                    spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc


class ZhClaims:
    def __call__(self, doc: Doc) -> Doc:
        entities = [Entity.from_json(record) for record in doc._.zh_entities or []]
        claims = extract_claims(doc.text, doc._.clean_text or "", doc._.clean_map or [],
                                doc._.clean_inserted or [], entities, _fragments(doc))
        doc._.zh_claims = [claim.to_json() for claim in claims]
        return doc


def _glossed_from_json(record: dict[str, Any]) -> Fragment:
    """A fragment record back as a :class:`Fragment`, glossed if ``zh_gloss`` did not run."""
    fragment = Fragment.detected_from_json(record)
    if record.get("dictionary_gloss") is None and not record.get("pinyin"):
        return gloss_fragment(fragment)
    return replace(fragment, dictionary_gloss=record.get("dictionary_gloss"),
                   pinyin=record.get("pinyin", ""))


@Language.factory("zh_blocks", assigns=["doc._.zh_blocks", "doc._.zh_meta"])
def make_zh_blocks(nlp: Language, name: str) -> ZhBlocks:
    return ZhBlocks()


@Language.factory(
    "zh_fragments", assigns=["doc._.zh_fragments", "doc._.zh_foreign", "doc.spans"],
    default_config={"spans_key": "zh_fragments"},
)
def make_zh_fragments(nlp: Language, name: str, spans_key: str) -> ZhFragments:
    return ZhFragments(spans_key)


@Language.factory("zh_gloss", assigns=["doc._.zh_fragments"], requires=["doc._.zh_fragments"])
def make_zh_gloss(nlp: Language, name: str) -> ZhGloss:
    return ZhGloss()


@Language.factory(
    "zh_clean", assigns=["doc._.clean_text", "doc._.clean_map"],
    requires=["doc._.zh_fragments"],
)
def make_zh_clean(nlp: Language, name: str) -> ZhClean:
    return ZhClean()


@Language.factory(
    "zh_entities", assigns=["doc._.zh_entities", "doc._.zh_boilerplate_entities", "doc.spans"],
    requires=["doc._.clean_text"], default_config={"spans_key": "companies"},
)
def make_zh_entities(nlp: Language, name: str, spans_key: str) -> ZhEntities:
    return ZhEntities(spans_key)


@Language.factory("zh_claims", assigns=["doc._.zh_claims"], requires=["doc._.zh_entities"])
def make_zh_claims(nlp: Language, name: str) -> ZhClaims:
    return ZhClaims()
