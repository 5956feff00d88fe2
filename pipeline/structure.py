"""Stage 2, structure: split the text into blocks and label each one.

Rules are written against the page furniture these sites share (bylines, summary and Q&A
markers, recommendation lists, relative timestamps, nav words), listed in
``resources/boilerplate.json``, not against one article.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from .byline import (
    CLOCK_ONLY,
    DATE_ONLY,
    clean_name,
    parse_byline,
)
from .document import Block, BlockKind
from .ingest import FRONT_MATTER
from .lang import block_lang
from .resources import boilerplate_lexicon
from .scripts import count_han
from .settings import DEFAULT_SETTINGS, Settings

_RELATIVE_TIME = re.compile(
    r"^.{0,40}?\d+\s*(?:秒|分钟|分鐘|小时|小時|天|周|週|个月|個月)前$"
    r"|^.{0,40}?\b\d+\s*(?:sec|second|min|minute|hr|hour|day|week|month|[smhdw])s?\s+ago$"
    r"|^(?:刚刚|剛剛|昨天|Just now|Yesterday)$",
    re.IGNORECASE,
)
# "Follow Orbix on X and Telegram for the latest updates": a site's call to follow it.
_FOLLOW_US = re.compile(
    r"^(?:Follow|关注)\s+(?:\S+\s+){0,3}?(?:on|at|在)\s+(?:X|Twitter|Telegram|Discord|WeChat|"
    r"Weibo|LinkedIn|Facebook|Instagram|YouTube|TikTok|微博|微信|推特)\b")
_VIEW_COUNT = re.compile(
    r"^(?:阅读|閱讀|浏览|瀏覽|views?|reads?)\s*[:：]?\s*[\d.,]+\s*[万萬千kKwW]?\+?$"
    r"|^[\d.,]+\s*[万萬千kKwW]?\+?\s*(?:阅读|閱讀|次阅读|次浏览|人看过|views?|reads?|likes?|comments?)$"
    r"|^.{0,40}\b(?:viewed|read)\s+[\d.,]+\s*[kK万]?\s+times\.?$",
    re.IGNORECASE,
)
_COUNT_ONLY = re.compile(r"^[\d.,]+\s*[万萬千kKmMwW]?\+?$")
# Segments start and end with a non-space, so the separators' spaces are never ambiguous.
_BREADCRUMB = re.compile(
    r"^[^/>»›\s](?:[^/>»›\n]{0,28}[^/>»›\s])?"
    r"(?:[ \t]+[/>»›][ \t]+[^/>»›\s](?:[^/>»›\n]{0,28}[^/>»›\s])?)+$"
)
_CAPTION_CREDIT = re.compile(
    r"(?:^|[.)]\s+|\()(?:Photos?|Images?|Photograph|Picture|Graphic)(?: credit)?\s*[:：]\s*"
    r"[^.\n]{1,60}\.?\)?$|[（(]图片?(?:来源|源)[:：][^）)]{1,40}[）)]$",
    re.IGNORECASE,
)
_LABEL_START = re.compile(r"^[A-Z\u4e00-\u9fff][\w \u4e00-\u9fff]{0,20}[:：]\s")
_BULLET = re.compile(r"^[-*•·]\s")
_LIST_ITEM = re.compile(r"^(?:[-*•·]\s|\d{1,2}[.)]\s)")
# A line of hashtags or cashtags (#Bitcoin $ETH), or a bare link.
_TAGS_OR_LINK = re.compile(r"^(?:[#$][\w\u4e00-\u9fff-]+[\s,，]*)+$|^(?:https?://|www\.)\S+$")
_SECTION_NUMBER = re.compile(
    r"^(?:\d{1,2}|[一二三四五六七八九十]{1,3}|[IVX]{1,5}|Part\s+\w+)[、.:：)]?$", re.IGNORECASE
)
_MD_HEADING = re.compile(r"#{1,6}[ \t]+")
# A wire-service dateline opening a story: "BEIJING, July 15 (Reuters) -".
_WIRE_DATELINE = re.compile(
    r"^[A-Z][A-Z .'-]{1,30}(?:, [A-Z][A-Za-z .]{1,20})?,? [A-Z][a-z]{2,8}\.? \d{1,2}"
    r" \((?P<agency>[A-Za-z][\w .&-]{1,24})\)\s*[-–—]"
)
# "IV. Where is the floor?", "二、价格战": a numbered section title (Arabic "1." is a list).
_NUMBERED_HEADING = re.compile(r"^(?:[IVX]{1,4}\.|[一二三四五六七八九十]{1,3}[、.])\s*\S.{0,90}$")
_SIGN_OFF = re.compile(r"^(?:The\s+)?[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*){0,3}\s+Team$")
_TERMINAL = tuple(".!?。！？…\"”'’,，;；")
_ATTRIBUTION_AUTHOR = re.compile(
    r"(?:\bauthor|作者)\s*[:：]\s*(?P<author>[^，,;；\n]+?)\s*(?:[,，;；]|$)", re.IGNORECASE
)

_QA_MARKER_ONLY = re.compile(r"(?:[QA]\d*|[问問答])\s*[:：、.]?")

Section = Literal["body", "summary", "qa", "boilerplate"]


@dataclass(frozen=True, slots=True)
class RawBlock:
    start: int
    end: int
    markdown_heading: bool = False
    front_matter: bool = False


def split_blocks(text: str, markdown: bool = False) -> list[RawBlock]:
    """Paragraphs separated by blank lines; short consecutive lines stay separate blocks.
    In Markdown, front matter (``---`` ... ``---`` at the very top) is one block."""
    blocks: list[RawBlock] = []
    front = FRONT_MATTER.match(text) if markdown else None
    if front:
        blocks.append(RawBlock(0, front.end() - (1 if front.group().endswith("\n") else 0),
                               front_matter=True))
        text_offset = front.end()
    else:
        text_offset = 0
    for raw in _split_paragraphs(text, text_offset):
        blocks.append(raw)
    return blocks


def _split_paragraphs(text: str, offset: int) -> list[RawBlock]:
    blocks: list[RawBlock] = []
    for para_start, lines in _paragraphs(text, offset):
        widths = [len(line.strip()) for _, line in lines]
        # Hard-wrapped prose: lines of a similar, editor-like width with no line opening
        # as a heading, a list item, a quote or a "Label: ..." entry.
        wrapped = len(lines) > 1 and all(60 <= width <= 100 for width in widths[:-1]) and not any(
            _MD_HEADING.match(line.strip()) or _LIST_ITEM.match(line.lstrip())
            or line.lstrip().startswith("> ") or _LABEL_START.match(line.lstrip())
            for _, line in lines[1:]
        )
        if wrapped:
            (first, _), (last, last_line) = lines[0], lines[-1]
            end = para_start + last + len(last_line)
            blocks.append(_trimmed(text, para_start + first, end))
        else:
            for offset, line in lines:
                blocks.append(_trimmed(text, para_start + offset, para_start + offset + len(line)))
    return [block for block in blocks if block.end > block.start]


def _paragraphs(text: str, offset: int) -> Iterator[tuple[int, list[tuple[int, str]]]]:
    position = offset
    current: list[tuple[int, str]] = []
    current_start = 0
    for line in text[offset:].split("\n"):
        if line.strip():
            if not current:
                current_start = position
            current.append((position - current_start, line))
        elif current:
            yield current_start, current
            current = []
        position += len(line) + 1
    if current:
        yield current_start, current


def _trimmed(text: str, start: int, end: int) -> RawBlock:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    heading = _MD_HEADING.match(text, start, end)
    if heading:
        start = heading.end()
        while end > start and text[end - 1] in "# \t":
            end -= 1
    return RawBlock(start, end, markdown_heading=heading is not None)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    data = boilerplate_lexicon()

    def fold(words: list[str]) -> frozenset[str]:
        return frozenset(word.casefold() for word in words)

    markers = data["section_markers"]
    return {
        "nav": fold(data["nav_words"]),
        "sections": {kind: fold(words) for kind, words in markers.items()},
        "line_prefixes": tuple(word.casefold() for word in data["line_prefixes"]),
        "attribution": tuple(word.casefold() for word in data["attribution_prefixes"]),
    }


def _marker_key(text: str) -> str:
    return text.strip().rstrip(":：").strip().casefold()


def section_marker(text: str) -> str | None:
    """``boilerplate``, ``summary`` or ``qa`` when the block is that section's marker."""
    key = _marker_key(text)
    for kind, words in _lexicon()["sections"].items():
        if key in words:
            return str(kind)
    return None


