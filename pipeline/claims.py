"""Stage 5, claims: sentences that assert something checkable about the article's companies.

Sentences come from the clean text (English only), so the parser never sees Chinese. A
sentence is a candidate when it names one of the article's companies (or opens with ``It`` /
``The company`` right after one was the subject) and has a topic cue (``revenue``, ``raised``,
``IPO``, ``market share``...). Only candidates are parsed: the dependency parse decides which
named companies are the claim's subjects (the grammatical subject, the owner of the figure:
``Zhipu's revenue``), not those in a ``led by`` or ``than`` phrase.

The claim's span, its quantities and its time are read from ``text`` (the original), so every
quantity is the article's own words: ``50亿元`` stays ``50亿元`` even though the clean text reads
``5 billion yuan``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .entities import Entity
from .quantities import Quantity, find_quantities, find_time
from .resources import english_model

CLAIM_TYPES = ("listing", "revenue", "profit_loss", "valuation", "funding", "users",
               "rd_spend", "market_position", "strategy", "acquisition", "regulatory",
               "forecast")
MODALITIES = ("fact", "forecast", "hedged", "opinion")


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    type: str
    subjects: tuple[str, ...]
    text: str
    start: int
    end: int
    quantities: tuple[Quantity, ...]
    time: str | None
    modality: str
    cue: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "subjects": list(self.subjects),
                "text": self.text, "start": self.start, "end": self.end,
                "quantities": [quantity.to_json() for quantity in self.quantities],
                "time": self.time, "modality": self.modality, "cue": self.cue}


def _cues(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


# Topic cues, tried in this order when no quantity decides between them.
_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("listing", _cues(
        r"IPOs?|initial public offering|listings?|list(?:ed|s)?(?! of| above| below)|"
        r"go(?:es|ing)? public|went public|debut(?:ed|s)?|prospectus|listing hearing|"
        r"first day of trading|offer price|H-shares?|delist(?:ed|ing)?|ring(?:s|ing)? the bell|"
        r"shares? (?:rose|fell|jumped|surged|soared|closed|opened|plunged|dropped)|"
        r"(?:opened|closed) (?:at|up|down)|oversubscribed|cornerstone investors?")),
    ("funding", _cues(
        r"rais(?:e|ed|es|ing)|funding|financing|(?:funding )?rounds?|Series [A-F]\+?|"
        r"seed round|angel round|pre-IPO round|invest(?:ed|s|ing|ment|ments)?|backed|led by|"
        r"capital injection|co-led|participated|backers")),
    ("acquisition", _cues(
        r"acquir(?:e|ed|es|ing)|acquisitions?|merg(?:e|ed|er|ers|ing)|takeover|take over|"
        r"took over|bought|buy(?:s|ing)? (?:a |an )?(?:\d+% )?stake|stake in|divest\w*|"
        r"sold (?:its|a|an) (?:\w+ )?stake")),
    ("valuation", _cues(
        r"valuations?|valued at|valuing|market (?:cap|capitali[sz]ation|value)|worth|"
        r"share price|stock price|price target|(?:per )?share(?:s)? (?:traded|trading) at")),
    ("revenue", _cues(
        r"revenues?|sales|turnover|top line|GMV|gross merchandise|income(?! statement)|"
        r"earn(?:ed|s)|generated|bookings|ARR|annual recurring")),
    ("profit_loss", _cues(
        r"profits?|profitable|profitability|loss(?:es)?|lost|losing|margins?|"
        r"break(?:s|-| )?even|net income|earnings|EBITDA|burn(?:ed|ing|s)?|cash flow|"
        r"in the red|in the black|deficit")),
    ("users", _cues(
        r"users|customers|subscribers|downloads|developers|MAUs?|DAUs?|monthly active|"
        r"daily active|clients|accounts|members|paying|registered users")),
    ("rd_spend", _cues(
        r"R&D|research and development|compute (?:spending|costs?|bills?)|capex|"
        r"capital expenditures?|training costs?|computing power (?:spending|costs?)")),
    ("regulatory", _cues(
        r"licen[cs]es?|licensed|approv(?:al|als|ed|es)|fine[ds]?|penalt(?:y|ies)|"
        r"investigat(?:ion|ions|ed|ing)|probe|lawsuits?|sued|sanction(?:s|ed)?|"
        r"regulators?|compliance|banned|registration|registered|settle(?:d|ment)")),
    ("market_position", _cues(
        r"market share|share of the (?:\w+ )?market|ranked|ranks?|ranking|largest|biggest|"
        r"leading|leader|top (?:\w+ )?(?:player|spot|position)|first place|No\. ?1|"
        r"number one|dominat\w+|trading volume|volume|overtook|surpass(?:ed|es)?|"
        r"outpaced|second-largest|third-largest")),
    ("strategy", _cues(
        r"launch(?:ed|es|ing)?|releas(?:e|ed|es|ing)|unveil(?:ed|s|ing)?|plans?|planned|"
        r"strategy|strategic|focus(?:es|ed|ing)? on|expand(?:s|ed|ing)?|expansion|"
        r"partner(?:s|ed|ing|ship|ships)?|cooperat\w+|collaborat\w+|pivot\w*|shift(?:s|ed)? "
        r"(?:to|its|toward)|hir(?:e|ed|es|ing)|layoffs?|cut (?:jobs|staff)|entered|enters|"
        r"open-sourc\w+|integrat\w+|roll(?:s|ed)? out|bet(?:s|ting)? on|transform\w*")),
    ("forecast", _cues(
        r"expects?|expected|forecasts?|predict(?:s|ed|ion|ions)?|projected|projections?|"
        r"outlook|guidance")),
)
_HEDGED = _cues(
    r"reportedly|may|might|could|possibly|allegedly|rumou?red|(?:is|are|was|were) said to|"
    r"sources? (?:said|say|familiar)|people familiar|according to (?:people|sources|reports)|"
    r"(?:is|are) likely|unconfirmed|speculat\w+|perhaps|uncertain")
_FORECAST = _cues(
    r"will|'ll|(?:is|are|was|were) expected to|expects?|predict(?:s|ed)?|forecasts?|"
    r"plans? to|planning to|aims? to|intends? to|targets?|(?:is|are) set to|projected|"
    r"anticipat\w+|(?:is|are) poised to|going to|guidance|outlook|estimates? that")
_OPINION = _cues(
    r"believes?|believed|thinks?|argues?|argued|in (?:my|our|his|her) view|should|arguably|"
    r"seems?|appears? to|undoubtedly|overvalued|undervalued")
_PRONOUN_SUBJECT = re.compile(
    r"^(?:it|its|the (?:company|firm|startup|group|exchange|platform|lab|"
    r"unicorn|giant|maker|carmaker|chipmaker|lender|bank|fund))(?:'s|’s)?\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])[\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])|\n+")
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:[A-Z]|Inc|Ltd|Co|Corp|No|vs|etc|e\.g|i\.e|Mr|Ms|Mrs|Dr|Prof|St|Jan|Feb|Mar|Apr|"
    r"Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|approx|est|U\.S|U\.K)\.)$")
_NOT_SUBJECT_PREPOSITIONS = frozenset({"than", "like", "with", "against", "versus", "vs",
                                       "by", "from", "to", "unlike", "including", "as"})


def sentences(clean_text: str) -> list[tuple[int, int]]:
    """Sentence spans of the clean text; paragraph breaks always end a sentence."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(clean_text):
        if match.group().strip() and _ABBREVIATIONS.search(clean_text, 0, match.start()):
            continue
        if not match.group().strip() and _ABBREVIATIONS.search(
                clean_text, max(0, match.start() - 8), match.start()):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(clean_text)))
    return [(s, e) for s, e in spans if clean_text[s:e].strip()]


