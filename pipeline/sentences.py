"""Sentences of the clean text, for the stages that read English a sentence at a time."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]|Inc|Ltd|Co|Corp|No|vs|etc|e\.g|i\.e|Mr|Ms|Mrs|Dr|Prof|St|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|est|U\.S|U\.K)\.)$")


def sentences(clean_text: str) -> list[tuple[int, int]]:
    """Sentence spans of the clean text; paragraph breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(clean_text):
        if "\n" not in match.group() and _ABBREVIATIONS.search(
                clean_text, max(0, match.start() - 8), match.start()):
            continue  # "Nvidia Corp. earned", "the U.S. market", "Co. Ltd. raised"
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(clean_text)))
    return [(s, e) for s, e in spans if clean_text[s:e].strip()]
