"""Stage 5, entities: the companies an article names, each with every form it takes.

Three sources of evidence, in order of trust:

1. ``gazetteer``: the names, aliases and machine-translation variants in
   ``resources/gazetteer/*.jsonl``, matched by a spaCy ``PhraseMatcher`` over the article's
   tokens: Latin words as written, Han runs as our jieba segmenter cuts them (the gazetteer's
   Chinese names are in its dictionary, so they come out whole). A ``weak`` alias (``Gate``,
   ``Kimi``) counts only when the article also names the company unambiguously.
2. ``text``: what the article itself says: ``StepFun (阶跃星辰)``, ``月之暗面 (Moonshot AI)``
   and ``Hong Kong Stock Exchange (HKEX)`` make both forms one company; a capitalised name
   ending in a company word (``Einsia AI``, ``Qingyun Capital``) is a company.
3. ``model``: the English statistical model's organisations in the clean text, kept only
   with a company cue (``the startup X``, ``X Inc``) and never when the name is a product,
   regulator, university or government body (``resources/gazetteer/not_companies.jsonl``).

Mentions are exact spans of ``text``; ``clean_start``/``clean_end`` locate the same words in
``clean_text`` (a dictionary-glossed Chinese name locates its gloss), or are null when the
words are not in the clean text (a boilerplate block, or a Chinese name the clean text drops
because its English pair stands beside it).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .detect import MODIFIER_SUFFIXES
from .document import Block, Fragment, Span
from .gloss import dictionary_sources, segmenter
from .resources import (
    GazetteerEntry,
    cached,
    english_ner,
    gazetteer,
    gc_paused,
    not_companies,
)
from .scripts import HAN_CLASS, HAN_RE, is_all_han
from .sentences import sentences

_TOKEN_RE = re.compile(
    rf"[A-Za-z0-9]+(?:[.&][A-Za-z0-9]+)*|[{HAN_CLASS}]+|[^\s{HAN_CLASS}A-Za-z0-9]")


@dataclass(frozen=True, slots=True)
class Mention:
    start: int
    end: int
    text: str
    block: str
    clean_start: int | None = None
    clean_end: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text, "block": self.block,
                "clean_start": self.clean_start, "clean_end": self.clean_end}


@dataclass
class Entity:
    id: str
    name: str
    type: str
    wikidata: str | None
    source: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def aliases(self) -> list[str]:
        """Every other form the article uses, in order of first use."""
        forms = dict.fromkeys(mention.text for mention in self.mentions)
        forms.pop(self.name, None)
        return list(forms)

    @property
    def boilerplate_only(self) -> bool:
        return all(mention.block == "boilerplate" for mention in self.mentions)

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Entity:
        return cls(record["id"], record["name"], record["type"], record["wikidata"],
                   record["source"], [Mention(**mention) for mention in record["mentions"]])

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "aliases": self.aliases,
                "wikidata": self.wikidata, "source": self.source,
                "mentions": [mention.to_json() for mention in self.mentions]}


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A name found in the text, before mentions become entities."""

    start: int
    end: int
    key: str  # gazetteer name, or the name found in the text
    weak: bool = False
    block: str = "paragraph"


# --- tokens and the gazetteer matcher --------------------------------------------------------