def is_boilerplate_line(text: str) -> bool:
    lexicon = _lexicon()
    stripped = text.strip()
    folded = stripped.casefold()
    if folded in lexicon["nav"] or _RELATIVE_TIME.match(stripped) or _VIEW_COUNT.match(stripped):
        return True
    if _TAGS_OR_LINK.match(stripped) or _BREADCRUMB.match(stripped):
        return True
    if _CAPTION_CREDIT.search(stripped) and len(stripped) <= 300:
        return True
    if _FOLLOW_US.match(stripped) and len(stripped) <= 200:
        return True
    words = re.split(r"\s*[|｜/·•]\s*|\s{2,}|\s+", folded)
    if len(words) > 1 and all(word in lexicon["nav"] for word in words if word):
        return True
    return len(stripped) <= 300 and folded.startswith(lexicon["line_prefixes"])


def is_attribution(text: str) -> bool:
    """``Source: ...``, ``本文来自...``; a Chinese label may carry its gloss (``编译 (Compiled
    by): Frank``), so the text is also tried without its first parenthesis."""
    folded = text.strip().casefold()
    unglossed = _FIRST_PAREN.sub("", folded, count=1)
    return folded.startswith(_lexicon()["attribution"]) or unglossed.startswith(
        _lexicon()["attribution"])


