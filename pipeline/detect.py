"""Stage 3, detect: every Chinese fragment inside English text, with its inline gloss.

A fragment is a maximal run of Han characters (a ``·`` or a CJK comma between two of them
joins the run)
inside an English-hosted block. Han runs touching kana are Japanese and are kept apart.
The gloss is the parenthesis that directly follows the fragment, ASCII or full width, nested
parentheses kept whole; a Chinese name that is the whole content of a parenthesis after
English words (``StepFun (阶跃星辰)``) is ``paired_with`` those words instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from .document import Block, ForeignRun, Fragment, Span
from .resources import english_model
from .scripts import HAN_CLASS, KANA_CLASS

# From the first code point of HAN_CLASS to its last: one range test rules out the Latin
# text around fragments faster than the class's several ranges.
_HAN_SPAN = "\u3007-\U000323af"
# A middle dot or a CJK comma between two Han characters keeps them in one fragment
# (马斯克·埃隆, 风险、收益): the phrase is Chinese, and glossing it whole reads right. The
# first character is searched for in _HAN_SPAN, then checked against HAN_CLASS (lookbehind).
HAN_RUN_RE = re.compile(f"[{_HAN_SPAN}](?<=[{HAN_CLASS}])"
                        f"(?:[{HAN_CLASS}]|[·・、，；：](?=[{HAN_CLASS}]))*")
_JAPANESE_RUN_RE = re.compile(f"[{HAN_CLASS}{KANA_CLASS}ー・]+")
_KANA_RE = re.compile(f"[{KANA_CLASS}]")
_OPEN_PAREN, _CLOSE_PAREN = "(（", ")）"
_QUOTES = {'"': '"', "“": "”", "'": "'", "‘": "’", "「": "」", "『": "』", "《": "》", "«": "»"}
_HAN_RE = re.compile(f"[{HAN_CLASS}]")
_PAREN_OR_NEWLINE = re.compile(r"[()（）\n]")
_FLAT_PAREN = re.compile(r"[(（][^()（）\n]*[)）]")
_AMOUNT = re.compile(r"[\d.,\s]+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_NOT_A_GLOSS = re.compile(
    r"^(?:NYSE|NASDAQ|HKEX|SEHK|TWSE|SZSE|SSE|HK|SZ|SH)\s*[:：]|^[\d.,:/ -]+$|^\d{4,6}\.[A-Z]{2}$"
)
# A word, with inner dots (U.S.) and an initial's dot (Jack M.); the dots are unrolled out of
# the repeat so that the letters between them are matched as one run.
_PAIRED_WORD = re.compile(
    r"&|[A-Za-z0-9][\w&'’+-]*(?:\.(?=\w)[\w&'’+-]*)*(?:(?<=\b[A-Z])\.)?")
# Everything up to the last character that no paired word holds and that is not the space
# between two words of a name: a comma, a bracket, a tab, a line break...
_BEFORE_LAST_NAME_BREAK = re.compile(r".*[^\w&'’+. -]", re.DOTALL)
# Words before a name that are not part of it: "the", and titles ("Premier Cho Jung-tai").
_NOT_NAME = frozenset(
    [
        "the", "a", "an", "premier", "president", "vice", "minister", "chairman", "chairwoman",
        "chair", "ceo", "cto", "cfo", "coo", "founder", "co-founder", "mayor", "governor",
        "director", "professor", "dr", "dr.", "mr", "mr.", "ms", "ms.", "mrs", "mrs.", "deputy",
        "secretary", "chief", "executive", "spokesperson", "spokesman", "spokeswoman", "analyst",
        "legislator", "lawmaker", "legislative", "speaker", "councilor", "councillor", "senator",
        "commissioner", "ambassador", "representative", "envoy", "lieutenant", "colonel",
        # Words capitalised only because they open the sentence: "For DiDi (滴滴)".
        "for", "in", "at", "with", "by", "from", "on", "as", "like", "unlike", "including",
        "and", "but", "even", "also", "while", "after", "before", "since", "when", "then",
        "both", "only", "rival", "rivals", "its", "their", "his", "her", "our", "this",
        "that", "these", "those",
    ]
)
_NAME_CONNECTORS = frozenset(["and", "of", "for", "&", "de", "the"])
# Connectors join words of one name only in an institution's name ("Securities and Futures
# Commission", "Bank of China"), not in "Baidu and Alibaba (阿里巴巴)".
_INSTITUTION_HEADS = frozenset(
    [
        "Commission", "Ministry", "Bureau", "Authority", "Council", "Committee", "Exchange",
        "Association", "Administration", "Office", "Department", "Agency", "Institute",
        "University", "Academy", "Technology", "Technologies", "Securities", "Affairs",
        "Reform", "Development", "Trade", "Industry", "Commerce", "Regulation", "Supervision",
        "Bank", "Board", "Chamber", "Court", "Bureau", "Centre", "Center", "Fund", "Group",
    ]
)
# Job titles inside a run of capitalised words end what comes before the person's name.
_TITLES = frozenset([
    "ceo", "cto", "cfo", "coo", "chairman", "chairwoman", "founder", "co-founder", "president",
    "executive", "director", "analyst", "spokesperson", "spokesman", "spokeswoman", "partner",
    "chief", "minister", "premier", "governor", "secretary",
])
# "Hong Kong-based Victory Bay Securities": the modifier is not part of the name.
MODIFIER_SUFFIXES = ("-based", "-listed", "-backed", "-owned", "-born", "-headquartered")
_NUMERIC_UNITS = frozenset("万萬亿億千百兆")
_PAIR_LOOKBACK = 200


def _name_proper(words: list[re.Match[str]]) -> list[re.Match[str]]:
    """Trim a run of capitalised words to the name: drop what a modifier ("Hong Kong-based",
    "Hong Kong's") or an unjoined connector ("Shares of Cambricon") leaves before it."""
    texts = [word.group() for word in words]
    cut = 0
    for index, word in enumerate(texts[:-1]):
        modifier = word.endswith(MODIFIER_SUFFIXES) or word.endswith(("'s", "’s"))
        # A connector belongs to an institution's name: "Bank of China", "Securities and
        # Futures Commission"; "Baidu and Alibaba" is two names, and so is "... Investment
        # Fund and Guoxin Yuanjing Fund" (the same head word ends both). "of the" inside a
        # capitalised run is a title's ("Dark Side of the Moon").
        internal = (word == "of" and texts[index + 1] == "the") or (word == "the" and (
            index > 0 and texts[index - 1] == "of"))
        title = word.casefold() in _TITLES  # "Mingxin Chief Executive Zhao Yiming"
        stray_connector = word in _NAME_CONNECTORS and word != "&" and index > 0 and (
            not internal) and (
            not (texts[index - 1] in _INSTITUTION_HEADS or texts[-1] in _INSTITUTION_HEADS)
            or (word in ("and", "&") and texts[index - 1] == texts[-1]))
        if modifier or stray_connector or title:
            cut = index + 1
    return words[cut:] or words[-1:]  # never empty: the caller checks ``words`` first


def _name_word(word: str) -> bool:
    return word[0].isupper() or word[0].isdigit()
HOST_LANGS_EXCLUDED = frozenset({"zh", "ja", "ko"})


def detect_fragments(
    text: str, blocks: Iterable[Block] | None = None
) -> tuple[list[Fragment], list[ForeignRun]]:
    """Fragments and Japanese runs in the English-hosted blocks of ``text``.

    Without ``blocks`` the whole text counts as English-hosted.
    """
    regions = ([(block.start, block.end) for block in blocks
                if block.lang not in HOST_LANGS_EXCLUDED]
               if blocks is not None else [(0, len(text))])
    fragments: list[Fragment] = []
    foreign: list[ForeignRun] = []
    for region_start, region_end in regions:
        position = region_start
        while (run := HAN_RUN_RE.search(text, position, region_end)) is not None:
            start, end = run.span()
            japanese = _japanese_run(text, start, end, region_start, region_end)
            if japanese is None:
                fragments.append(_fragment(text, start, end, region_start, region_end))
            else:
                start, end = japanese
                # The Japanese phrase may reach back over Han already taken as a fragment
                # (中文・かな): it is all Japanese.
                while fragments and fragments[-1].end > start:
                    fragments.pop()
                foreign.append(ForeignRun(start, end, text[start:end], "ja",
                                          inline_gloss(text, start, end, region_end)))
            position = end
    return fragments, foreign


def _japanese_run(
    text: str, start: int, end: int, region_start: int, region_end: int
) -> tuple[int, int] | None:
    """The span of the Japanese phrase around a Han run when the run touches kana."""
    # No kana lies below U+3040: the Latin or punctuation around most runs needs no regex.
    touches = (start > region_start and text[start - 1] >= "\u3040"
               and _KANA_RE.match(text, start - 1)) or (
        end < region_end and text[end] >= "\u3040" and _KANA_RE.match(text, end))
    if not touches:
        return None
    while start > region_start and _JAPANESE_RUN_RE.match(text, start - 1, start):
        start -= 1
    after = _JAPANESE_RUN_RE.match(text, end, region_end)
    return start, after.end() if after else end


def _fragment(text: str, start: int, end: int, region_start: int, region_end: int) -> Fragment:
    quoted = (start > region_start and end < region_end
              and _QUOTES.get(text[start - 1]) == text[end])
    paired = paired_with(text, start, end, region_start)
    numeric = text[start] in _NUMERIC_UNITS and start > 0 and text[start - 1].isdigit()
    gloss = None if paired else inline_gloss(text, start, end + (1 if quoted else 0), region_end,
                                             numeric=numeric)
    return Fragment(start, end, text[start:end], inline_gloss=gloss, paired_with=paired,
                    quoted=bool(quoted))


def inline_gloss(
    text: str, start: int, end: int, limit: int, numeric: bool = False
) -> Span | None:
    """The content of the parenthesis right after ``text[start:end]``, if it reads as a gloss
    (``numeric``: the fragment is an amount such as ``3.2万``, so ``(32,000)`` is one)."""
    opening = _skip_spaces(text, end, limit)
    if opening >= limit or text[opening] not in _OPEN_PAREN:
        return None
    closing = matching_paren(text, opening, limit)
    if closing is None:
        return None
    content_start = _skip_spaces(text, opening + 1, closing)
    content = text[content_start:closing].rstrip()
    content_end = content_start + len(content)
    if not content or _HAN_RE.search(content):
        return None
    if numeric and _AMOUNT.fullmatch(content):
        return Span(content_start, content_end, content)
    if not _LATIN_LETTER.search(content) or _NOT_A_GLOSS.match(content):
        return None
    return Span(content_start, content_end, content)


def matching_paren(text: str, opening: int, limit: int) -> int | None:
    """Index of the parenthesis closing the one at ``opening`` (either width), or None."""
    # Most parentheses hold no other: the first closing one is theirs.
    flat = _FLAT_PAREN.match(text, opening, limit)
    if flat is not None:
        return flat.end() - 1
    depth = 0
    for mark in _PAREN_OR_NEWLINE.finditer(text, opening, limit):
        char = mark.group()
        if char in _OPEN_PAREN:
            depth += 1
        elif char in _CLOSE_PAREN:
            depth -= 1
            if depth == 0:
                return mark.start()
        else:  # a line break
            return None
    return None


def paired_with(text: str, start: int, end: int, region_start: int) -> Span | None:
    """English words a parenthesised Chinese name stands for: ``StepFun (阶跃星辰)``."""
    opening = start - 1
    while opening >= region_start and text[opening] in " \t":
        opening -= 1
    if opening < region_start or text[opening] not in _OPEN_PAREN:
        return None
    closing = _skip_spaces(text, end, len(text))
    if closing >= len(text) or text[closing] not in _CLOSE_PAREN:
        return None
    words_end = opening
    while words_end > region_start and text[words_end - 1] in " \t":
        words_end -= 1
    # A name is a few words: looking further back only costs time on long lines.
    window_start = max(region_start, words_end - _PAIR_LOOKBACK)
    quoted = _quoted_before(text, words_end, window_start)
    if quoted is not None:
        return quoted
    words = list(_PAIRED_WORD.finditer(text, _last_name_break(text, window_start, words_end),
                                       words_end))
    if not words or words[-1].end() != words_end:
        return None
    chosen = [words[-1]]
    for word in reversed(words[:-1]):
        between = text[word.end():chosen[0].start()]
        if between != " " or not _name_word(chosen[-1].group()):
            break
        # "Securities and Futures Commission": a connector joins two capitalised words;
        # "Dark Side of the Moon": two connectors may stand together.
        joins = word.group() in _NAME_CONNECTORS and (_name_word(chosen[0].group()) or (
            chosen[0].group() == "the" and len(chosen) > 1 and word.group() != "the"))
        if not (_name_word(word.group()) or joins):
            break
        chosen.insert(0, word)
        if len(chosen) == 8:
            break
    while chosen and chosen[0].group() in _NAME_CONNECTORS:
        chosen.pop(0)
    if not chosen:  # "the (中文)": no name before the parenthesis
        return None
    chosen = _name_proper(chosen)
    while len(chosen) > 1 and chosen[0].group().casefold() in _NOT_NAME:
        chosen.pop(0)
    span_start = chosen[0].start()
    if not _name_word(chosen[0].group()):
        # A common noun: the noun phrase it ends ("the funding fees (资金费)").
        span_start = noun_phrase_start(text, window_start, words_end) or span_start
    return Span(span_start, words_end, text[span_start:words_end])


def _last_name_break(text: str, start: int, end: int) -> int:
    """Where the words that may end in a name begin: just after the last character of
    ``text[start:end]`` that breaks a name (see ``_BEFORE_LAST_NAME_BREAK``), else ``start``.

    No paired word holds that character, so ``_PAIRED_WORD`` finds the same words after it
    whether it starts there or at ``start``, and no name reaches back over it: scanning
    from there instead of from ``start`` spares building every word of a long line.
    """
    before = _BEFORE_LAST_NAME_BREAK.match(text, start, end)
    return before.end() if before else start


_CLAUSE_BREAK = re.compile(r"[.!?;:。！？；：\n]")


def noun_phrase_start(text: str, region_start: int, end: int) -> int | None:
    """Start of the English noun phrase ending at ``end``, without its determiner, found
    with spaCy's parser (loaded the first time a lowercase pair needs it)."""
    breaks = list(_CLAUSE_BREAK.finditer(text, region_start, end))
    clause_start = breaks[-1].end() if breaks else region_start
    offset = _noun_phrase_offset(text[clause_start:end])
    return None if offset is None else clause_start + offset


@lru_cache(maxsize=1024)
def _noun_phrase_offset(clause: str) -> int | None:
    """Where, in ``clause``, the noun phrase ending it starts (parsing is the slow part of
    detection: a clause met again is not parsed again)."""
    for chunk in english_model()(clause).noun_chunks:
        if chunk.end_char != len(clause):
            continue
        tokens = [token for token in chunk
                  if token.pos_ not in ("DET", "PRON") and token.tag_ != "PRP$"]
        return tokens[0].idx if tokens else None
    return None


def _quoted_before(text: str, end: int, region_start: int) -> Span | None:
    """``"data collection factories" (数据采集工厂)``: the quoted words are the pair."""
    closing = end - 1
    if closing <= region_start or text[closing] not in '"”':
        return None
    opener = '"' if text[closing] == '"' else "“"
    opening = text.rfind(opener, region_start, closing)
    if opening < 0 or not text[opening + 1:closing].strip():
        return None
    return Span(opening + 1, closing, text[opening + 1:closing])


def _skip_spaces(text: str, position: int, limit: int) -> int:
    while position < limit and text[position] in " \t\u3000":
        position += 1
    return position
