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
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .document import Fragment
from .entities import Entity
from .quantities import Quantity, find_quantities, find_time
from .resources import english_model
from .sentences import sentences

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
        r"oversubscribed|cornerstone investors?")),
    ("funding", _cues(
        r"rais(?:e|ed|es|ing)|funding|financing|(?:funding )?rounds?|Series [A-F]\+?|"
        r"seed round|angel round|pre-IPO round|invest(?:ed|s|ing|ment|ments)?|backed|led by|"
        r"capital injection|co-led|participated|backers|Series [A-F] round")),
    ("acquisition", _cues(
        r"acquir(?:e|ed|es|ing)|acquisitions?|merg(?:e|ed|er|ers|ing)|takeover|take over|"
        r"took over|bought|buy(?:s|ing)? (?:a |an )?(?:\d+% )?stake|stake in|divest\w*|"
        r"purchase[ds]?|to buy|agreed to buy|deal to buy|buys|buying|"
        r"sold (?:its|a|an) (?:\w+ )?stake")),
    ("valuation", _cues(
        r"valuations?|valued at|valuing|market (?:cap|capitali[sz]ation|value)|worth|"
        r"share price|stock price|price target|target price|(?:per )?share(?:s)? (?:traded|"
        r"trading) at|(?:shares?|stock|ADSs?) (?:rose|fell|jumped|surged|soared|closed|opened|"
        r"plunged|dropped|gained|slid|climbed)|(?:opened|closed) (?:at|up|down)")),
    ("revenue", _cues(
        r"revenues?|sales|turnover|top line|GMV|gross merchandise|income(?! statement)|"
        r"earn(?:ed|s)|generated|bookings|ARR|annual recurring")),
    ("profit_loss", _cues(
        r"profits?|profitable|profitability|loss(?:es)?|lost|losing|margins?|"
        r"break(?:s|-| )?even|net income|earnings|EBITDA|burn(?:ed|ing|s)?|cash flow|"
        r"in the red|in the black|deficit|cash and (?:cash )?equivalents|cash position|"
        r"short-term investments")),
    # Users only as a count ("45 million monthly users"), not "users can stake".
    ("users", _cues(
        r"(?<=\d )(?:[\w-]+ ){0,2}(?:users|customers|subscribers|downloads|developers|"
        r"clients|accounts|members)|(?<=[\d万亿] )(?:[\w-]+ ){0,2}(?:users|customers)|"
        r"(?<=million )(?:[\w-]+ ){0,2}(?:users|customers|subscribers|downloads|developers)|"
        r"(?<=billion )(?:[\w-]+ ){0,2}(?:users|customers)|MAUs?|DAUs?|monthly active|"
        r"daily active|registered users|paying users")),
    ("rd_spend", _cues(
        r"R&D|research and development|compute (?:spending|costs?|bills?)|capex|"
        r"capital expenditures?|training costs?|computing power (?:spending|costs?)")),
    ("regulatory", _cues(
        r"licen[cs]es?|licensed|approv(?:al|als|ed|es)|fine[ds]?|penalt(?:y|ies)|"
        r"investigat(?:ion|ions|ed|ing)|probe|lawsuits?|sued|sanction(?:s|ed)?|"
        r"regulators?|compliance|banned|registration|registered|settle(?:d|ment)|"
        r"applications?|appl(?:y|ied|ies|ying) for|filing notice|appeal(?:ed|s)?")),
    ("market_position", _cues(
        r"market share|share of the (?:[\w-]+ ){0,4}market|(?<=['’]s )share|ranked|ranks?|"
        r"ranking|deliver(?:ed|ies|y|s)|shipments?|shipped|reserves?|"
        r"reserve ratio|in circulation|client assets|assets under management|AUM|"
        r"top (?:\w+ )?(?:player|spot|position)|first place|No\. ?1|"
        r"number one|dominat\w+|trading volume|volume|overtook|surpass(?:ed|es)?|"
        r"outpaced|second-largest|third-largest")),
    ("strategy", _cues(
        r"launch(?:ed|es|ing)?|releas(?:e|ed|es|ing)|unveil(?:ed|s|ing)?|plans?|planned|"
        r"strategy|strategic|focus(?:es|ed|ing)? on|expand(?:s|ed|ing)?|expansion|"
        r"partner(?:s|ed|ing|ship|ships)?|cooperat\w+|collaborat\w+|pivot\w*|shift(?:s|ed)? "
        r"(?:to|its|toward)|hir(?:e|ed|es|ing)|layoffs?|cut (?:jobs|staff)|entered|enters|"
        r"open-sourc\w+|integrat\w+|roll(?:s|ed)? out|bet(?:s|ting)? on|transform\w*|"
        r"buybacks?|buy back|repurchases?|share repurchase|dividends?")),
    ("forecast", _cues(
        r"expects?|expected|forecasts?|predict(?:s|ed|ion|ions)?|projected|projections?|"
        r"outlook|guidance")),
)
# Cues that decide the topic only when no other cue is in the sentence: "users can stake"
# is about a product's terms, "the largest" is often just a description.
_WEAK_TOPICS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("users", _cues(r"users|customers|subscribers|clients|members|paying")),
    ("market_position", _cues(r"largest|biggest|leading|leader|top|dominant")),
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
    r"^(?:(?:on|in|by|during|since|after|before|at|for|as of|over|from) [^,;]{1,30}?,? )?"
    r"(?:it|its|management|the (?:board|management|company|firm|startup|group|exchange|"
    r"platform|lab|unicorn|giant|maker|carmaker|chipmaker|lender|bank|fund))(?:'s|’s)?\b",
    re.IGNORECASE)