_FIRST_PAREN = re.compile(r"(?<!\s)\s*[(（][^()（）]{1,40}[)）]")


def _looks_like_heading(text: str) -> bool:
    """A short line without closing punctuation; one ending in a colon must be in title
    case (``Future Prediction:``), else it introduces what follows (``Here is my plan:``)."""
    words = text.split()
    if not (0 < len(text) <= 100 and len(words) <= 14) or text.endswith(_TERMINAL):
        return False
    if text[0].islower() or _BULLET.match(text):  # "1. Binance lists ..." may head a section
        return False
    if text.endswith((":", "：")):
        long_words = [word for word in words if len(word) > 3]
        return bool(long_words) and all(word[0].isupper() for word in long_words)
    return True


def _qa_marker(
    text: str, start: int, end: int, expected: Literal["question", "answer"]
) -> int | None:
    """Length of a glued or spaced ``Q``/``A`` marker at ``start``, if one is there.

    ``Q1:`` numbers a question; an answer's digits (``A1. General ...``) are its text."""
    letters = {"question": ("Q", "问", "問"), "answer": ("A", "答")}[expected]
    numbered = r"\d*" if expected == "question" else ""
    match = re.match(rf"(?:[QA]{numbered}|[问問答])[ \t]*[:：、]?[ \t]*", text[start:end])
    if not match or not text[start:end].startswith(letters):
        return None
    following = text[start + match.end():end][:1]
    if not following:
        return None
    marker = match.group()
    if any(char in marker for char in ":：、") or marker[0] in "问問答":
        return match.end()  # "Q: What", "问：", "答："
    starts_sentence = following.isupper() or following.isdigit() or not following.isascii() or (
        following in "\"“")
    if match.end() == 1:
        return 1 if starts_sentence else None  # glued: "QWhat", "AZhipu", "A1. General"
    # Spaced: "Q What" is a marker, but "A Chinese startup" is prose that starts with "A".
    return match.end() if expected == "question" and starts_sentence else None


def structure(
    text: str, meta: dict[str, Any] | None = None, settings: Settings = DEFAULT_SETTINGS,
    markdown: bool = False,
) -> tuple[list[Block], dict[str, Any]]:
    """Label every block; return them with the metadata found in bylines and attributions."""
    labeller = _Labeller(text, meta, settings)
    for raw in split_blocks(text, markdown):
        labeller.add(raw)
    return labeller.blocks, labeller.found


