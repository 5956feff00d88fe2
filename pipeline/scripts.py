"""Unicode script classes shared by the stages: Han (all CJK extensions), kana, hangul, Latin."""

from __future__ import annotations

import re

# Unified ideographs, Extension A, compatibility ideographs, 〇, and the supplementary planes
# (Extensions B to I and the compatibility supplement live between U+20000 and U+323AF).
HAN_CLASS = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
KANA_CLASS = "\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
HANGUL_CLASS = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"

HAN_RE = re.compile(f"[{HAN_CLASS}]")
HAN_RUN_ONLY_RE = re.compile(f"[{HAN_CLASS}]+")
KANA_RE = re.compile(f"[{KANA_CLASS}]")
HANGUL_RE = re.compile(f"[{HANGUL_CLASS}]")
# Latin words: ASCII and Latin-1/Extended letters, digits glued on (Base58Labs, GPT-4).
LATIN_WORD_RE = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f0-9'’]*")
LATIN_LETTER_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")


def is_han(char: str) -> bool:
    return HAN_RE.match(char) is not None


def is_kana(char: str) -> bool:
    return KANA_RE.match(char) is not None


def is_all_han(text: str) -> bool:
    """Is ``text`` a run of Han characters only (智谱, not 智谱AI)?"""
    return HAN_RUN_ONLY_RE.fullmatch(text) is not None


def count_han(text: str) -> int:
    return len(HAN_RE.findall(text))
