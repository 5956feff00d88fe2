"""``bipipe export``: a finished output folder turned into what annotation tools read.

Three formats, one pure builder each (records in, a JSON-able value or a ``DocBin`` out) and
one dispatcher, :func:`export`, that reads the folder with :mod:`pipeline.outputs`, writes
the file atomically and counts what it wrote:

- ``label-studio``: tasks with the spans as ``predictions``, plus the labeling config that
  matches them, for a Label Studio project;
- ``spacy``: a ``DocBin`` whose docs carry the spans in ``doc.spans`` (the keys and labels
  of :mod:`pipeline.components`) and the rest of the record in ``doc.user_data``;
- ``web-annotation``: a W3C Web Annotation ``AnnotationCollection`` (JSON-LD).

The same folder always gives the same bytes: everything is in record order, every id is
derived from the article id, the kind of span and its offsets, and nothing records a time.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

from . import __version__
from .errors import Errors, InputError
from .outputs import Unusable, article_files, iter_records
from .resources import schema
from .write import atomic_file, dumps, write_atomic, write_bytes_atomic

FORMATS = ("label-studio", "spacy", "web-annotation")

# The span keys and labels of pipeline/components.py, so code that reads the components'
# spans reads an exported Doc's too (the components' ``doc._`` extensions are not set: the
# rest of the record is in ``doc.user_data``, readable without bipipe installed).
FRAGMENTS_KEY, FRAGMENT_LABEL = "zh_fragments", "ZH"
COMPANIES_KEY = "companies"
CLAIMS_KEY = "claims"
USER_DATA_KEY = "bipipe"


@dataclass(frozen=True)
class ExportSummary:
    to: str
    target: Path
    articles: int
    spans: int
    unusable: list[Unusable] = field(default_factory=list)
    config: Path | None = None  # Label Studio's labeling config, written beside the tasks

    @property
    def ok(self) -> bool:
        return not self.unusable


@dataclass(frozen=True)
class _Span:
    """One exported span of a record: a Chinese fragment, an entity mention or a claim."""

    kind: str  # "fragment", "mention" or "claim"
    start: int
    end: int
    text: str
    item: dict[str, Any]  # the fragment, entity or claim record it comes from

    @property
    def local_id(self) -> str:
        """Unique in its article and the same in every export of it. Offsets alone do not
        tell apart two entities named at one place, or two claims read from one sentence:
        the entity or claim id does."""
        kind = {"fragment": "zh", "mention": f"entity-{self.item.get('id')}",
                "claim": f"claim-{self.item.get('id')}"}[self.kind]
        return f"{kind}:{self.start}-{self.end}"


def record_spans(record: dict[str, Any]) -> list[_Span]:
    """Fragments, then entity mentions, then claims, each in record order."""
    spans = [_Span("fragment", f["start"], f["end"], f["text"], f) for f in record["fragments"]]
    spans += [_Span("mention", m["start"], m["end"], m["text"], entity)
              for entity in record["entities"] for m in entity["mentions"]]
    spans += [_Span("claim", c["start"], c["end"], c["text"], c) for c in record["claims"]]
    return spans


def export(out: Path, to: str, target: Path, log: TextIO | None = None) -> ExportSummary:
    """Export every usable article in ``out`` to ``target`` in format ``to``.

    The articles are read and written one at a time (the JSON formats never hold the
    folder in memory; a ``DocBin`` does, by design). A file in ``out`` that is not a
    readable record is reported on ``log`` (stderr by default) and skipped. Raises
    :class:`InputError` when ``out`` is not a folder (E016), holds no usable article (E017)
    or ``target`` cannot be written (E013); ``target`` is then left as it was."""
    if to not in FORMATS:
        raise ValueError(f"unknown export format {to!r} (expected one of {FORMATS})")
    article_files(out)  # E016 before anything is written
    tally = _Tally(out, log or sys.stderr)
    config = None
    try:
        if to == "label-studio":
            with atomic_file(target) as stream:
                write_json_list(stream, label_studio_tasks(tally.records()))
                tally.check()
            config = label_studio_config_path(target)
            write_atomic(config, label_studio_config())
        elif to == "spacy":
            docbin = spacy_docbin(tally.records())
            tally.check()
            write_bytes_atomic(target, docbin.to_bytes())
        else:
            with atomic_file(target) as stream:
                write_web_annotations(stream, tally.records(), collection_id(out))
                tally.check()
    except (OSError, UnicodeError) as error:
        raise InputError(Errors.E013, detail=f"{target}: {error}") from None
    return ExportSummary(to, target, tally.articles, tally.spans, tally.unusable, config)


class _Tally:
    """The usable records of a folder, counted as they go by."""

    def __init__(self, out: Path, log: TextIO) -> None:
        self.out, self.log = out, log
        self.articles = self.spans = 0
        self.unusable: list[Unusable] = []

    def records(self) -> Iterator[dict[str, Any]]:
        for item in iter_records(self.out):
            if isinstance(item, Unusable):
                print(f"bipipe: error: {item.message}", file=self.log)
                self.unusable.append(item)
                continue
            self.articles += 1
            self.spans += len(record_spans(item))
            yield item

    def check(self) -> None:
        """No article at all is an error: an empty export would look like a finished one."""
        if not self.articles:
            what = f"{len(self.unusable)} unusable files" if self.unusable else (
                "no article records")
            raise InputError(Errors.E017, detail=f"{self.out} holds {what}")


def write_json_list(stream: BinaryIO, items: Iterable[Any]) -> None:
    """``json.dumps(list(items), indent=2)`` written item by item."""
    stream.write(b"[")
    for index, item in enumerate(items):
        stream.write(b",\n  " if index else b"\n  ")
        stream.write(dumps(item).rstrip("\n").replace("\n", "\n  ").encode("utf-8"))
    stream.write(b"\n]\n")


# --- Label Studio ---------------------------------------------------------------------


def utf16_offsets(text: str) -> list[int]:
    """``offsets[i]`` is the length of ``text[:i]`` in UTF-16 code units, for i in
    0..len(text): how JavaScript, and so Label Studio, counts a position. A character
    outside the Basic Multilingual Plane (an emoji, 𠮷) is two units, one code point."""
    offsets = [0] * (len(text) + 1)
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        offsets[index + 1] = units
    return offsets


def label_studio_label(span: _Span) -> str:
    if span.kind == "fragment":
        return "ZH_FRAGMENT"
    if span.kind == "mention":
        return str(span.item["type"]).upper()
    return str(span.item["type"])


def _note(span: _Span) -> str:
    """What a reviewer needs beside the label: the gloss, the entity, the claim's reading."""
    item = span.item
    if span.kind == "fragment":
        parts = [f"gloss: {item['gloss']} ({item['gloss_source']})" if item["gloss"]
                 else "gloss: none", f"pinyin: {item['pinyin']}"]
    elif span.kind == "mention":
        parts = [f"{item['name']} ({item['id']})"]
        if item["wikidata"]:
            parts.append(f"wikidata: {item['wikidata']}")
    else:
        parts = [f"modality: {item['modality']}"]
        if item["time"]:
            parts.append(f"time: {item['time']}")
        parts += [f"{q['text']} = {q['value']} {q.get('currency') or q['unit']}"
                  for q in item["quantities"]]
    return "; ".join(parts)