@dataclass(frozen=True, slots=True)
class _Candidate:
    clean_start: int
    clean_end: int
    start: int
    end: int
    mentions: tuple[tuple[str, int, int], ...]  # (entity id, clean start, clean end)
    topics: tuple[tuple[str, int], ...]  # (type, clean offset)
    quantities: tuple[Quantity, ...]
    inherited: str | None  # the subject an opening "It"/"The company" stands for


def extract_claims(
    text: str, clean_text: str, clean_map: Sequence[Sequence[int]],
    inserted: Sequence[Sequence[int]], entities: Sequence[Entity],
) -> list[Claim]:
    mapper = _Mapper(clean_map, inserted)
    mentions = sorted(
        (mention.clean_start, mention.clean_end, entity.id)
        for entity in entities for mention in entity.mentions
        if mention.clean_start is not None and mention.clean_end is not None)
    starts = [mention[0] for mention in mentions]
    candidates: list[_Candidate] = []
    last_subject: str | None = None
    for clean_start, clean_end in sentences(clean_text):
        sentence = clean_text[clean_start:clean_end]
        inside = tuple((entity_id, s, e) for s, e, entity_id in
                       mentions[bisect.bisect_left(starts, clean_start):
                                bisect.bisect_left(starts, clean_end)] if e <= clean_end)
        inherited = None
        if not inside and _PRONOUN_SUBJECT.match(sentence):
            inherited = last_subject
        elif inside:
            last_subject = inside[0][0]
        if not inside and inherited is None:
            continue
        topics = tuple((kind, clean_start + match.start()) for kind, pattern in _TOPICS
                       for match in pattern.finditer(sentence))
        if not topics:
            continue
        start, end = mapper.text_span(clean_start, clean_end)
        candidates.append(_Candidate(clean_start, clean_end, start, end, inside, topics,
                                     _quantities(text, start, end), inherited))
    return _claims(text, clean_text, candidates)


