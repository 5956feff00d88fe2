"""Bylines and datelines: who published an article, who wrote it, and when.

Site bylines come in many shapes (``marsbit发布于2026-04-03更新于2026-04-03``,
``36Kr · 2026-03-18 · Author: Deng Yongyi``, ``By Hsu Tzu-ling / Staff reporter``,
``Sat, Jul 18, 2026 page3``); :func:`parse_byline` reads them into meta fields.
"""

from __future__ import annotations

import re

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_DATE = (
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?,?\s+)?"
    r"(?:\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"|(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}"
    r"|\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+\d{4})"
)
_TIME = (
    r"(?:,?\s*\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
    r"(?:\s*(?:GMT|UTC)(?:\s*[+-]\s*\d{1,2}(?::?\d{2})?)?|\s*[A-Z]{2,4}T)?"
    r"(?:\s*,?\s*[Pp]age\s*\d+)?"
)
_PUBLISHED_WORD = (
    r"(?:发布于|發佈於|發布於|发表于|發表於|发布时间|Posted on|Published on|Published)"
)
_UPDATED_WORD = r"(?:更新于|更新於|更新时间|Updated on|Updated|Last updated)"
_BYLINE_KEYWORD = re.compile(
    rf"^(?P<publisher>.{{0,60}}?)\s*{_PUBLISHED_WORD}\s*[:：]?\s*(?P<published>{_DATE}){_TIME}"
    rf"(?:\s*[·|,，]?\s*{_UPDATED_WORD}\s*[:：]?\s*(?P<updated>{_DATE}){_TIME})?\s*$",
    re.IGNORECASE,
)
_BYLINE_NAME_DATE = re.compile(
    rf"^(?P<publisher>[A-Za-z\u4e00-\u9fff][^\d|·•/\n]{{1,40}}?)\s+(?P<published>{_DATE}){_TIME}$"
)
_BYLINE_HANDLE = re.compile(r"^(?P<author>[^@\n]{1,40}?)\s+@[\w.]{2,30}$")
_BYLINE_BY = re.compile(
    r"^By\s+(?P<author>[A-Z][^|·•/,\n]{1,50}?)(?:\s*[|·•/,]\s*(?P<rest>.*?))?\s*$"
)
# WeChat's article header, translated or not: "原创 周雨安 具身纪 2026-06-03 08:30 北京".
_WECHAT_HEADER = re.compile(
    rf"^(?:Original|原创|原創)\s+(?:(?P<author>[^\d\n]{{1,30}}?)\s+)?(?P<publisher>\S{{1,20}})"
    rf"\s+(?P<published>{_DATE})(?:\s+\d{{1,2}}:\d{{2}})?(?:\s+\S{{1,20}})?$")
DATE_ONLY = re.compile(rf"^{_DATE}{_TIME}$")
CLOCK_ONLY = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?$")
_DATE_PARTS = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DATE_WORDS = re.compile(
    r"(?:(?P<m1>[A-Za-z]{3})[a-z]*\.?\s+(?P<d1>\d{1,2}),?\s+(?P<y1>\d{4})"
    r"|(?P<d2>\d{1,2})\s+(?P<m2>[A-Za-z]{3})[a-z]*\.?,?\s+(?P<y2>\d{4}))"
)
_BYLINE_LABELS = frozenset(
    ["original", "exclusive", "opinion", "sponsored", "analysis", "原创", "独家", "原創", "獨家"]
)
_LABELLED_AUTHOR = re.compile(
    r"^(?:(?:by|author|written by|words|text|interview(?:er)?|reporter)\b"
    r"|作者|撰文|采访|记者|文(?=\s*[:：|]))"
    r"\s*[:：|]?\s*(?P<name>.+)$",
    re.IGNORECASE,
)
# Contributors who are neither the author nor the publisher.
_LABELLED_OTHER = re.compile(
    r"^(?:(?:compiled|translated|edited|proofread) by\b\s*[:：]?"
    r"|(?:translator|editor|编译|翻译|编辑|校对|责编)\s*[:：])", re.IGNORECASE)
# A label standing alone before the name it labels: "Text | Wang Fangyu · Editor | Su".
_AUTHOR_LABELS = frozenset(["text", "words", "author", "by", "reporter", "interview", "文",
                            "作者", "撰文", "记者", "采访"])
_OTHER_LABELS = frozenset(["editor", "translator", "compiler", "编辑", "编译", "翻译", "校对",
                           "责编"])