def label_studio_tasks(records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """One task per article, its spans as one prediction, offsets in UTF-16 code units.

    Each region is a ``labels`` result (``label`` for fragments and mentions, ``claim``
    for claims) and a per-region ``textarea`` result (``note``) with the same id, which is
    how Label Studio ties a text field to a region."""
    model_version = f"bipipe-{__version__}"
    for record in records:
        text, article_id = record["text"], record["id"]
        units = utf16_offsets(text)
        result: list[dict[str, Any]] = []
        for span in record_spans(record):
            region_id = f"{article_id}:{span.local_id}"
            start, end = units[span.start], units[span.end]
            result.append({
                "id": region_id, "from_name": "claim" if span.kind == "claim" else "label",
                "to_name": "text", "type": "labels",
                "value": {"start": start, "end": end, "text": span.text,
                          "labels": [label_studio_label(span)]},
            })
            result.append({
                "id": region_id, "from_name": "note", "to_name": "text", "type": "textarea",
                "value": {"start": start, "end": end, "text": [_note(span)]},
            })
        yield {
            "data": {"text": text, "id": article_id, "title": record["meta"].get("title") or ""},
            "predictions": [{"model_version": model_version, "result": result}],
        }


def label_studio_config() -> str:
    """The labeling config the tasks need: every label the schema allows, not only those
    this export happens to use, so later exports import into the same project."""
    defs = schema()["$defs"]
    entity_types = [str(value).upper() for value in defs["entity"]["properties"]["type"]["enum"]]
    claim_types = [str(value) for value in defs["claim"]["properties"]["type"]["enum"]]

    def labels(name: str, values: list[str]) -> str:
        inner = "".join(f"\n    <Label value={quoteattr(value)}/>" for value in values)
        return f'  <Labels name="{name}" toName="text">{inner}\n  </Labels>\n'

    # pre-wrap: without it Label Studio trims runs of spaces on display and in the result.
    return ("<View>\n"
            "  <Style>.htx-text { white-space: pre-wrap; }</Style>\n"
            '  <Header value="$title"/>\n'
            + labels("label", ["ZH_FRAGMENT", *entity_types])
            + labels("claim", claim_types)
            + '  <Text name="text" value="$text" granularity="symbol"/>\n'
              '  <TextArea name="note" toName="text" perRegion="true" editable="true" '
              'displayMode="region-list" rows="2"/>\n'
              "</View>\n")


def label_studio_config_path(target: Path) -> Path:
    return target.with_suffix(".label-config.xml")


# --- spaCy ----------------------------------------------------------------------------


def spacy_doc(record: dict[str, Any], nlp: Any) -> Any:
    """The record as a ``Doc`` of ``nlp``'s vocab whose text is the record's text exactly.

    ``nlp``'s tokenizer splits the text, then every token is cut again at each span
    boundary inside it: a fragment glued to a word (``industry淘汰``) is one token to the
    tokenizer, and widening the span to it would claim ``industry`` was Chinese."""
    from spacy.tokens import Doc

    text = record["text"]
    spans = record_spans(record)
    cuts = sorted({offset for span in spans for offset in (span.start, span.end)})
    words: list[str] = []
    spaces: list[bool] = []
    for token in nlp.tokenizer(text):
        start, end = token.idx, token.idx + len(token.text)
        inner = cuts[bisect.bisect_right(cuts, start):bisect.bisect_left(cuts, end)]
        pieces = [start, *inner, end]
        for left, right in itertools.pairwise(pieces):
            words.append(text[left:right])
            spaces.append(False)
        spaces[-1] = bool(token.whitespace_)
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    if doc.text != text:
        raise InputError(Errors.E010, detail=f"{record['id']}: the spaCy doc's text differs")
    groups: dict[str, list[Any]] = {FRAGMENTS_KEY: [], COMPANIES_KEY: [], CLAIMS_KEY: []}
    for span in spans:
        if span.kind == "fragment":
            key, label, kb_id = FRAGMENTS_KEY, FRAGMENT_LABEL, ""
        elif span.kind == "mention":
            key, label, kb_id = COMPANIES_KEY, span.item["type"], span.item["id"]
        else:
            key, label, kb_id = CLAIMS_KEY, span.item["type"], span.item["id"]
        doc_span = doc.char_span(span.start, span.end, label=label, kb_id=kb_id)
        if doc_span is None:  # every boundary is a token boundary, by construction
            raise InputError(Errors.E010, detail=f"{record['id']}: no span at {span.start}")
        groups[key].append(doc_span)
    for key, group in groups.items():
        doc.spans[key] = group
    doc.user_data[USER_DATA_KEY] = spacy_user_data(record)
    return doc


def spacy_user_data(record: dict[str, Any]) -> dict[str, Any]:
    """What spans cannot hold, as plain JSON values: fragments keyed ``"start:end"``
    (gloss, pinyin, senses...), entities and claims keyed by id, and the record's other
    fields as they were. ``DocBin`` stores them with msgpack, which reads lists back as
    tuples; ``json.dumps`` writes both alike."""
    return {
        "id": record["id"],
        "title": record["meta"].get("title"),
        "schema_version": record["schema_version"],
        "meta": record["meta"],
        "source": record["source"],
        "fragments": {f"{f['start']}:{f['end']}": f for f in record["fragments"]},
        "entities": {entity["id"]: entity for entity in record["entities"]},
        "claims": {claim["id"]: claim for claim in record["claims"]},
        "blocks": record["blocks"],
        "foreign": record["foreign"],
        "boilerplate_entities": record["boilerplate_entities"],
        "clean_text": record["clean_text"],
        "clean_map": record["clean_map"],
    }


def spacy_docbin(records: Iterable[dict[str, Any]]) -> Any:
    from spacy.tokens import DocBin

    from .resources import english_model

    nlp = english_model()
    docbin = DocBin(store_user_data=True)
    for record in records:
        docbin.add(spacy_doc(record, nlp))
    return docbin


# --- W3C Web Annotation ---------------------------------------------------------------

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
QUOTE_CONTEXT = 32  # code points of prefix and suffix, doubled until the quote is unique
MAX_QUOTE_CONTEXT = 256  # or until this: the TextPositionSelector pins the place anyway


def article_iri(article_id: str) -> str:
    """``urn:bipipe:<id>``: an article has no address on the web (it came from a file or a
    feed line, and a file path names one machine), but its id is stable across runs and
    unique in the folder, so a URN on it names the article wherever the export goes."""
    return f"urn:bipipe:{quote(article_id, safe='')}"


def text_quote_selector(text: str, start: int, end: int) -> dict[str, Any]:
    """``exact`` with enough ``prefix`` and ``suffix`` that the first place the three occur
    together is this one, and unique where the text allows it: the context grows from
    QUOTE_CONTEXT code points to MAX_QUOTE_CONTEXT. Text repeated at greater length (a
    disclaimer pasted twice) leaves the quote ambiguous there, as it is in the article."""
    exact = text[start:end]
    width = QUOTE_CONTEXT
    while True:
        prefix, suffix = text[max(0, start - width):start], text[end:end + width]
        quote_ = prefix + exact + suffix
        first = text.find(quote_)
        whole = len(prefix) == start and len(suffix) == len(text) - end
        if whole or width >= MAX_QUOTE_CONTEXT or (
                first == start - len(prefix) and text.find(quote_, first + 1) == -1):
            break
        width *= 2
    selector: dict[str, Any] = {"type": "TextQuoteSelector", "exact": exact}
    if prefix:
        selector["prefix"] = prefix
    if suffix:
        selector["suffix"] = suffix
    return selector


def _target(text: str, source: str, span: _Span) -> dict[str, Any]:
    # The Web Annotation Data Model's Text Position Selector
    # (https://www.w3.org/TR/annotation-model/#text-position-selector) counts positions in
    # Unicode code points, not in UTF-16 or UTF-8 code units: Python's str offsets, which
    # is what the records hold, so they are used as they are (unlike Label Studio's).
    return {"source": source, "selector": [
        text_quote_selector(text, span.start, span.end),
        {"type": "TextPositionSelector", "start": span.start, "end": span.end},
    ]}


def _textual(value: str, purpose: str, language: str | None = None,
             media_type: str = "text/plain") -> dict[str, Any]:
    body: dict[str, Any] = {"type": "TextualBody", "value": value, "format": media_type,
                            "purpose": purpose}
    if language:
        body["language"] = language
    return body


def _bodies(span: _Span) -> tuple[str, list[dict[str, Any]]]:
    """The motivation and bodies of one span's annotation."""
    item = span.item
    if span.kind == "fragment":
        bodies = [_textual("zh-fragment", "tagging")]
        if item["gloss"]:
            bodies.append(_textual(item["gloss"], "describing", "en"))
        if item["pinyin"]:
            # BCP 47: Chinese in Latin script, the pinyin romanisation (a registered variant).
            bodies.append(_textual(item["pinyin"], "describing", "zh-Latn-pinyin"))
        return "describing", bodies
    if span.kind == "mention":
        bodies = []
        if item["wikidata"]:
            bodies.append({"type": "SpecificResource", "purpose": "identifying",
                           "source": f"http://www.wikidata.org/entity/{item['wikidata']}"})
        bodies += [_textual(item["type"], "tagging"),
                   _textual(item["name"], "tagging", "en")]
        return "identifying", bodies
    details = {"id": item["id"], "type": item["type"], "modality": item["modality"],
               "time": item["time"], "cue": item["cue"], "subjects": item["subjects"],
               "quantities": item["quantities"]}
    bodies = [_textual(item["type"], "tagging"), _textual(item["modality"], "classifying"),
              _textual(_note(span), "describing", "en"),
              _textual(json.dumps(details, ensure_ascii=False, sort_keys=True), "describing",
                       media_type="application/json")]
    return "classifying", bodies


def web_annotations(record: dict[str, Any]) -> Iterator[dict[str, Any]]:
    text, article_id = record["text"], record["id"]
    source = article_iri(article_id)
    for span in record_spans(record):
        motivation, bodies = _bodies(span)
        yield {"id": f"{source}:{quote(span.local_id, safe=':')}",
               "type": "Annotation", "motivation": motivation, "body": bodies,
               "target": _target(text, source, span)}


def collection_id(out: Path) -> str:
    """Named by the article files it is made from: the same folder gives the same id,
    another folder a new one."""
    names = "\n".join(path.name for path in article_files(out))
    return f"urn:bipipe:export:{hashlib.sha256(names.encode('utf-8')).hexdigest()[:16]}"


def write_web_annotations(stream: BinaryIO, records: Iterable[dict[str, Any]],
                          identifier: str) -> None:
    """One ``AnnotationCollection`` with every annotation in its first (only) page, written
    annotation by annotation; ``total`` comes last, when it is known (JSON-LD does not
    mind the order of keys)."""
    head = {"@context": ANNO_CONTEXT, "id": identifier, "type": "AnnotationCollection",
            "label": f"bipipe {__version__}"}
    page = {"id": f"{identifier}:page-1", "type": "AnnotationPage", "startIndex": 0}
    stream.write(dumps(head).rstrip().rstrip("}").rstrip().encode("utf-8"))
    stream.write(b',\n  "first": ')
    stream.write(dumps(page).rstrip().rstrip("}").rstrip().replace("\n", "\n  ")
                 .encode("utf-8"))
    stream.write(b',\n    "items": [')
    total = 0
    for record in records:
        for annotation in web_annotations(record):
            stream.write(b",\n      " if total else b"\n      ")
            stream.write(dumps(annotation).rstrip("\n").replace("\n", "\n      ")
                         .encode("utf-8"))
            total += 1
    stream.write(f"\n    ]\n  }},\n  \"total\": {total}\n}}\n".encode())