def tokenize(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Latin words, single punctuation marks, and Han runs cut into jieba words."""
    end = len(text) if end is None else end
    tokens: list[tuple[int, int]] = []
    for match in _TOKEN_RE.finditer(text, start, end):
        if HAN_RE.match(match.group()):
            position = match.start()
            for word in segmenter().words(match.group()):
                tokens.append((position, position + len(word)))
                position += len(word)
        else:
            tokens.append((match.start(), match.end()))
    return tokens


class _Gazetteer:
    """A ``PhraseMatcher`` over every alias; match ids are gazetteer names."""

    def __init__(self) -> None:
        from spacy.attrs import LOWER
        from spacy.lang.lex_attrs import lower
        from spacy.matcher import PhraseMatcher
        from spacy.tokens import Doc
        from spacy.vocab import Vocab

        # Matching reads each word's ORTH and LOWER only: a vocabulary that works out just
        # those (as English does) is made at once, where spacy.blank("en") takes a third
        # of a second and every new word costs it a dozen attributes.
        self.vocab = Vocab(lex_attr_getters={LOWER: lower})
        self.matcher = PhraseMatcher(self.vocab)
        self.lower = PhraseMatcher(self.vocab, attr="LOWER")
        self.entries: dict[str, GazetteerEntry] = {}
        owners: dict[str, list[str]] = {}
        for entry in gazetteer():
            self.entries[entry.name] = entry
            for alias in entry.aliases:
                owners.setdefault(alias, []).append(entry.name)
        self.weak: set[tuple[str, str]] = set()
        words_of = _alias_words()
        for alias, names in owners.items():
            words = words_of.get(alias)
            if words is None:  # only if the cache held another gazetteer's, which its key rules out
                words = tuple(alias[start:end] for start, end in tokenize(alias))
            if not words:
                continue
            pattern = Doc(self.vocab, words=list(words))
            for name in names:
                # An alias two companies share is weak for both: the article decides.
                if alias in self.entries[name].weak or len(names) > 1:
                    self.weak.add((name, alias))
                self.matcher.add(name, [pattern])
                self.lower.add(name, [pattern])

    def find(self, text: str, blocks: Sequence[Block]) -> list[_Candidate]:
        from spacy.tokens import Doc

        found: list[_Candidate] = []
        for block in blocks:
            tokens = tokenize(text, block.start, block.end)
            if not tokens:
                continue
            doc = Doc(self.vocab, words=[text[start:end] for start, end in tokens])
            matches = list(self.matcher(doc))
            if block.kind in _HANDLE_KINDS:
                # Bylines and credits write the site's handle in lower case: "marsbit发布于".
                matches += [(key, first, last) for key, first, last in self.lower(doc)
                            if doc[first:last].text.islower()]
            for match_id, first, last in matches:
                name = self.vocab.strings[match_id]
                start, end = tokens[first][0], tokens[last - 1][1]
                if _glued(text, start, end) or _person(text, start, end):
                    continue
                alias = text[start:end]
                if alias not in self.entries[name].aliases:
                    # A lower-case handle ("marsbit"), or other spacing ("深潮 TechFlow").
                    key = re.sub(r"\s+", "", alias).casefold()
                    alias = next((form for form in self.entries[name].aliases
                                  if re.sub(r"\s+", "", form).casefold() == key), alias)
                weak = (name, alias) in self.weak
                found.append(_Candidate(start, end, name, weak, block.kind))
        return found


# Blocks where a site's lower-case handle names it.
_HANDLE_KINDS = frozenset({"byline", "attribution", "boilerplate"})
# The commonest Chinese surnames in pinyin: "Zhao Qiming" is a person, not Qiming Ventures.
_SURNAMES = frozenset([
    "Zhang", "Wang", "Li", "Zhao", "Liu", "Chen", "Yang", "Huang", "Zhou", "Wu", "Xu", "Sun",
    "Ma", "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Song",
    "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan",
    "Yuan", "Cai", "Jiang", "Yu", "Du", "Ye", "Cheng", "Wei", "Su", "Lu", "Ding", "Ren",
    "Shen", "Yao", "Jin", "Fu", "Zhong", "Fang", "Qiu", "Dai", "Xia", "Lei", "Meng", "Qin",
    "Bai", "Kong", "Mao", "Qian", "Yan", "Hou", "Shi", "Tan", "Wen", "Xiong", "Zou", "Xiang",
    "Gu", "Long", "Duan", "Hao", "Shao", "Lai", "Wan", "Yin", "Chang", "Tao"
])


def _person(text: str, start: int, end: int) -> bool:
    """A one-word name right after a Chinese surname is a given name: ``Zhao Qiming``."""
    if " " in text[start:end]:
        return False
    before = re.search(r"([A-Z][a-z]+) $", text[max(0, start - 12):start])
    return bool(before and before.group(1) in _SURNAMES)


def _glued(text: str, start: int, end: int) -> bool:
    """``Gateway`` is not ``Gate``: a Latin match must not continue into a Latin letter."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    latin = re.compile(r"[A-Za-z0-9]")
    return bool(latin.match(text[start]) and latin.match(before)) or bool(
        latin.match(text[end - 1]) and latin.match(after))


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    with gc_paused():
        return _Gazetteer()


def _alias_words() -> dict[str, tuple[str, ...]]:
    """Every gazetteer alias cut into :func:`tokenize`'s words (kept in the cache: cutting
    thousands of names takes the segmenter most of a second)."""
    def build() -> dict[str, tuple[str, ...]]:
        aliases = dict.fromkeys(alias for entry in gazetteer() for alias in entry.aliases)
        return {alias: tuple(alias[start:end] for start, end in tokenize(alias))
                for alias in aliases}

    words: dict[str, tuple[str, ...]] = cached("gazetteer-words", build, **dictionary_sources())
    return words


def warm_up() -> None:
    _gazetteer()


# --- names from the text itself ----------------------------------------------------------------

_COMPANY_WORDS = {
    "ai": "company", "labs": "company", "lab": "company", "technology": "company",
    "technologies": "company", "tech": "company", "robotics": "company",
    "intelligence": "company", "inc": "company", "inc.": "company", "ltd": "company",
    "ltd.": "company", "limited": "company", "corp": "company", "corp.": "company",
    "corporation": "company", "co.": "company", "group": "company", "holdings": "company",
    "semiconductor": "company", "semiconductors": "company", "motors": "company",
    "automotive": "company", "dynamics": "company", "systems": "company", "software": "company",
    "networks": "company", "digital": "company", "biotech": "company", "pharma": "company",
    "electronics": "company", "mobility": "company", "robot": "company", "robots": "company",
    "capital": "investor", "ventures": "investor", "venture": "investor",
    "partners": "investor", "investment": "investor", "investments": "investor",
    "securities": "investor", "fund": "investor", "asset management": "investor",
    "venture partners": "investor", "capital partners": "investor", "guidance fund": "investor",
    "family office": "investor", "asset managers": "investor", "auto": "company",
    "computing": "company", "microelectronics": "company", "consulting": "investor",
    "advisory": "investor", "advisors": "investor", "management": "investor",
    "finance": "company", "financial": "company", "bank": "company", "insurance": "company",
    "custody": "company", "pay": "company", "payments": "company", "assurance": "company",
    "fintech": "company", "mining": "company", "compute": "company", "graphics": "company",
    "manufacturing": "company", "materials": "company",
    "energy": "company", "precision": "company", "supply chain": "company",
    "exchange": "exchange", "media": "media", "news": "media", "daily": "media",
    "research": "media",
}
_ZH_COMPANY_SUFFIX = re.compile(
    r"(?:科技|技术|智能|集团|公司|资本|资本管理|投资|基金|创投|证券|银行|交易所|控股|网络|机器人|支付|"
    r"汽车|半导体|电子|实验室|动力|传媒|财经|新闻|日报|研究院|資本|證券|銀行|交易所|控股|網絡|機器人|"
    r"汽車|半導體|電子|實驗室|動力|傳媒|財經|新聞|科技|技術|集團)$")
_ZH_TYPES = (("资本", "investor"), ("資本", "investor"), ("投资", "investor"),
             ("基金", "investor"), ("创投", "investor"), ("证券", "investor"),
             ("證券", "investor"), ("交易所", "exchange"), ("传媒", "media"),
             ("傳媒", "media"), ("财经", "media"), ("財經", "media"), ("新闻", "media"),
             ("新聞", "media"), ("日报", "media"))
# Words that make an organisation something other than a business.
_NOT_BUSINESS_WORDS = frozenset({
    "university", "college", "school", "academy", "institute", "commission", "ministry",
    "bureau", "administration", "authority", "council", "committee", "government",
    "department", "court", "agency", "association", "federation", "party", "foundation",
    "index", "congress", "parliament", "regulator", "regulatory", "police", "army",
    "conference", "summit", "forum", "alliance", "union", "society", "office", "center",
    "centre", "hospital", "church", "museum", "league", "dao",
})
_NAME_WORD = re.compile(r"(?:[A-Z0-9][\w.&'’-]*|of|the|and|de|for|&)$")
_CUE_BEFORE = re.compile(
    r"(?:startup|start-up|company|firm|unicorn|maker|developer|designer|operator|exchange|"
    r"platform|rival|peer|giant|lender|bank|broker|investor|fund|VC|backer|provider|supplier|"
    r"subsidiary|parent|competitor|incubator|studio|lab|manufacturer|issuer|custodian|"
    r"brokerage|insurer|miner|operator)\s+$",
    re.IGNORECASE)
_CUE_AFTER = re.compile(
    r"^(?:,\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,4}(?:startup|start-up|company|firm|unicorn|maker|"
    r"developer|operator|exchange|platform|lender|bank|broker|investor|fund|provider|supplier|"
    r"subsidiary|manufacturer|issuer|family office|custodian|miner|brokerage|insurer)\b"
    r"|\s+(?:Inc|Ltd|Corp|Co|LLC|PLC|AG|GmbH|SA|NV)\b)")


def name_like(words: str) -> bool:
    """``Qingyun Capital``, ``Dark Side of the Moon``: capitalised words, short."""
    parts = words.split()
    return (0 < len(parts) <= 6 and bool(re.match(r"[A-Z0-9]", parts[0]))
            and all(_NAME_WORD.match(part) for part in parts)
            and not HAN_RE.search(words))


def _english_company_type(name: str, cued: bool = False) -> str | None:
    """The type a company word at the end of ``name`` implies, or None. The rest of the name
    must say which company: ``Einsia AI``, not ``Chinese AI`` or ``Embodied AI``."""
    from .lang import is_common_word

    words = name.lower().split()
    if len(words) < 2:
        return None
    for size in (3, 2, 1):
        tail = " ".join(words[-size:])
        head = [word.strip(".,") for word in words[:-size]]
        if tail not in _COMPANY_WORDS or not head or "'s" in name or "’s" in name:
            continue
        if all(word in _GENERIC or word in _PLACES or word in _COMPANY_WORDS
               or word.endswith("-based") for word in head):
            return None
        if tail in _LOOSE_WORDS and not cued and all(
                is_common_word(part) for word in head for part in word.split("-")):
            return None  # "Vertical AI", "Flash News": a description, not a name
        return _COMPANY_WORDS[tail]
    return None


# Places: "Hangzhou AI" is a description, but "Beijing Jingchuang Robotics Fund" a name.
_PLACES = frozenset({
    "hong", "kong", "asia", "pacific", "beijing", "shanghai", "shenzhen", "hangzhou",
    "guangzhou", "taipei", "taiwan", "singapore", "wuhan", "chengdu", "nanjing", "suzhou",
    "hefei", "xi'an", "tianjin", "chongqing", "japan", "korea", "europe", "america", "africa",
    "dubai", "london", "silicon", "valley", "china", "us", "u.s.", "macau", "shandong",
    "guangdong", "zhejiang", "jiangsu", "sichuan", "hubei", "fujian", "xiamen", "changzhou",
})


# Company words that also end ordinary phrases ("independent AI", "financial news").
_LOOSE_WORDS = frozenset({
    "ai", "tech", "technology", "technologies", "intelligence", "digital", "media", "research",
    "computing", "energy", "materials", "software", "systems", "group", "networks", "news",
    "daily", "finance", "mobility", "electronics", "robotics", "dynamics", "auto", "exchange",
    "precision", "fund", "bank", "investment", "investments", "management", "consulting",
    "advisory", "custody", "pay", "payments", "assurance", "mining", "compute", "graphics",
    "manufacturing"})


# Words that describe a kind of company rather than name one.
_GENERIC = frozenset({
    "chinese", "china", "american", "us", "u.s.", "japanese", "korean", "european", "global",
    "asian", "taiwanese", "singaporean", "british", "german", "french", "indian", "western",
    "domestic", "overseas", "foreign", "international", "local", "generative", "open-source",
    "open", "source", "embodied", "physical", "general", "general-purpose", "artificial",
    "large", "big", "small", "new", "leading", "top", "major", "other", "several", "many",
    "the", "a", "an", "this", "that", "these", "those", "its", "their", "our", "your", "his",
    "her", "six", "four", "five", "three", "two", "first", "second", "next", "startup",
    "startups", "model", "models", "agent", "agents", "consumer", "enterprise", "industrial",
    "state", "state-owned", "private", "public", "listed", "unlisted", "and", "of", "&",
    "crypto", "blockchain", "web3", "chip", "chips", "robot", "humanoid", "smart", "cloud",
    "data", "digital", "financial", "investment", "venture", "capital", "tech", "technology",
    "frontier", "mainland", "if", "when", "while", "as",
    "after", "before", "for", "with", "in", "on", "at", "by", "from", "to", "all", "every",
})


def _chinese_company_type(name: str) -> str | None:
    if not _ZH_COMPANY_SUFFIX.search(name) or len(name) < 3:
        return None
    return next((kind for suffix, kind in _ZH_TYPES if name.endswith(suffix)), "company")


def not_business(name: str) -> bool:
    folded = name.casefold().removeprefix("the ")
    if folded in not_companies():
        return True
    return any(word.strip(".,'’") in _NOT_BUSINESS_WORDS for word in folded.split())


# --- the stage ---------------------------------------------------------------------------


@dataclass
class _Found:
    """Entities as they are being built: name -> (type, wikidata, source) and spans."""

    info: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)
    spans: dict[tuple[int, int], str] = field(default_factory=dict)
    # The same spans sorted by start; they never overlap, so their ends are sorted too.
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)

    def _overlapping(self, start: int, end: int) -> range:
        first = bisect.bisect_right(self._ends, start)
        return range(first, bisect.bisect_left(self._starts, end))

    def add(self, start: int, end: int, name: str) -> bool:
        if start >= end or self._overlapping(start, end):
            return False
        index = bisect.bisect_left(self._starts, start)
        self._starts.insert(index, start)
        self._ends.insert(index, end)
        self.spans[(start, end)] = name
        return True

    def names_at(self, start: int, end: int) -> list[str]:
        return [self.spans[(self._starts[i], self._ends[i])]
                for i in self._overlapping(start, end)]