def _quantities(text: str, start: int, end: int) -> tuple[Quantity, ...]:
    """The sentence's quantities, once each: ``5亿 (500 million)`` gives the first."""
    kept: list[Quantity] = []
    for quantity in find_quantities(text, start, end):
        previous = kept[-1] if kept else None
        if previous is not None and previous.value == quantity.value and re.fullmatch(
                r"[^()（）]{0,12}[(（]\s*[^()（）]{0,12}", text[previous.end:quantity.start]):
            continue
        kept.append(quantity)
    return tuple(kept)


def _claims(text: str, clean_text: str, candidates: list[_Candidate]) -> list[Claim]:
    nlp = english_model()
    docs = nlp.pipe(clean_text[c.clean_start:c.clean_end] for c in candidates)
    claims: list[Claim] = []
    for candidate, doc in zip(candidates, docs, strict=True):
        subjects = _subjects(doc, candidate)
        if not subjects:
            continue
        sentence = clean_text[candidate.clean_start:candidate.clean_end]
        modality, cue = _modality(sentence)
        claims.append(Claim(
            f"C{len(claims) + 1}", _topic(candidate, doc), subjects,
            text[candidate.start:candidate.end], candidate.start, candidate.end,
            candidate.quantities, find_time(text, candidate.start, candidate.end),
            modality, cue))
    return claims


def _topic(candidate: _Candidate, doc: Any) -> str:
    """The topic whose cue is nearest the first quantity; else the first topic in order."""
    if candidate.quantities:
        first = candidate.quantities[0]
        # The quantity's place in the clean sentence, found by its text when it was copied.
        found = doc.text.find(first.text)
        anchor = candidate.clean_start + (found if found >= 0 else 0)
        return min(candidate.topics,
                   key=lambda topic: (abs(topic[1] - anchor), CLAIM_TYPES.index(topic[0])))[0]
    return min(candidate.topics, key=lambda topic: CLAIM_TYPES.index(topic[0]))[0]


def _subjects(doc: Any, candidate: _Candidate) -> tuple[str, ...]:
    """Entity ids in subject or owner position; else the first not in a by/than phrase."""
    if not candidate.mentions:
        return (candidate.inherited,) if candidate.inherited else ()
    subjects: list[str] = []
    others: list[str] = []
    for entity_id, start, end in candidate.mentions:
        span = doc.char_span(start - candidate.clean_start, end - candidate.clean_start,
                             alignment_mode="expand")
        role = _role(span.root) if span is not None and len(span) else "other"
        if role == "subject":
            subjects.append(entity_id)
        elif role == "other":
            others.append(entity_id)
    chosen = subjects or others[:1]
    return tuple(dict.fromkeys(chosen))


def _role(token: Any) -> str:
    """``subject`` (or owner of the subject), ``excluded`` (by/than/with phrase), ``other``."""
    seen = 0
    while seen < 8:
        seen += 1
        dep = token.dep_
        if dep in ("nsubj", "nsubjpass", "csubj"):
            return "subject"
        if dep in ("compound", "appos", "conj", "flat", "amod", "nmod", "poss", "nummod"):
            token = token.head
            continue
        if dep == "pobj":
            preposition = token.head
            if preposition.lower_ in _NOT_SUBJECT_PREPOSITIONS:
                return "excluded"
            if preposition.lower_ == "of":  # "the valuation of Zhipu": the owner
                token = preposition.head
                continue
            return "other"
        if dep == "ROOT" and token.pos_ in ("NOUN", "PROPN"):
            return "subject"  # a headline: "Zhipu AI's Hong Kong IPO"
        return "other"
    return "other"


def _modality(sentence: str) -> tuple[str, str | None]:
    for modality, pattern in (("hedged", _HEDGED), ("forecast", _FORECAST),
                              ("opinion", _OPINION)):
        match = pattern.search(sentence)
        if match:
            return modality, match.group()
    return "fact", None


class _Mapper:
    """Clean offsets back to ``text``: copied runs map exactly, an inserted gloss maps to the
    Chinese it stands for."""

    def __init__(self, clean_map: Sequence[Sequence[int]],
                 inserted: Sequence[Sequence[int]]) -> None:
        pieces = [(c, c + n, t, t + n, True) for c, t, n in clean_map]
        pieces += [(c, e, t, u, False) for c, e, t, u in inserted]
        self.pieces = sorted(pieces)
        self.starts = [piece[0] for piece in self.pieces]

    def _piece(self, offset: int) -> tuple[int, int, int, int, bool] | None:
        index = bisect.bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.pieces[index][1]:
            return self.pieces[index]
        return None

    def text_span(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        positions = []
        for offset in range(clean_start, clean_end):
            piece = self._piece(offset)
            if piece is None:
                continue
            c, _, t, u, copied = piece
            positions.append((t + offset - c, t + offset - c + 1) if copied else (t, u))
        if not positions:
            return 0, 0
        return min(p[0] for p in positions), max(p[1] for p in positions)