_NOT_SUBJECT_PREPOSITIONS = frozenset({"than", "like", "with", "against", "versus", "vs",
                                       "by", "from", "unlike", "including", "as"})


@dataclass(frozen=True, slots=True)
class _Candidate:
    clean_start: int
    clean_end: int
    start: int
    end: int
    mentions: tuple[tuple[str, int, int], ...]  # (entity id, clean start, clean end)
    topics: tuple[tuple[str, int], ...]  # (type, clean offset)
    quantities: tuple[Quantity, ...]
    pronoun: bool  # opens with "It" / "The company": the last subject goes on


# Sentences this far after the last named subject no longer continue its story.
_STORY_SPAN = 4
# Topics whose figures belong to a company rather than a market.
_COMPANY_FIGURES = frozenset({"revenue", "profit_loss", "users", "rd_spend", "valuation",
                              "listing", "funding"})
# A results-list line: "Net loss: RMB 612 million", "Deliveries: 92,480 vehicles".
_LABELLED_FIGURE = re.compile(r"(?:[-*•]\s+)?[A-Z][\w&/ -]{1,40}:\s")
# A news outlet that reports, or an interviewer's label, is the source, not the subject.
_SOURCE_VERBS = frozenset({"report", "say", "tell", "speak", "remind", "note", "write", "cite",
                           "estimate", "learn", "quote", "ask", "interview", "reveal"})
_DIGIT = re.compile(r"\d")


def extract_claims(
    text: str, clean_text: str, clean_map: Sequence[Sequence[int]],
    inserted: Sequence[Sequence[int]], entities: Sequence[Entity],
    fragments: Sequence[Fragment] = (),
) -> list[Claim]:
    mapper = _Mapper(clean_map, inserted, text, fragments)
    mentions = sorted(
        (mention.clean_start, mention.clean_end, entity.id)
        for entity in entities for mention in entity.mentions
        if mention.clean_start is not None and mention.clean_end is not None)
    starts = [mention[0] for mention in mentions]
    candidates: list[_Candidate] = []
    for clean_start, clean_end in _clauses(clean_text, sentences(clean_text), mentions):
        inside = tuple((entity_id, s, e) for s, e, entity_id in
                       mentions[bisect.bisect_left(starts, clean_start):
                                bisect.bisect_left(starts, clean_end)] if e <= clean_end)
        sentence = _masked(clean_text, clean_start, clean_end, inside)
        topics = tuple((kind, clean_start + match.start()) for kind, pattern in _TOPICS
                       for match in pattern.finditer(sentence)) or tuple(
            (kind, clean_start + match.start()) for kind, pattern in _WEAK_TOPICS
            for match in pattern.finditer(sentence))
        start, end = mapper.text_span(clean_start, clean_end)
        quantities = _quantities(text, start, end) if topics or _DIGIT.search(sentence) else ()
        if not topics and not quantities:
            candidates.append(_Candidate(clean_start, clean_end, 0, 0, inside, (), (), False))
            continue
        pronoun = not inside and bool(_PRONOUN_SUBJECT.match(sentence))
        candidates.append(_Candidate(clean_start, clean_end, start, end, inside, topics,
                                     quantities, pronoun))
    return _claims(text, clean_text, candidates, entities)