def extract_entities(
    text: str, blocks: Sequence[Block], fragments: Sequence[Fragment], clean_text: str,
    clean_map: Sequence[Sequence[int]], inserted: Sequence[Sequence[int]],
) -> tuple[list[Entity], list[Entity]]:
    """(the article's companies, companies named only in boilerplate)."""
    found = _Found()
    index = _gazetteer()
    _from_gazetteer(found, index, index.find(text, blocks), text)
    _from_company_words(found, text, blocks)
    _from_stock_codes(found, text, blocks)
    _from_pairs(found, text, fragments)
    _from_acronyms(found, text, blocks)
    _from_model(found, text, blocks, clean_text, clean_map)
    _from_pairs(found, text, fragments)  # pairs whose English side only the model found
    _repeat_names(found, text, blocks)
    _from_literal_translations(found, text, blocks)
    return _entities(found, text, blocks, fragments, clean_map, inserted)


def _from_gazetteer(found: _Found, index: _Gazetteer, candidates: list[_Candidate],
                    text: str) -> None:
    strong = {candidate.key for candidate in candidates if not candidate.weak}
    strong_spans = [(c.start, c.end) for c in candidates if not c.weak]
    # Longest first, so "Alibaba Cloud" wins over "Alibaba"; then strong before weak.
    ordered = sorted(candidates, key=lambda c: (c.start - c.end, c.weak, c.start, c.key))
    for candidate in ordered:
        entry = index.entries[candidate.key]
        if candidate.weak and candidate.key not in strong and not _weak_but_clear(
                text, candidate, entry.type, strong_spans):
            continue
        end = _with_legal_suffix(text, candidate.end)
        if found.add(candidate.start, end, entry.name):
            found.info.setdefault(entry.name, (entry.type, entry.wikidata, "gazetteer"))