BYLINE_PARTS = re.compile(r"\s+[·|•｜]\s+|\s*[·|•｜]\s*(?=\d)")
# A trailing parenthesis holding the Chinese name or an @handle: (邱晓芬), (@azuma_eth).
_TRAILING_HAN_NOTE = re.compile(r"\s*[(（][^()（）]*[\u3400-\u9fff@][^()（）]*[)）]\s*$")


_SENTENCE_AFTER_NAME = re.compile(r"(?<=[a-z'’)])[.。]\s+(?=[A-Z\u4e00-\u9fff])")


def clean_name(name: str) -> str:
    """``Qiu Xiaofen (邱晓芬).`` -> ``Qiu Xiaofen``; a Chinese name keeps its English gloss;
    a sentence after the name goes (``Zhou Yu'an. Reposted with authorization.``)."""
    name = _SENTENCE_AFTER_NAME.split(name.strip(), maxsplit=1)[0]
    name = re.split(r"\s+[|｜·•]\s+", name, maxsplit=1)[0]  # "Lin Xiaoqi | Editor: Zhou Mu"
    name = name.strip().rstrip(".。;；,，").strip()
    stripped = _TRAILING_HAN_NOTE.sub("", name)
    return stripped or name


def iso_date(text: str | None) -> str | None:
    if not text:
        return None
    match = _DATE_PARTS.search(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        words = _DATE_WORDS.search(text)
        if not words:
            return None
        month_name = (words["m1"] or words["m2"]).lower()
        if month_name not in _MONTHS:
            return None
        year, month, day = int(words["y1"] or words["y2"]), _MONTHS[month_name], int(
            words["d1"] or words["d2"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_byline(text: str) -> dict[str, str | None] | None:
    """Publisher, author and dates when the block is a byline, else ``None``."""
    stripped = text.strip()
    if len(stripped) > 160:
        return None
    match = _BYLINE_KEYWORD.match(stripped)
    if match:
        return {"publisher": match["publisher"].strip(" ·|,") or None, "author": None,
                "published": iso_date(match["published"]), "updated": iso_date(match["updated"])}
    if DATE_ONLY.match(stripped):
        return {"publisher": None, "author": None, "published": iso_date(stripped),
                "updated": None}
    match = _WECHAT_HEADER.match(stripped)
    if match:
        return {"publisher": match["publisher"], "author": match["author"],
                "published": iso_date(match["published"]), "updated": None}
    match = _BYLINE_HANDLE.match(stripped)
    if match:
        return {"publisher": None, "author": match["author"].strip(), "published": None,
                "updated": None}
    match = _BYLINE_NAME_DATE.match(stripped)
    if match:
        return {"publisher": match["publisher"].strip(), "author": None,
                "published": iso_date(match["published"]), "updated": None}
    parts = BYLINE_PARTS.split(stripped)
    if 2 <= len(parts) <= 4 and all(0 < len(part) <= 48 for part in parts):
        return _byline_from_parts(parts)
    match = _BYLINE_BY.match(stripped)
    if match:
        rest = match["rest"] or ""
        return {"publisher": None, "author": match["author"].strip(),
                "published": iso_date(rest), "updated": None}
    return None


def _byline_from_parts(parts: list[str]) -> dict[str, str | None]:
    """``36Kr · 2026-03-18 · Author: Deng Yongyi``, ``CryptoSakura · Gate Square``."""
    found: dict[str, str | None] = dict.fromkeys(("publisher", "author", "published", "updated"))
    names: list[str] = []
    label = ""
    for part in (part.strip() for part in parts):
        previous_label, label = label, part.casefold()
        if label in _AUTHOR_LABELS or label in _OTHER_LABELS:
            continue  # the next part is the name it labels
        if previous_label in _OTHER_LABELS:
            continue
        if previous_label in _AUTHOR_LABELS:
            found["author"] = clean_name(part)
            continue
        labelled = _LABELLED_AUTHOR.match(part)
        if label in _BYLINE_LABELS or _LABELLED_OTHER.match(part):
            continue
        if DATE_ONLY.match(part):
            found["published"] = found["published"] or iso_date(part)
        elif labelled:
            # "Written by Frank, Foresight News": the author, then where they write.
            author, _, outlet = labelled["name"].partition(", ")
            found["author"] = clean_name(author)
            if outlet.strip():
                names.append(clean_name(outlet))
        else:
            names.append(clean_name(part))
    if len(names) >= 2 and not found["author"]:
        found["author"] = names[0]
    if names:
        found["publisher"] = names[-1]
    return found