class _Labeller:
    """Walks the blocks in order, keeping the little state the rules need (which section
    we are in, whether the title has been seen, the last section number)."""

    def __init__(self, text: str, meta: dict[str, Any] | None, settings: Settings) -> None:
        self.text = text
        self.meta = meta or {}
        self.settings = settings
        self.blocks: list[Block] = []
        self.found: dict[str, Any] = {}
        self.section: Section = "body"
        self.expect_role: Literal["question", "answer"] = "question"
        self.heading_lines_left = 0
        self.title_seen = False
        self.last_section_number: int | None = None

    def lang(self, start: int, end: int) -> str:
        return block_lang(self.text[start:end], seed=self.settings.langdetect_seed,
                          min_letters=self.settings.min_langdetect_letters)

    def add(self, raw: RawBlock) -> None:
        start, end = raw.start, raw.end
        block_text = self.text[start:end]
        lang = self.lang(start, end)
        role: Literal["question", "answer"] | None = None
        kind = "boilerplate" if raw.front_matter else self.page_furniture(block_text, lang)
        if kind is None and self.section == "qa":
            kind, role = "qa", self.expect_role
            if _QA_MARKER_ONLY.fullmatch(block_text):
                # A lone "Q" or "A" line: it introduces the next block, which keeps the role.
                self.blocks.append(Block(kind, start, end, lang, role))
                return
            marker_length = _qa_marker(self.text, start, end, self.expect_role)
            if marker_length is not None:
                start += marker_length
                lang = self.lang(start, end)
            self.expect_role = "answer" if self.expect_role == "question" else "question"
        if kind is None:
            kind = self.article_part(block_text, raw)
        if kind != "heading":
            self.heading_lines_left = 0
        self.title_seen = self.title_seen or kind not in ("boilerplate", "byline", "attribution")
        self.blocks.append(Block(kind, start, end, lang, role))

    def page_furniture(self, block_text: str, lang: str) -> BlockKind | None:
        """Section markers, bylines, attributions and boilerplate; None for article text."""
        marker = section_marker(block_text)
        if self.section == "boilerplate" or marker == "boilerplate":
            self.section = "boilerplate"
            return "boilerplate"
        if marker in ("summary", "qa"):
            self.section, self.expect_role = marker, "question"  # type: ignore[assignment]
            return "heading"
        if self.is_byline(block_text):
            return "byline"
        if is_attribution(block_text) or _SIGN_OFF.match(block_text):
            author = _ATTRIBUTION_AUTHOR.search(_FIRST_PAREN.sub("", block_text, count=1))
            if author:
                self.found.setdefault("author", clean_name(author["author"]))
            return "attribution"
        wire = _WIRE_DATELINE.match(block_text)
        if wire:
            self.found.setdefault("publisher", wire["agency"].strip())
        if is_boilerplate_line(block_text) or self.is_ui_line(block_text, lang):
            return "boilerplate"
        return None

    def is_byline(self, block_text: str) -> bool:
        if CLOCK_ONLY.match(block_text):
            return True  # a feed item's time stamp: "15:06"
        if len(self.blocks) >= 12 and not DATE_ONLY.match(block_text.strip()):
            return False
        byline = parse_byline(block_text)
        if byline is None:
            return False
        # A line of names without a date (``name · name``, ``name @handle``) is a byline
        # only right under the title.
        dated = bool(byline.get("published"))
        if not dated and not block_text.startswith("By ") and not _near_title(self.blocks):
            return False
        for key, value in byline.items():
            if value:
                self.found.setdefault(key, value)
        return True

    def is_ui_line(self, block_text: str, lang: str) -> bool:
        """Short Chinese lines in an English page (``币安广场``, ``查看原文``), bare counters
        (``1,284``), and before the title anything too short to be a headline."""
        if lang in ("zh", "ja") and count_han(block_text) <= 6 and not block_text.endswith(
                ("。", "！", "？")):
            return True
        if _COUNT_ONLY.match(block_text) and not self.is_section_number(block_text, peek=True):
            return True
        return not self.title_seen and not self.meta.get("title") and (
            len(block_text.split()) < 3 and lang not in ("zh", "ja"))

    def is_section_number(self, block_text: str, peek: bool = False) -> bool:
        """``01``, ``02``, ... in order (a repeat counts): a count like ``89`` is not one."""
        if not _SECTION_NUMBER.match(block_text):
            return False
        digits = re.sub(r"\D", "", block_text)
        if not digits:
            return True  # 一、 or II.
        value = int(digits)
        expected = {1} if self.last_section_number is None else {
            self.last_section_number, self.last_section_number + 1}
        if value not in expected:
            return False
        if not peek:
            self.last_section_number = value
        return True

    def article_part(self, block_text: str, raw: RawBlock) -> BlockKind:
        if not self.title_seen and _is_title(block_text, self.meta):
            return "title"
        if self.section == "summary":
            previous = self.blocks[-1] if self.blocks else None
            if previous is None or previous.kind != "summary":
                # The first block under the marker; a list may go on.
                if not _LIST_ITEM.match(block_text):
                    self.section = "body"
                return "summary"
            if _LIST_ITEM.match(block_text) and _LIST_ITEM.match(
                    self.text[previous.start:previous.end]):
                return "summary"
            self.section = "body"
        if raw.markdown_heading:
            return "heading"
        if self.is_section_number(block_text):
            self.heading_lines_left = 2
            return "heading"
        if _NUMBERED_HEADING.match(block_text) and not block_text.endswith((".", "。")):
            return "heading"
        if self.heading_lines_left and len(block_text) <= 100 and not block_text.endswith("."):
            self.heading_lines_left -= 1
            return "heading"
        if self.blocks and _looks_like_heading(block_text):
            return "heading"
        return "paragraph"


def _near_title(blocks: list[Block]) -> bool:
    """A date-less ``name · name`` line is a byline only right under the title."""
    kinds = [block.kind for block in blocks]
    return "title" in kinds and len(kinds) - kinds.index("title") <= 3


def _is_title(block_text: str, meta: dict[str, Any]) -> bool:
    known = meta.get("title")
    if known:
        return bool(block_text.strip() == str(known).strip())
    return len(block_text) <= 300 and not block_text.endswith(("。", "."))