_BRAND_AFTER = re.compile(
    r"(?:['’]s\b|\s?[(（][\u3400-\u9fff]|\s(?:Square|Japan|Exchange|Labs|Ventures|Research|"
    r"Wallet|Group|Global|International|Holdings|Inc|Ltd|Co|Corp|Limited|Official)\b)")
_COMPANY_BEFORE = re.compile(
    r"(?:company|startup|start-up|firm|maker|developer|issuer|unicorn|rival|giant|exchanges?|"
    r"platforms?)\s+$", re.IGNORECASE)
_VENUE_BEFORE = re.compile(r"(?:\b(?:on|at|via)|交易所)\s*$", re.IGNORECASE)
_SOURCE_BEFORE = re.compile(
    r"(?:\btold|according to|report(?:ed|ing) by|cited by|data from|per|据)\s*$",
    re.IGNORECASE)
_LIST_GAP = re.compile(r"(?:\s*(?:,|、|，|&|and|or)\s*)+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:\n\"“‘'(（])\s*$")
_LEGAL_SUFFIX = re.compile(r" (?:Corp|Corporation|Inc|Co|Ltd|Limited|PLC|LLC|Holdings)\b")


def _weak_but_clear(text: str, candidate: _Candidate, kind: str,
                    strong: Sequence[tuple[int, int]]) -> bool:
    """A weak alias (``Gate``, ``Kimi``, ``Tether``) is the company when the text says so:
    a possessive or a brand word after it (``Gate Square``, ``Tether's``), a company word
    before it, ``on Gate`` for an exchange, a list of companies around it, or an everyday
    word capitalised in mid-sentence (``anniversary, Gate will hold``)."""
    from .lang import common_english_words

    start, end = candidate.start, candidate.end
    if _BRAND_AFTER.match(text, end) or _COMPANY_BEFORE.search(text, max(0, start - 24), start):
        return True
    alias = text[start:end]
    if (candidate.block in ("paragraph", "summary", "qa") and alias.istitle()
            and alias.isalpha() and alias.lower() in common_english_words()
            and not _SENTENCE_START.search(text, max(0, start - 4), start)
            and not re.match(r"\s+[A-Z]", text[end:end + 2])):
        return True
    if kind == "exchange" and _VENUE_BEFORE.search(text, max(0, start - 8), start):
        return True
    if kind == "media" and _SOURCE_BEFORE.search(text, max(0, start - 24), start):
        return True
    for other_start, other_end in strong:
        gap = text[other_end:start] if other_end <= start else text[end:other_start]
        if gap and len(gap) <= 8 and _LIST_GAP.fullmatch(gap):
            return True
    return False


