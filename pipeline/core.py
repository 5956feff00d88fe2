"""One article through every stage: ingest's output in, a finished :class:`Document` out."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from . import __version__
from .byline import clean_name
from .claims import extract_claims
from .clean import (
    KEPT_KINDS,
    KEPT_LANGS,
    clean_with_insertions,
    is_kept,
    with_amount_glosses,
)
from .detect import detect_fragments
from .document import META_KEYS, Document
from .entities import extract_entities
from .gloss import gloss
from .ingest import Article
from .resources import not_companies
from .scripts import count_han
from .settings import DEFAULT_SETTINGS, Settings
from .structure import structure
from .timing import Stopwatch


def annotate(article: Article, settings: Settings = DEFAULT_SETTINGS,
             watch: Stopwatch | None = None) -> Document:
    """Every stage over one article; ``watch`` collects the time each stage took."""
    stage = (watch or Stopwatch()).stage
    doc = Document(article.id, article.text, article.source, meta=dict(article.meta))
    for key in META_KEYS:
        doc.meta.setdefault(key, None)
    with stage("structure"):
        doc.blocks, found = structure(doc.text, doc.meta, settings,
                                      markdown=article.source.format == "md")
        for key, value in found.items():
            if doc.meta.get(key) is None:
                doc.meta[key] = value
        if doc.meta.get("title") is None:
            doc.meta["title"] = next(
                (doc.text[b.start:b.end] for b in doc.blocks if b.kind == "title"), None)
        if doc.meta.get("publisher") is None and doc.meta.get("title"):
            doc.meta["publisher"] = site_in_title(str(doc.meta["title"]))
    with stage("detect"):
        fragments, doc.foreign = detect_fragments(doc.text, doc.blocks)
    with stage("gloss"):
        doc.fragments = with_amount_glosses(doc.text, gloss(fragments))
    with stage("clean"):
        doc.clean_text, doc.clean_map, doc.clean_inserted = clean_with_insertions(
            doc.text, doc.blocks, doc.fragments, doc.foreign)
    with stage("entities"):
        doc.entities, doc.boilerplate_entities = extract_entities(
            doc.text, doc.blocks, doc.fragments, doc.clean_text, doc.clean_map,
            doc.clean_inserted)
        if doc.meta.get("publisher") is None:
            doc.meta["publisher"] = site_on_page(doc)
    with stage("claims"):
        doc.claims = extract_claims(doc.text, doc.clean_text, doc.clean_map,
                                    doc.clean_inserted, doc.entities, doc.fragments)
    doc.stats = document_stats(doc)
    if article.ingest_stats:
        doc.stats["ingest"] = dict(article.ingest_stats)
    return doc


def site_in_title(title: str) -> str | None:
    """``7×24h Flash News | Jinse Finance (金色财经)`` -> ``Jinse Finance``: page titles
    end with the site's name after a bar."""
    head, bar, site = title.rpartition(" | ")
    if not bar or not head.strip() or not 0 < len(site.split()) <= 4:
        return None
    return clean_name(site) or None


def site_on_page(doc: Document) -> str | None:
    """The site named around the article when no byline says who published it: a site-name
    line above the title (``币安广场``) or a news outlet named in the page footer (``... at
    the Taipei Times' discretion``)."""
    title = next((i for i, block in enumerate(doc.blocks) if block.kind == "title"), None)
    if title is None:
        return None
    last_content = max((i for i, block in enumerate(doc.blocks)
                        if block.kind not in ("boilerplate", "byline", "attribution")),
                       default=title)
    for index in range(title):
        line = doc.text[doc.blocks[index].start:doc.blocks[index].end].strip()
        if (index == 0 and not_companies().get(line.casefold()) == "product") or any(
                entity.type == "media" and any(m.text == line for m in entity.mentions)
                for entity in (*doc.entities, *doc.boilerplate_entities)):
            return line
    for entity in (*doc.entities, *doc.boilerplate_entities):
        if entity.type == "media" and any(
                mention.block == "boilerplate" and mention.start >= doc.blocks[last_content].end
                and not _LINK_LINE.match(doc.text, _line_start(doc.text, mention.start))
                for mention in entity.mentions):
            return str(entity.name)
    return None


# Footer lines that point elsewhere: the outlet they name did not publish this article.
_LINK_LINE = re.compile(r"(?:Related|Read more|Read next|Also read|See also|More from)\b",
                        re.IGNORECASE)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def document_stats(doc: Document) -> dict[str, Any]:
    kinds = Counter(block.kind for block in doc.blocks)
    return {
        "pipeline_version": __version__,
        "chars": len(doc.text),
        "blocks": len(doc.blocks),
        "blocks_by_kind": dict(sorted(kinds.items())),
        "blocks_in_clean_text": sum(1 for block in doc.blocks if is_kept(block, doc.text)),
        # Article text left out of clean_text because its language is not English.
        "blocks_dropped_other_lang": sum(
            1 for block in doc.blocks
            if block.kind in KEPT_KINDS and block.lang not in KEPT_LANGS),
        "fragments": len(doc.fragments),
        "fragments_inline_gloss": sum(1 for f in doc.fragments if f.inline_gloss),
        "fragments_paired": sum(1 for f in doc.fragments if f.paired_with),
        "fragments_dictionary_gloss": sum(
            1 for f in doc.fragments if f.gloss_source == "dictionary" and not f.paired_with),
        "fragments_without_gloss": sum(1 for f in doc.fragments if f.gloss is None),
        "foreign_runs": len(doc.foreign),
        "han_in_clean_text": count_han(doc.clean_text),
        "entities": len(doc.entities),
        "entities_by_source": dict(sorted(Counter(e.source for e in doc.entities).items())),
        "boilerplate_entities": len(doc.boilerplate_entities),
        "mentions": sum(len(entity.mentions) for entity in doc.entities),
        "claims": len(doc.claims),
        "claims_by_type": dict(sorted(Counter(claim.type for claim in doc.claims).items())),
        "quantities": sum(len(claim.quantities) for claim in doc.claims),
    }
