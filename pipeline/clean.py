"""Stage 5, clean: an English-only text with an offset map back to ``text``.

Each fragment becomes its inline gloss (else its dictionary gloss, else its pinyin), the
parenthesis goes, echoed glosses (``fragile (fragile)``) collapse and spacing is mended.
Title, summary, headings and paragraphs are kept in order, a blank line between them.

``clean_map`` lists copied runs ``[clean_start, text_start, length]``: each satisfies
``clean_text[c:c+n] == text[t:t+n]``. Characters between runs were inserted (separators,
spaces, dictionary glosses); :func:`to_text_offset` maps them to where they were inserted.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .detect import matching_paren
from .document import Block, ForeignRun, Fragment
from .gloss import dictionary_gloss
from .quantities import CJK_SCALES
from .structure import section_marker

KEPT_KINDS = frozenset({"title", "summary", "heading", "paragraph"})
KEPT_LANGS = frozenset({"en", "mixed", "und"})
# The look-behind keeps a run of spaces from being retried at each of its positions.
_PAREN_RE = re.compile(r"(?<![ \t])[ \t]*[(（]([^()（）\n]{1,80})[)）]")
_WORD_RE = re.compile(r"[\w'’-]+")
_NO_SPACE_AFTER = set("([{“‘/-–—\n「『《（")
_NO_SPACE_BEFORE = set(",.;:!?)]}”’%/-–—\n\"'」』》）")
_CJK_QUOTES = frozenset("「『《")


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]``: by a copy of ``text[copy_start:copy_end]``, by ``insert``,
    or by nothing."""

    start: int
    end: int
    copy_start: int | None = None
    copy_end: int | None = None
    insert: str = ""


def is_kept(block: Block, text: str) -> bool:
    """Article content in English: not page furniture such as a ``Summary`` marker."""
    if block.kind not in KEPT_KINDS or block.lang not in KEPT_LANGS:
        return False
    return block.kind != "heading" or section_marker(text[block.start:block.end]) is None


def clean(
    text: str, blocks: Sequence[Block], fragments: Sequence[Fragment],
    foreign: Sequence[ForeignRun] = (),
) -> tuple[str, list[tuple[int, int, int]]]:
    clean_text, clean_map, _ = clean_with_insertions(text, blocks, fragments, foreign)
    return clean_text, clean_map


def clean_with_insertions(
    text: str, blocks: Sequence[Block], fragments: Sequence[Fragment],
    foreign: Sequence[ForeignRun] = (),
) -> tuple[str, list[tuple[int, int, int]], list[tuple[int, int, int, int]]]:
    """:func:`clean`, plus the inserted glosses ``[clean_start, clean_end, text_start,
    text_end]``: the clean words that stand for ``text[text_start:text_end]``."""
    builder = _Builder(text)
    edits = sorted(_edits(text, fragments, foreign), key=lambda edit: edit.start)
    starts = [edit.start for edit in edits]
    for block in blocks:
        if not is_kept(block, text):
            continue
        if builder.parts:
            builder.insert("\n\n", join=False)
        inside = edits[bisect.bisect_left(starts, block.start):
                       bisect.bisect_left(starts, block.end)]
        inside = inside + _echo_edits(text, block, inside)
        builder.block(block, sorted(inside, key=lambda edit: edit.start))
    return "".join(builder.parts), builder.mapping(), builder.insertions