def _with_legal_suffix(text: str, end: int) -> int:
    """``Quanta Computer Inc``: the legal form belongs to the mention."""
    match = _LEGAL_SUFFIX.match(text, end)
    return match.end() if match else end


def _from_pairs(found: _Found, text: str, fragments: Sequence[Fragment]) -> None:
    """``StepFun (阶跃星辰)``, ``月之暗面 (Moonshot AI)``: the two sides name one company."""
    for fragment in fragments:
        other = fragment.paired_with or fragment.inline_gloss
        if other is None:
            continue
        english = _trim_name(text, other)
        if english is None:
            continue
        chinese_names = found.names_at(fragment.start, fragment.end)
        english_names = found.names_at(english.start, english.end)
        if english_names and not chinese_names:
            found.add(fragment.start, fragment.end, english_names[0])
        elif chinese_names and not english_names and name_like(english.text):
            found.add(english.start, english.end, chinese_names[0])
        elif not chinese_names and not english_names and name_like(english.text):
            kind = _chinese_company_type(fragment.text) or _english_company_type(english.text)
            if kind is None and _CUE_BEFORE.search(text, max(0, english.start - 24),
                                                   english.start):
                kind = "company"  # "analytics firm Cipherlens (密镜数据)"
            if kind is None or not_business(english.text) or not_business(fragment.text):
                continue
            if found.add(english.start, english.end, english.text):
                found.info.setdefault(english.text, (kind, None, "text"))
                found.add(fragment.start, fragment.end, english.text)


_LISTED_NAME = re.compile(
    r"(?<![\w.&-])((?:[A-Z][\w&.-]*\s){0,3}[A-Z][\w&.-]*)\s?[(（]"
    rf"(?:([{HAN_CLASS}]+)\s*[,，、;；]\s*)?"
    r"(?:(?:stock )?(?:code|ticker|symbol)[:：]?\s*)?(?:\d{4,6}\.(?:HK|SH|SZ|SS|BJ|TW)|"
    r"(?:NASDAQ|Nasdaq|NYSE|HKEX|SEHK|SSE|SZSE|TWSE)\s?:\s?"
    r"[A-Z0-9.]+)[)）]")


def _from_stock_codes(found: _Found, text: str, blocks: Sequence[Block]) -> None:
    """``Hanwei Zhixin (瀚微智芯, 02718.HK)``: a name with a stock code is a listed company,
    and the Chinese beside the code is its Chinese name."""
    for block in blocks:
        for match in _LISTED_NAME.finditer(text, block.start, block.end):
            name = match.group(1)
            if not name_like(name) or not_business(name):
                continue
            known = found.names_at(match.start(1), match.end(1))
            key = known[0] if known else name
            if not known:
                found.info.setdefault(name, ("company", None, "text"))
                found.add(match.start(1), match.end(1), name)
            if match.group(2):
                found.add(match.start(2), match.end(2), key)


def _trim_name(text: str, span: Span) -> Span | None:
    """The name inside a gloss: ``the Moonshot AI`` -> ``Moonshot AI``; None for prose."""
    start, end = span.start, span.end
    while start < end and text[start] in " \"'“‘":
        start += 1
    while end > start and text[end - 1] in " \"'”’.,":
        end -= 1
    if text[start:start + 4].lower() == "the ":
        start += 4
    if start >= end:
        return None
    return Span.of(text, start, end)


