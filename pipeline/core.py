"""One article through every stage: ingest's output in, a finished :class:`Document` out."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import __version__
from .byline import clean_name
from .clean import KEPT_KINDS, KEPT_LANGS, clean, is_kept
from .detect import detect_fragments
from .document import META_KEYS, Document
from .gloss import gloss
from .ingest import Article
from .scripts import count_han
from .settings import DEFAULT_SETTINGS, Settings
from .structure import structure


def annotate(article: Article, settings: Settings = DEFAULT_SETTINGS) -> Document:
    doc = Document(article.id, article.text, article.source, meta=dict(article.meta))
    for key in META_KEYS:
        doc.meta.setdefault(key, None)
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
    fragments, doc.foreign = detect_fragments(doc.text, doc.blocks)
    doc.fragments = gloss(fragments)
    doc.clean_text, doc.clean_map = clean(doc.text, doc.blocks, doc.fragments, doc.foreign)
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
    }