_CLAUSE_BREAK = re.compile(r";\s+|,\s+(?=(?:while|whereas)\s)")


def _clauses(clean_text: str, spans: Sequence[tuple[int, int]],
             mentions: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Sentences cut at ``;`` and at ``, while``/``, whereas`` when the part after names
    another company: "TSMC's share rose to 71%, while Samsung's slipped to 6.9%" makes two
    claims; "Vehicle margin: 14.8%; gross margin 13.2%" stays one."""
    clauses = []
    starts = [mention[0] for mention in mentions]

    def named(low: int, high: int) -> set[str]:
        return {mentions[i][2] for i in range(bisect.bisect_left(starts, low),
                                                bisect.bisect_left(starts, high))}

    for start, end in spans:
        breaks = list(_CLAUSE_BREAK.finditer(clean_text, start, end))
        for number, match in enumerate(breaks):
            if clean_text.count("(", start, match.start()) > clean_text.count(
                    ")", start, match.start()):
                continue  # "(岚山数字; Nasdaq: LSHD)": inside a parenthesis
            before = named(start, match.start())
            following = breaks[number + 1].start() if number + 1 < len(breaks) else end
            after = named(match.end(), following)
            if after and after != before:
                clauses.append((start, match.start()))
                start = match.end()
        clauses.append((start, end))
    return clauses


def _masked(clean_text: str, start: int, end: int,
            mentions: Sequence[tuple[str, int, int]]) -> str:
    """The sentence with company names blanked out, so that ``Wujin Guidance Fund`` or
    ``Strategy`` (a company) is not read as a cue for a topic or a modality."""
    chars = list(clean_text[start:end])
    for _, mention_start, mention_end in mentions:
        for offset in range(mention_start - start, mention_end - start):
            chars[offset] = " "
    return "".join(chars)


_GROUPED_NUMBER = re.compile(r"(?<![\w.,$¥€£])\d{1,3}(?:,\d{3})+(?![\d,]*\.?\d|[\w%])")


def _quantities(text: str, start: int, end: int) -> tuple[Quantity, ...]:
    """The sentence's quantities, once each: ``5亿 (500 million)`` gives the first. A bare
    number written with thousands separators (``up from 360,000``) is a quantity too, in the
    unit of the sentence's first count, else a plain number."""
    found = find_quantities(text, start, end)
    counted = next((q for q in found if q.unit not in ("money", "money_per_share", "percent",
                                                        "percentage_points", "ratio",
                                                        "multiple", "number")), None)
    spans = sorted((q.start, q.end) for q in found)
    starts = [span[0] for span in spans]
    for match in _GROUPED_NUMBER.finditer(text, start, end):
        index = bisect.bisect_right(starts, match.start()) - 1
        if index >= 0 and spans[index][0] <= match.start() < spans[index][1]:
            continue
        found.append(Quantity(match.start(), match.end(), match.group(),
                              float(match.group().replace(",", "")),
                              counted.unit if counted else "number"))
    found.sort(key=lambda quantity: quantity.start)
    kept: list[Quantity] = []
    for quantity in found:
        previous = kept[-1] if kept else None
        if previous is not None and previous.value == quantity.value and re.fullmatch(
                r"[^()（）]{0,12}[(（]\s*[^()（）]{0,12}", text[previous.end:quantity.start]):
            if previous.unit == "number" and quantity.unit != "number":
                # 5亿 (500 million yuan): the figure as written, in the unit of its gloss.
                kept[-1] = replace(previous, unit=quantity.unit, currency=quantity.currency)
            continue
        kept.append(quantity)
    return tuple(kept)


def _focus(entities: Sequence[Entity]) -> str | None:
    """The company an article is about: the first named in its title, else the most named
    (news outlets and exchanges only when nothing else is named)."""
    ranked = sorted(entities, key=lambda e: (
        e.type in ("media", "exchange"),
        not any(mention.block == "title" for mention in e.mentions),
        -len(e.mentions), e.mentions[0].start))
    return ranked[0].id if ranked else None


def _claims(text: str, clean_text: str, candidates: list[_Candidate],
            entities: Sequence[Entity]) -> list[Claim]:
    """Parse the candidates that name a company; the others take the subject the story is
    about: the last one named (within a few sentences, or after "It"), else the focus."""
    kinds = {entity.id: entity.type for entity in entities}
    named = [c for c in candidates if c.mentions and (c.topics or c.quantities)]
    docs = dict(zip((id(c) for c in named),
                    english_model().pipe(clean_text[c.clean_start:c.clean_end] for c in named),
                    strict=True))
    focus = _focus(entities)
    focus_mentions = next((len(e.mentions) for e in entities if e.id == focus), 0)
    claims: list[Claim] = []
    last: tuple[str, ...] = ()
    last_type: str | None = None
    since_last = _STORY_SPAN + 1
    for candidate in candidates:
        since_last += 1
        if not candidate.topics and not candidate.quantities:
            continue
        if not candidate.topics and (last_type is None or since_last > _STORY_SPAN):
            continue  # numbers with no topic, and no story to continue
        doc = docs.get(id(candidate))
        if doc is not None and len(doc) < 4:
            continue  # "Dear Gate users,": no predicate to check
        if doc is not None:
            subjects, fallback = _subjects(doc, candidate, kinds)
            story = last or ((focus,) if focus else ())
            if not subjects and story and _PRONOUN_SUBJECT.match(doc.text):
                subjects = story  # "The board approved a buyback ... a deal for Tundra"
            elif not subjects:
                subjects = fallback
            if subjects and story and all(kinds.get(s) == "investor" for s in subjects) and (
                    "funding" in (kind for kind, _ in candidate.topics)) and not any(
                    kinds.get(entity_id) != "investor" for entity_id, _, _ in candidate.mentions):
                subjects = story  # "The round was led by Qingyun Capital": the round's company
            elif subjects:
                last, since_last = subjects, 0
        elif last and (candidate.pronoun or (
                candidate.quantities and since_last <= _STORY_SPAN)):
            subjects = last
        elif candidate.quantities and focus and (
                _LABELLED_FIGURE.match(clean_text, candidate.clean_start)
                or (focus_mentions >= 3 and candidate.topics
                and _topic(candidate, clean_text[candidate.clean_start:candidate.clean_end])
                in _COMPANY_FIGURES)):
            # "Revenue: RMB 18.62 billion" in a results list, or "The net loss narrowed by
            # 69%" in an article about one company: the figures are that company's.
            subjects = (focus,)
        else:
            subjects = ()
        if not subjects:
            continue
        last, since_last = subjects, 0
        sentence = _masked(clean_text, candidate.clean_start, candidate.clean_end,
                           candidate.mentions)
        modality, cue = _modality(sentence)
        # "In 2025 it reached 14.68亿元": numbers with no topic word go on with the last one.
        kind = _topic(candidate, sentence) if candidate.topics else str(last_type)
        last_type = kind
        claims.append(Claim(
            f"C{len(claims) + 1}", kind, subjects,
            text[candidate.start:candidate.end], candidate.start, candidate.end,
            candidate.quantities, find_time(text, candidate.start, candidate.end),
            modality, cue))
    return claims


def _topic(candidate: _Candidate, sentence: str) -> str:
    """The topic whose cue is nearest the first quantity; else the first topic in order."""
    if candidate.quantities:
        first = candidate.quantities[0]
        # The quantity's place in the clean sentence, found by its text when it was copied.
        found = sentence.find(first.text)
        anchor = candidate.clean_start + (found if found >= 0 else 0)
        return min(candidate.topics,
                   key=lambda topic: (abs(topic[1] - anchor), CLAIM_TYPES.index(topic[0])))[0]
    return min(candidate.topics, key=lambda topic: CLAIM_TYPES.index(topic[0]))[0]


def _subjects(doc: Any, candidate: _Candidate,
              kinds: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(Entity ids in subject or owner position, the first other one not in a by/than
    phrase). A news outlet or an exchange is only ever a grammatical subject ("told 36Kr",
    "listed on Nasdaq" name a source and a venue), and nothing in a parenthesis is."""
    subjects: list[str] = []
    others: list[str] = []
    main = main_subjects(doc)
    for entity_id, start, end in candidate.mentions:
        span = doc.char_span(start - candidate.clean_start, end - candidate.clean_start,
                             alignment_mode="expand")
        role = _role(span.root, main) if span is not None and len(span) else "other"
        before = doc.text[:start - candidate.clean_start]
        if before.count("(") > before.count(")"):
            role = "excluded"  # "Lanshan Digital (岚山数字; Nasdaq: LSHD)"
        if kinds.get(entity_id) == "media" and span is not None and (
                doc.text[span.end_char:span.end_char + 1] == ":"
                or span.root.head.lemma_ in _SOURCE_VERBS):
            role = "excluded"
        if role == "subject":
            subjects.append(entity_id)
        elif role == "other" and kinds.get(entity_id) not in ("media", "exchange"):
            others.append(entity_id)  # "listed on Nasdaq", "told 36Kr": venues and sources
    return tuple(dict.fromkeys(subjects)), tuple(others[:1])


@lru_cache(maxsize=1)
def _subject_matcher() -> Any:
    """A ``DependencyMatcher`` for a claim's subject: the subject of the sentence's main
    predicate, of a predicate joined to it, or of a reported clause ("sources said X
    raised"), but not of a side clause ("with X following on", "which X backed")."""
    from spacy.matcher import DependencyMatcher

    matcher = DependencyMatcher(english_model().vocab)
    matcher.add("SUBJECT", [[
        {"RIGHT_ID": "predicate",
         "RIGHT_ATTRS": {"DEP": {"IN": ["ROOT", "conj", "ccomp", "parataxis"]}}},
        {"LEFT_ID": "predicate", "REL_OP": ">", "RIGHT_ID": "subject",
         "RIGHT_ATTRS": {"DEP": {"IN": ["nsubj", "nsubjpass", "csubj"]}}},
    ]])
    return matcher


def main_subjects(doc: Any) -> frozenset[int]:
    """Indices of the tokens that are the subject of a main or reported predicate."""
    return frozenset(tokens[1] for _, tokens in _subject_matcher()(doc))


def _role(token: Any, subjects: frozenset[int] = frozenset()) -> str:
    """``subject`` (or owner of the subject), ``excluded`` (by/than/with phrase), ``other``."""
    seen = 0
    while seen < 8:
        seen += 1
        dep = token.dep_
        if dep in ("nsubj", "nsubjpass", "csubj"):
            return "subject" if token.i in subjects else "other"
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

    def __init__(self, clean_map: Sequence[Sequence[int]], inserted: Sequence[Sequence[int]],
                 text: str = "", fragments: Sequence[Fragment] = ()) -> None:
        pieces = [(c, c + n, t, t + n, True) for c, t, n in clean_map]
        pieces += [(c, e, t, u, False) for c, e, t, u in inserted]
        self.pieces = sorted(pieces)
        self.starts = [piece[0] for piece in self.pieces]
        # An inline gloss copied over its fragment ("月之暗面 (Moonshot AI)"): a span that
        # starts in the gloss starts at the fragment, one that ends in it ends after the ")".
        self.glosses = []
        for fragment in fragments:
            gloss = fragment.inline_gloss
            if gloss is not None:
                closing = gloss.end
                while closing < len(text) and text[closing] not in ")）\n":
                    closing += 1
                end = closing + 1 if closing < len(text) and text[closing] in ")）" else gloss.end
                self.glosses.append((gloss.start, gloss.end, fragment.start, end))

    def text_span(self, clean_start: int, clean_end: int) -> tuple[int, int]:
        positions = []
        # Pieces do not overlap: those that meet the span start at the last one starting at
        # or before it.
        first = max(bisect.bisect_right(self.starts, clean_start) - 1, 0)
        for c, e, t, u, copied in itertools.islice(self.pieces, first, None):
            if c >= clean_end:
                break
            low, high = max(c, clean_start), min(e, clean_end)
            if low < high:
                positions.append((t + low - c, t + high - c) if copied else (t, u))
        if not positions:
            return 0, 0
        start, end = min(p[0] for p in positions), max(p[1] for p in positions)
        for gloss_start, gloss_end, fragment_start, closing in self.glosses:
            if gloss_start <= start < gloss_end:
                start = min(start, fragment_start)
            if gloss_start < end <= gloss_end:
                end = max(end, closing)
        return start, end