_ACRONYM_AFTER = re.compile(r"\s?[(（]([A-Z][A-Za-z0-9&.]{1,9})[)）]")


def _from_acronyms(found: _Found, text: str, blocks: Sequence[Block]) -> None:
    """``Hong Kong Stock Exchange (HKEX)``: the acronym names the same company."""
    acronyms: dict[str, str] = {}
    for (start, end), name in sorted(found.spans.items()):
        match = _ACRONYM_AFTER.match(text, end)
        if match and match.group(1) != text[start:end]:
            found.add(match.start(1), match.end(1), name)
            acronyms.setdefault(match.group(1), name)
    for acronym, name in acronyms.items():
        _find_all(found, text, blocks, acronym, name)


def _find_all(found: _Found, text: str, blocks: Sequence[Block], form: str, name: str) -> None:
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(form)}(?![A-Za-z0-9])")
    for block in blocks:
        for match in pattern.finditer(text, block.start, block.end):
            found.add(match.start(), match.end(), name)


def _from_model(found: _Found, text: str, blocks: Sequence[Block], clean_text: str,
                clean_map: Sequence[Sequence[int]]) -> None:
    """Organisations the statistical model finds in the clean text, with a company cue."""
    if not clean_text:
        return
    known = {word for name in found.spans.values() for word in name.split()}
    known |= {word for start, end in found.spans for word in text[start:end].split()}
    # Only sentences with a capitalised word nothing explains yet go through the model.
    spans = [(start, end) for start, end in sentences(clean_text)
             if _unexplained_name(clean_text, start, end, known)]
    nlp = english_ner()
    for (offset, _), doc in zip(spans, nlp.pipe(clean_text[s:e] for s, e in spans),
                                strict=True):
        for ent in doc.ents:
            if ent.label_ not in ("ORG", "PERSON", "GPE", "PRODUCT", "NORP", "FAC", "WORK_OF_ART"):
                continue
            start, end = ent.start_char, ent.end_char
            if doc.text[start:start + 4].lower() == "the ":
                start += 4
            # "Navers" + "lab": a company word just after the name belongs to it.
            following = re.match(r"\s([A-Za-z]+\.?)", doc.text[end:end + 24])
            if following and following.group(1).lower() in _COMPANY_WORDS:
                end += following.end()
            name = re.sub(r"(?:['’]s?|[.,])$", "", doc.text[start:end]).strip()
            end = start + len(name)
            if (not name_like(name) or not_business(name) or _is_known(found, name)
                    or re.fullmatch(r"[A-Z0-9]{1,6}", name)  # tickers: IBIT, TMUSD
                    or any(name in known for known in found.info)):
                continue  # "Lingxi" for "Lingxi Dynamics": a short form, linked later
            kind = _english_company_type(name)
            if kind is None:
                if ent.label_ != "ORG" or not (
                        _CUE_BEFORE.search(doc.text[max(0, start - 24):start])
                        or _CUE_AFTER.match(doc.text[end:end + 60])
                        or _recurring_name(clean_text, name)):
                    continue
                kind = "company"
            span = _copied(clean_map, offset + start, offset + end)
            if span is None or text[span[0]:span[1]] != name:
                continue
            if found.add(span[0], span[1], name):
                found.info.setdefault(name, (kind, None, "model"))


_NAME_WITH_COMPANY_WORD = re.compile(
    r"(?<![\w.&-])(?:(?:[A-Z][\w&-]*(?:\.[\w&-]+)*|of|and|&) ){1,4}"
    r"(?:AI|Labs?|Technology|Technologies|Tech|Robotics|Intelligence|Capital|Ventures|"
    r"Venture Partners|Capital Partners|Partners|Securities|Asset Management|Holdings|Group|"
    r"Exchange|Auto|Motors|Dynamics|Semiconductors?|Computing|Microelectronics|Fund|"
    r"Guidance Fund|Investments?|Digital|Media|Research|Networks?|Finance|Bank|Inc|Ltd|Corp|"
    r"Limited|Corporation|Precision|Supply Chain|Family Office|Energy|Materials|Software|"
    r"Systems|Electronics|Mobility|Consulting|Advisory|Advisors|Management|Custody|Pay|"
    r"Payments|Assurance|Fintech|Mining|Compute|Graphics|Manufacturing)(?![\w-])")


_OPENERS = frozenset({
    "even", "also", "meanwhile", "but", "and", "so", "then", "still", "yet", "now", "today",
    "however", "while", "although", "after", "before", "since", "when", "as", "if", "unlike",
    "like", "including", "rival", "rivals", "peer", "peers", "both", "only", "just", "last",
    "next", "this", "that", "these", "those", "its", "their", "our", "new", "former", "where",
    "because", "though", "once", "for", "with", "at", "by", "in", "on", "from", "to", "of",
    "why", "how", "what", "which", "whether", "shares", "investors", "analysts", "startup",
    "unicorn", "exchange", "lender", "broker", "fund", "miner", "maker", "carmaker", "chipmaker"})


def _sentence_opener(text: str, start: int, word: str) -> bool:
    """``Even Chengfeng Auto``: a word capitalised only because it opens the sentence is not
    part of the name."""
    return word.lower() in _OPENERS and bool(
        _SENTENCE_START.search(text, max(0, start - 4), start))