def _edits(
    text: str, fragments: Iterable[Fragment], foreign: Iterable[ForeignRun]
) -> list[Edit]:
    edits: list[Edit] = []
    for fragment in fragments:
        if fragment.quoted and text[fragment.start - 1] in _CJK_QUOTES:
            # 「换汇难」 -> “the difficulty of converting currency”: English quotes.
            edits.append(Edit(fragment.start - 1, fragment.start, insert="“"))
            edits.append(Edit(fragment.end, fragment.end + 1, insert="”"))
        if fragment.paired_with is not None:
            opening = max(text.rfind("(", 0, fragment.start), text.rfind("（", 0, fragment.start))
            closing = matching_paren(text, opening, len(text))
            start = opening
            while start > 0 and text[start - 1] in " \t":
                start -= 1
            if closing is not None:
                edits.append(Edit(start, closing + 1))
            else:  # no closing parenthesis found after all: gloss it like any fragment
                edits.append(Edit(fragment.start, fragment.end,
                                  insert=fragment.dictionary_gloss or fragment.pinyin))
        elif fragment.inline_gloss is not None:
            # "5亿 (500 million)": the author's gloss covers the digits before 亿 too.
            amount = _amount(text, fragment)
            start = amount[0] if amount and re.search(r"\d", fragment.inline_gloss.text) else (
                fragment.start)
            edits.extend(_glossed(text, start, fragment.end, fragment.inline_gloss.start,
                                  fragment.inline_gloss.end, fragment.quoted))
        elif (amount := _amount(text, fragment)) is not None:
            edits.append(Edit(amount[0], fragment.end, insert=amount[1]))
        else:
            # No gloss at all: the pinyin, which has no Han (unknown characters romanise to "").
            edits.append(Edit(fragment.start, fragment.end,
                              insert=fragment.dictionary_gloss or fragment.pinyin))
    for run in foreign:
        if run.inline_gloss is not None:
            edits.extend(_glossed(text, run.start, run.end, run.inline_gloss.start,
                                  run.inline_gloss.end, quoted=False))
    return edits


_NUMBER_BEFORE = re.compile(r"(?<![\d,.])(\d[\d,]*(?:\.\d+)?)$")
# After an amount, 元 is the yuan, not CC-CEDICT's first sense ("currency unit").
_CURRENCIES = {"元": "yuan", "人民币": "yuan", "美元": "US dollars", "港元": "Hong Kong dollars",
               "港币": "Hong Kong dollars", "日元": "yen", "欧元": "euros", "韩元": "won",
               "新台币": "New Taiwan dollars", "新臺幣": "New Taiwan dollars"}
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"))


def with_amount_glosses(text: str, fragments: Iterable[Fragment]) -> list[Fragment]:
    """An amount fragment (``亿元`` after ``45.6``) is glossed as the amount it completes
    (``4.56 billion yuan``), not as its unit ("100 million currency unit")."""
    glossed = []
    for fragment in fragments:
        amount = _amount(text, fragment)
        glossed.append(fragment if amount is None else dataclasses.replace(
            fragment, dictionary_gloss=amount[1]))
    return glossed


def _amount(text: str, fragment: Fragment) -> tuple[int, str] | None:
    """``5亿`` -> (start of ``5``, ``500 million``) when a fragment opens with 万/亿/千万...
    right after digits; the rest of the fragment (``1.5亿美元``: 美元; ``3亿元以上``: 元, 以上)
    is glossed after it."""
    unit_text = next((unit for unit in _UNIT_NAMES if fragment.text.startswith(unit)), None)
    number = _NUMBER_BEFORE.search(text, max(0, fragment.start - 40), fragment.start)
    if unit_text is None or number is None:
        return None
    value = float(number.group(1).replace(",", "")) * CJK_SCALES[unit_text]
    amount = f"{value:,.15g}"
    for scale, name in _SCALES:
        if value >= scale:
            amount = f"{value / scale:,.15g} {name}"
            break
    rest = fragment.text[len(unit_text):]
    currency = next((word for word in _CURRENCY_NAMES if rest.startswith(word)), "")
    words = [amount]
    if currency:
        words.append(_CURRENCIES[currency])
    remainder = rest[len(currency):]
    if remainder:
        words.append(_AMOUNT_TAILS.get(remainder) or dictionary_gloss(remainder, [remainder])
                     or "")
    return number.start(), " ".join(word for word in words if word)


# Longest first: 千万 before 千, 万亿 before 万.
_UNIT_NAMES = sorted((unit for unit in CJK_SCALES if unit != "千"), key=len, reverse=True)
_CURRENCY_NAMES = sorted(_CURRENCIES, key=len, reverse=True)
_AMOUNT_TAILS = {"以上": "or more", "多": "or more", "余": "or more", "以下": "or less",
                 "以内": "or less", "左右": "or so"}