def _from_company_words(found: _Found, text: str, blocks: Sequence[Block]) -> None:
    """``Qingyun Capital``, ``Meridian Harbor Asset Management``, ``Einsia AI``: capitalised
    words ending in a company word name a company, when they are not all generic words."""
    for block in blocks:
        if block.lang not in ("en", "mixed"):
            continue
        for match in _NAME_WITH_COMPANY_WORD.finditer(text, block.start, block.end):
            start, end = match.start(), match.end()
            words = match.group().split()
            based = [i for i, word in enumerate(words[:-2]) if word.endswith("-based")]
            if based:  # "Hong Kong-based Victory Bay Securities"
                start += sum(len(word) + 1 for word in words[:based[-1] + 1])
                words = words[based[-1] + 1:]
            while len(words) > 2 and (words[0].lower() in _GENERIC or words[0] in ("Of", "And")
                                      or _sentence_opener(text, start, words[0])):
                start += len(words[0]) + 1
                words = words[1:]
            name = text[start:end]
            cued = bool(_CUE_BEFORE.search(text, max(0, start - 24), start)
                        or _CUE_AFTER.match(text[end:end + 60]))
            kind = _english_company_type(name, cued)
            if kind is None or not_business(name) or _is_known(found, name) or any(
                    word.lower() in ("of", "and", "&") for word in (words[0], words[-2])) or any(
                    word.lower() in _COMPANY_WORDS and following in ("and", "&")
                    for word, following in itertools.pairwise(words)):
                continue  # "Vertical AI and Embodied AI": two phrases, not one name
            if found.add(start, _with_legal_suffix(text, end), name):
                found.info.setdefault(name, (kind, None, "text"))


_CAPITALISED = re.compile(r"(?<![\w.&-])(?:[A-Z][\w&.-]*)")
_CALENDAR = frozenset({
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
    "Saturday", "Sunday", "I", "AI", "CEO", "CFO", "CTO", "IPO", "US", "U.S.", "UK", "EU"})


def _unexplained_name(clean_text: str, start: int, end: int, known: set[str]) -> bool:
    """Does the sentence hold a capitalised word, not its first, that could start a company
    name the model might find: not an everyday or function word, not part of a company
    already found, not a place, a ticker, a product code or a listed non-business?"""
    from spacy.lang.en.stop_words import STOP_WORDS

    from .lang import is_common_word

    for match in _CAPITALISED.finditer(clean_text, start, end):
        word = match.group().rstrip(".")
        if match.start() == start or word in known or word in _CALENDAR:
            continue
        lower = word.lower()
        if (len(word) <= 6 and word.isupper()) or any(ch.isdigit() for ch in word):
            continue  # tickers and codes (USDT, RMB, H20): the model's names are never these
        if lower in STOP_WORDS or lower in _PLACES or lower in _GENERIC or word in _SURNAMES:
            continue
        if lower.endswith(_MODIFIER_ENDINGS) or lower in not_companies():
            continue
        if is_common_word(word) and not word.isupper():
            continue
        return True
    return False


# Detect's name modifiers ("Hong Kong-based"), and "Chinese-speaking".
_MODIFIER_ENDINGS = (*MODIFIER_SUFFIXES, "-speaking")


def _recurring_name(clean_text: str, name: str) -> bool:
    """An organisation the article names three times or more, whose name is no everyday
    word (``Orbix``), is the business the article is about, not a passing guess."""
    from .lang import common_english_words

    if name.lower() in common_english_words() or name.isupper() or re.search(
            r"[a-z][A-Z]|\d|\b(?:Chain|Network|Protocol|Token|Coin|Mainnet|DAO|Finance)\b",
            name):
        return False  # tickers, tokens (USDe), chains and protocols (BNB Chain)
    pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return len(pattern.findall(clean_text)) >= 3


def _is_known(found: _Found, name: str) -> bool:
    folded = name.casefold()
    return any(known.casefold() == folded for known in found.info)


def _repeat_names(found: _Found, text: str, blocks: Sequence[Block]) -> None:
    """A name found once by the text or the model is a name wherever it recurs; so are its
    short forms: the name without its company word (``Tai Hing`` for ``Tai Hing Bank``,
    ``Coral`` for ``Coral Exchange``), and its first word when that is no English word
    (``Einsia`` for ``Einsia AI``)."""
    from .lang import is_common_word

    for name, (_, _, source) in sorted(found.info.items()):
        if source == "gazetteer":
            continue
        _find_all(found, text, blocks, name, name)
        words = name.split()
        bare = " ".join(words[:-1])
        if (len(words) >= 2 and words[-1].lower() in _COMPANY_WORDS and len(bare) > 2
                and bare[0].isupper() and bare.lower() not in _GENERIC
                and bare not in _SURNAMES and not not_business(bare)):
            _find_all(found, text, blocks, bare, name)
        first = words[0]
        if (len(words) >= 2 and len(first) > 2 and first[0].isupper() and first.isalpha()
                and not is_common_word(first) and first.lower() not in _GENERIC
                and first not in _SURNAMES and not not_business(first)):
            _find_all(found, text, blocks, first, name)