def _glossed(text: str, start: int, end: int, gloss_start: int, gloss_end: int,
             quoted: bool) -> list[Edit]:
    """The fragment becomes a copy of its gloss; the parenthesis after it goes (after the
    closing quote, when the fragment is quoted)."""
    after = end + 1 if quoted else end
    closing = gloss_end
    while text[closing] not in ")）":
        closing += 1
    return [Edit(start, end, copy_start=gloss_start, copy_end=gloss_end),
            Edit(after, closing + 1)]


def _echo_edits(text: str, block: Block, taken: Sequence[Edit]) -> list[Edit]:
    """``fragile (fragile)``: a parenthesis repeating the words before it."""
    edits: list[Edit] = []
    taken_starts = [edit.start for edit in taken]  # sorted, as ``taken`` is
    for match in _PAREN_RE.finditer(text, block.start, block.end):
        # Only edits starting before the parenthesis ends can overlap it; the nearest ones
        # are enough, as edits do not overlap each other.
        last = bisect.bisect_left(taken_starts, match.end())
        if any(edit.end > match.start() for edit in taken[max(0, last - 3):last]):
            continue
        echoed = [word.casefold() for word in _WORD_RE.findall(match.group(1))]
        before = _WORD_RE.findall(text, max(block.start, match.start() - 200), match.start())
        if echoed and [word.casefold() for word in before[-len(echoed):]] == echoed and (
                text[match.start() - 1].isalnum() or text[match.start()].isspace()):
            edits.append(Edit(match.start(), match.end()))
    return edits


class _Builder:
    def __init__(self, text: str) -> None:
        self.text = text
        self.parts: list[str] = []
        self.length = 0
        self.runs: list[list[int]] = []
        self.insertions: list[tuple[int, int, int, int]] = []

    def copy(self, start: int, end: int, join: bool) -> None:
        if start >= end:
            return
        if join:
            self._space_before(self.text[start])
        if self.runs and self.runs[-1][1] + self.runs[-1][2] == start and (
                self.runs[-1][0] + self.runs[-1][2] == self.length):
            self.runs[-1][2] += end - start
        else:
            self.runs.append([self.length, start, end - start])
        self._append(self.text[start:end])

    def insert(self, piece: str, join: bool = True) -> int:
        """Append ``piece``; return where it starts in the clean text."""
        if not piece:
            return self.length
        if join:
            self._space_before(piece[0])
            if self._sentence_start():
                piece = piece[0].upper() + piece[1:]  # "一旦 performance" opens a sentence
        start = self.length
        self._append(piece)
        return start

    def _sentence_start(self) -> bool:
        tail = "".join(self.parts[-3:]).rstrip(" ")
        return not tail or tail.endswith(("\n", ".", "!", "?", "。", "！", "？"))

    def block(self, block: Block, edits: Sequence[Edit]) -> None:
        position = block.start
        joined = False
        for edit in edits:
            self.copy(position, edit.start, join=joined)
            if edit.copy_start is not None and edit.copy_end is not None:
                self.copy(edit.copy_start, edit.copy_end, join=True)
            elif edit.insert:
                start = self.insert(edit.insert)
                self.insertions.append((start, self.length, edit.start, edit.end))
            joined = True
            position = max(position, edit.end)
        self.copy(position, block.end, join=joined)

    def _space_before(self, following: str) -> None:
        if not self.parts:
            return
        previous = self.parts[-1][-1]
        if previous.isspace() or following.isspace():
            return
        if previous in _NO_SPACE_AFTER or following in _NO_SPACE_BEFORE:
            return
        if previous == '"' and (len(self.parts[-1]) < 2 or self.parts[-1][-2].isspace()):
            return  # an opening ASCII quote
        self._append(" ")

    def _append(self, piece: str) -> None:
        self.parts.append(piece)
        self.length += len(piece)

    def mapping(self) -> list[tuple[int, int, int]]:
        return [(clean_start, text_start, length) for clean_start, text_start, length in self.runs]


def to_text_offset(clean_map: Sequence[Sequence[int]], offset: int) -> int:
    """The ``text`` offset of ``clean_text[offset]``; inserted characters map to the end of
    the copied run before them (where the insertion happened)."""
    starts = [run[0] for run in clean_map]
    index = bisect.bisect_right(starts, offset) - 1
    if index < 0:
        return clean_map[0][1] if clean_map else 0
    clean_start, text_start, length = clean_map[index]
    return text_start + min(offset - clean_start, length)