_TITLE_PHRASE = re.compile(
    r"(?<![\w-])[A-Z][a-z]+(?: (?:[A-Z][a-z]+|of|the|and)){1,5}(?<! of)(?<! the)(?<! and)"
    r"(?![\w-])")
_FUNCTION_WORDS = frozenset({"of", "the", "and"})


def _from_literal_translations(found: _Found, text: str, blocks: Sequence[Block]) -> None:
    """``Flying Fish Travel`` for 飞鱼出行, ``Fast Hand`` for 快手: a capitalised phrase whose
    every word is a dictionary sense of the company's Chinese name, as the article writes
    that name, is a machine translation of it."""
    chinese: dict[str, set[str]] = {}
    furniture = [(b.start, b.end) for b in blocks if b.kind == "boilerplate"]
    for (start, end), name in found.spans.items():
        if is_all_han(text[start:end]) and not any(
                s <= start < e for s, e in furniture):
            chinese.setdefault(name, set()).update(_literal_words(text[start:end]))
    if not chinese:
        return
    for block in blocks:
        if block.kind == "boilerplate":
            continue
        for match in _TITLE_PHRASE.finditer(text, block.start, block.end):
            # ``The`` opening a sentence is a function word too: "The Chinese" is not a
            # two-word translation of 阶跃星辰 because some sense of a character has "the".
            words = [w.lower() for w in match.group().split()
                     if w.lower() not in _FUNCTION_WORDS]
            if len(words) < 2 or found.names_at(match.start(), match.end()):
                continue
            for name, senses in chinese.items():
                if all(word in senses or word.rstrip("s") in senses for word in words):
                    _find_all(found, text, blocks, match.group(), name)
                    break


@lru_cache(maxsize=4096)
def _literal_words(chinese: str) -> frozenset[str]:
    """Every English word of the senses of the name's words and of its characters."""
    from .gloss import senses_of

    words: set[str] = set()
    for token, _ in segmenter().cut(chinese):
        for unit in {token, *token}:
            for sense in senses_of(unit):
                for word in re.findall(r"[a-z]+", sense.lower()):
                    words.update((word, word.rstrip("s")))
    return frozenset(words)


def _copied(clean_map: Sequence[Sequence[int]], start: int, end: int) -> tuple[int, int] | None:
    """The ``text`` span a clean span was copied from, if it was copied whole."""
    for clean_start, text_start, length in clean_map:
        if clean_start <= start and end <= clean_start + length:
            return text_start + start - clean_start, text_start + end - clean_start
    return None


def clean_span(start: int, end: int, clean_map: Sequence[Sequence[int]],
               inserted: Sequence[Sequence[int]],
               fragments: Sequence[Fragment] = ()) -> tuple[int, int] | None:
    """Where ``text[start:end]`` reads in ``clean_text``: a copy of it, the copy of the inline
    gloss that replaced it, or the dictionary gloss inserted for it; None if dropped."""
    for clean_start, text_start, length in clean_map:
        if text_start <= start and end <= text_start + length:
            return clean_start + start - text_start, clean_start + end - text_start
    for fragment in fragments:
        if fragment.start <= start and end <= fragment.end and fragment.inline_gloss:
            gloss = fragment.inline_gloss
            return clean_span(gloss.start, gloss.end, clean_map, inserted)
    for clean_start, clean_end, text_start, text_end in inserted:
        if text_start <= start and end <= text_end:
            return clean_start, clean_end
    return None


def _entities(found: _Found, text: str, blocks: Sequence[Block],
              fragments: Sequence[Fragment], clean_map: Sequence[Sequence[int]],
              inserted: Sequence[Sequence[int]]) -> tuple[list[Entity], list[Entity]]:
    starts = [block.start for block in blocks]
    by_name: dict[str, Entity] = {}
    for (start, end), name in sorted(found.spans.items()):
        kind, wikidata, source = found.info[name]
        entity = by_name.setdefault(name, Entity("", name, kind, wikidata, source))
        index = bisect.bisect_right(starts, start) - 1
        block = blocks[index].kind if index >= 0 and start < blocks[index].end else "paragraph"
        where = None if block == "boilerplate" else clean_span(
            start, end, clean_map, inserted, fragments)
        entity.mentions.append(Mention(start, end, text[start:end], block,
                                       *(where if where else (None, None))))
    ids: set[str] = set()
    for entity in by_name.values():
        entity.id = _unique(slug(entity.name), ids)
    ordered = sorted(by_name.values(), key=lambda entity: entity.mentions[0].start)
    return ([entity for entity in ordered if not entity.boilerplate_only],
            [entity for entity in ordered if entity.boilerplate_only])


# Compiled once: patterns built per name elsewhere would push it out of re's cache, and the
# Han class makes it slow to compile again.
_SLUG_WORD = re.compile(rf"[a-z0-9]+|[{HAN_CLASS}]+")


def slug(name: str) -> str:
    """A stable id: ``Zhipu AI`` -> ``zhipu-ai``; a Chinese name keeps its characters."""
    words = _SLUG_WORD.findall(name.casefold())
    return "-".join(words) or "entity"


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    taken.add(candidate)
    return candidate


def mentions_in(entities: Iterable[Entity], start: int, end: int) -> list[tuple[Entity, Mention]]:
    return [(entity, mention) for entity in entities for mention in entity.mentions
            if start <= mention.start and mention.end <= end]
