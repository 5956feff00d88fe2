"""Numbers, amounts and times as an article writes them, normalised.

``5 billion yuan`` -> 5e9 CNY, ``HK$345 per share`` -> 345 HKD per share, ``2.5万亿`` ->
2.5e12, ``nearly 110%`` -> 110 percent (approximate), ``more than 10 million users`` ->
1e7 users (lower bound), ``a quarter of`` -> ratio 0.25. Every :class:`Quantity` is a span of
the text it was found in, and its value follows from that span alone: nothing is inferred from
elsewhere, so no number is ever invented.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Bound = Literal["lower", "upper"]


@dataclass(frozen=True, slots=True)
class Quantity:
    start: int
    end: int
    text: str
    value: float
    unit: str
    currency: str | None = None
    approx: bool = False
    bound: Bound | None = None

    def to_json(self) -> dict[str, Any]:
        value: float | int = int(self.value) if self.value.is_integer() else self.value
        return {"text": self.text, "start": self.start, "end": self.end, "value": value,
                "unit": self.unit, "currency": self.currency, "approx": self.approx,
                "bound": self.bound}


_SCALE_WORDS = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "mn": 1e6, "m": 1e6,
    "billion": 1e9, "bln": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "tn": 1e12, "t": 1e12,
}
CJK_SCALES = {"千": 1e3, "万": 1e4, "萬": 1e4, "十万": 1e5, "十萬": 1e5, "百万": 1e6,
               "百萬": 1e6, "千万": 1e7, "千萬": 1e7, "亿": 1e8, "億": 1e8, "十亿": 1e9,
               "十億": 1e9, "百亿": 1e10, "百億": 1e10, "千亿": 1e11, "千億": 1e11,
               "万亿": 1e12, "萬億": 1e12}
# Written before the number ("US$4 billion", "RMB 2.958 billion") or after it ("5 billion
# yuan", "300万元"). Longest first, so "HK$" wins over "$".
_CURRENCY_BEFORE = {
    "US$": "USD", "USD": "USD", "$": "USD", "HK$": "HKD", "HKD": "HKD", "RMB": "CNY",
    "CNY": "CNY", "¥": "CNY", "￥": "CNY", "NT$": "TWD", "TWD": "TWD", "€": "EUR", "EUR": "EUR",
    "£": "GBP", "S$": "SGD", "SGD": "SGD", "JPY": "JPY", "A$": "AUD",
}
_CURRENCY_AFTER = {
    "yuan": "CNY", "RMB": "CNY", "renminbi": "CNY", "CNY": "CNY", "元": "CNY", "元人民币": "CNY",
    "人民币": "CNY", "块": "CNY", "US dollars": "USD", "U.S. dollars": "USD", "dollars": "USD",
    "USD": "USD", "美元": "USD", "Hong Kong dollars": "HKD", "HK dollars": "HKD", "HKD": "HKD",
    "港元": "HKD", "港币": "HKD", "港幣": "HKD", "New Taiwan dollars": "TWD", "NT dollars": "TWD",
    "TWD": "TWD", "新台币": "TWD", "新臺幣": "TWD", "euros": "EUR", "EUR": "EUR", "欧元": "EUR",
    "yen": "JPY", "日元": "JPY", "JPY": "JPY", "won": "KRW", "韩元": "KRW", "pounds": "GBP",
    "Singapore dollars": "SGD", "USDT": "USDT", "USDC": "USDC",
}
_COUNTED = (
    "users", "monthly active users", "daily active users", "active users", "paying users",
    "customers", "subscribers", "developers", "downloads", "employees", "staff", "people",
    "shares", "tokens", "vehicles", "cars", "units", "orders", "merchants", "enterprises",
    "companies", "clients", "accounts", "members", "visits", "queries", "calls", "GPUs",
    "chips", "servers", "wallets", "addresses", "transactions", "deliveries", "stores",
    "robots", "humanoid robots", "institutional clients", "investors", "partners", "models",
    "用户", "人", "股", "辆", "台", "家",
)
_APPROX = ("approximately", "approaching", "approached", "approach", "nearly", "almost",
           "about", "around", "roughly", "some", "close to", "an estimated", "estimated",
           "circa", "~", "约", "近", "大约", "接近", "将近")
_LOWER = ("more than", "over", "above", "at least", "exceeding", "exceeded", "exceeds",
          "exceed", "upwards of", "in excess of", "no less than", "north of", "超过", "逾",
          "超", "至少", "以上")
_UPPER = ("less than", "under", "below", "up to", "at most", "no more than", "fewer than",
          "不到", "不超过", "最多", "以下", "以内")
_FRACTIONS = {"half": 0.5, "a half": 0.5, "one half": 0.5, "a third": 1 / 3, "one third": 1 / 3,
              "one-third": 1 / 3, "two-thirds": 2 / 3, "two thirds": 2 / 3, "a quarter": 0.25,
              "one quarter": 0.25, "one-quarter": 0.25, "three quarters": 0.75,
              "three-quarters": 0.75, "a fifth": 0.2, "one fifth": 0.2, "one-fifth": 0.2,
              "a tenth": 0.1, "one tenth": 0.1, "one-tenth": 0.1}
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
                 "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
                 "a hundred": 100, "one hundred": 100}


def _alternation(words: Iterator[str] | list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_WORDNUM = _alternation([w for word in _WORD_NUMBERS for w in (word, word.capitalize())])
_FOLD_RE = re.compile(rf"(?<![\w.,-])(?P<num>{_WORDNUM}|\d+(?:\.\d+)?)-?fold(?![\w-])",
                      re.IGNORECASE)
# What stands between the two halves of a range: "3 to 5", "3-5", "380 to about 600".
_RANGE_GAP = r"\s?(?:-|–|to|and)\s?(?:about |around |roughly |nearly |approximately )?"
# "between 115,000 and 120,000 vehicles", "from 380 to 600 people": the first number of a
# range takes the unit written after the second.
_RANGE_FIRST_RE = re.compile(
    r"(?<![\w.,])(?P<cur>[$¥￥€£]|US\$|HK\$|NT\$)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?P<gap>{_RANGE_GAP})(?=[$¥￥€£]?\d)")
_HYPHEN_COUNT_RE = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:,\d{3})+|\d+)-(?P<noun>GPU|card|chip|server|vehicle|"
    r"person|member|employee|robot)s?(?![\w-])")
_CUR_BEFORE = _alternation(list(_CURRENCY_BEFORE))
_CUR_AFTER = _alternation(list(_CURRENCY_AFTER))
_SCALE = r"thousand|million|billion|trillion|mln|bln|mn|bn|tn|[kKmMbBtT](?![A-Za-z])"
_CJK_SCALE = _alternation(list(CJK_SCALES))
_COUNT = _alternation(list(_COUNTED))
_MODIFIER = _alternation(list(_APPROX) + list(_LOWER) + list(_UPPER))

# One amount: [currency] number [scale] [currency | "%" | counted noun | "times"].
_QUANTITY_RE = re.compile(
    rf"(?P<cur1>{_CUR_BEFORE})?\s?"
    rf"(?P<num>(?(cur1)|(?<![A-Za-z0-9_.,]))(?:{_NUM})(?![\d])"
    rf"|(?<![\w-])(?:{_WORDNUM})(?=[\s-]))"
    rf"(?:\s?(?P<cjk>{_CJK_SCALE})|[\s-]?(?P<scale>{_SCALE})(?![A-Za-z]))?"
    rf"(?:\s?(?P<pct>%|percent(?:age points?)?|per cent|个百分点)"
    rf"|\s?(?P<times>times|x|fold|倍)(?![A-Za-z])"
    rf"|\s?(?P<cur2>{_CUR_AFTER})(?![A-Za-z])"
    rf"|\s?(?P<rate>EH/s|PH/s|TH/s|GW|MW|GWh|MWh|kWh)(?![A-Za-z])"
    rf"|\s(?P<ticker>BTC|ETH|SOL|BNB|XRP|DOGE|TON|TRX|[A-Z][A-Z0-9]{{1,5}}(?=\s(?:tokens?|coins?)\b))"
    rf"(?![A-Za-z])"
    rf"|\s(?P<count>(?:[a-z-]+\s)?(?:{_COUNT}))(?![A-Za-z])"
    rf"|(?P<ccount>{_COUNT})(?![A-Za-z])"
    rf"|\s(?P<plural>(?:[a-z][a-z-]+\s)?[a-z]{{2,}}s)(?![A-Za-z]))?"
    rf"(?P<per>\s?(?:per share|a share|每股))?"
)
_FRACTION_RE = re.compile(
    rf"(?<![\w-])(?<!first )(?<!second )(?<!latter )(?<!final )(?<!last )"
    rf"(?P<frac>{_alternation(list(_FRACTIONS))})(?= of\b)(?! of (?:the )?(?:19|20)\d\d)",
    re.IGNORECASE)
_MODIFIER_RE = re.compile(rf"(?<![A-Za-z])(?:{_MODIFIER})\s?$", re.IGNORECASE)
# Chinese bounds follow the amount: 3亿元以上 (over 300 million yuan), 5000万以内.
_BOUND_AFTER = re.compile(r"\s?(?:以上|之上|多|余)|\s?(?P<upper>以下|以内|之内)")
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)\b[A-Z][A-Za-z]+\s$")
_YEAR_RE = re.compile(r"^(?:19|20)\d\d$")
# Numbers that are parts of names or dates: "GPT-4", "Q3", "H20", "2025-04-03", "5G", "3/4".
_NOT_AMOUNT_BEFORE = re.compile(r"(?:[A-Za-z]-?|[/:#.№]|\d[-/.])$")
_NOT_AMOUNT_AFTER = re.compile(r"^(?:[-/:]\d|[A-Za-z]\w|\.\d|st\b|nd\b|rd\b|th\b|月|日|年|号|G\b)")


def find_quantities(text: str, start: int = 0, end: int | None = None) -> list[Quantity]:
    """Every amount, percentage, multiple, ratio or count in ``text[start:end]``."""
    end = len(text) if end is None else end
    found: list[Quantity] = []
    for match in _QUANTITY_RE.finditer(text, start, end):
        quantity = _quantity(text, match, start)
        if quantity is not None:
            found.append(quantity)
    for match in _FOLD_RE.finditer(text, start, end):
        number = match.group("num")
        value = float(_WORD_NUMBERS[number.lower()]) if number.lower() in _WORD_NUMBERS else (
            float(number))
        approx, bound = _modifier(text, start, match.start())
        found.append(Quantity(match.start(), match.end(), match.group(), value, "multiple",
                              None, approx, bound))
    for match in _HYPHEN_COUNT_RE.finditer(text, start, end):
        found.append(Quantity(match.start("num"), match.end("num"), match.group("num"),
                              float(match.group("num").replace(",", "")),
                              match.group("noun").lower() + "s"))
    taken = {quantity.start for quantity in found}
    by_start = {quantity.start: quantity for quantity in found}
    for match in _RANGE_FIRST_RE.finditer(text, start, end):
        second = by_start.get(match.end())
        if second is None or match.start() in taken or _YEAR_RE.match(match.group("num")):
            continue
        # Unscaled here: _carry_range_scale gives it the second half's scale.
        found.append(Quantity(match.start(), match.end("num"), text[match.start():match.end("num")],
                              _written_number(match.group("num")), second.unit,
                              second.currency, second.approx, None))
    found = _carry_range_scale(text, sorted(found, key=lambda quantity: quantity.start))
    for match in _FRACTION_RE.finditer(text, start, end):
        approx, bound = _modifier(text, start, match.start())
        found.append(Quantity(match.start(), match.end(), match.group(),
                              _FRACTIONS[match.group().lower()], "ratio", None, approx, bound))
    return sorted(found, key=lambda quantity: quantity.start)


_RANGE_GAP_RE = re.compile(f"{_RANGE_GAP}$")
_SCALE_WORD = re.compile(rf"(?:{_SCALE}|{_CJK_SCALE})", re.IGNORECASE)


def _written_number(text: str) -> float:
    """The first number written in digits in ``text`` (``US$1,200.5`` -> 1200.5), or 0."""
    written = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    return float(written.group().replace(",", "")) if written else 0.0


def _carry_range_scale(text: str, found: list[Quantity]) -> list[Quantity]:
    """``$1.2 to $1.5 billion``: the first half of a range written without its scale takes
    the second half's."""
    for index in range(len(found) - 1):
        first, second = found[index], found[index + 1]
        if (first.unit != second.unit or _SCALE_WORD.search(first.text)
                or not _RANGE_GAP_RE.match(text[first.end:second.start])):
            continue
        number = _written_number(second.text)
        scale = second.value / number if number else 1.0
        if scale > 1.5 and _written_number(first.text) == first.value:
            found[index] = dataclasses.replace(first, value=first.value * scale)
    return found


def _quantity(text: str, match: re.Match[str], floor: int) -> Quantity | None:
    groups = match.groupdict()
    number = groups["num"]
    word = not number[0].isdigit()
    cur1, cur2, cjk, scale = groups["cur1"], groups["cur2"], groups["cjk"], groups["scale"]
    # The counted noun, if any: a known one ("users"), a Chinese one (用户) or any plural.
    count_key = next((key for key in ("count", "ccount", "plural") if groups[key]), None)
    if count_key == "plural":
        nouns = groups["plural"].split()
        if nouns[-1] in _NOT_COUNTS:
            return None  # "two days", "three years": durations, not amounts
        if nouns[0] in _NOT_COUNTS or (word and nouns[0] in _NOT_AFTER_WORD_NUMBER):
            count_key = None
    counted = groups[count_key] if count_key else None
    has_unit = bool(counted) or any(groups[key] for key in ("pct", "times", "cur2", "rate",
                                                             "ticker"))
    if word and not (scale or groups["pct"] or groups["times"] or cur1 or cur2 or (
            counted and 2 <= _WORD_NUMBERS[number.lower()] <= 20)):
        return None  # "one of the", "a hundred models" (a figure of speech)
    if counted and not (scale or cjk or cur1 or cur2) and (
            _RANK_BEFORE.search(text, max(floor, match.start("num") - 12), match.start("num"))
            or _SOURCES_AFTER.match(text, match.end())):
        return None  # "the top five customers", "two people familiar with the matter"
    if not (cur1 or cjk or scale or has_unit):
        return None  # a bare number: a year, an index, a count of unknown things
    digits_start = match.start("num")
    scaled = bool(cjk or scale or groups["pct"] or cur1 or cur2)
    before = text[max(floor, digits_start - 2):digits_start]
    if not word and (
            (not cur1 and _NOT_AMOUNT_BEFORE.search(before)
             and not (scaled and re.search(r"\d-$", before)))  # "3-5 billion yuan"
            or (_NOT_AMOUNT_AFTER.match(text[match.end("num"):match.end("num") + 3])
                and not (cjk or scale or groups["pct"]))):
        return None
    if scale and len(scale) == 1 and not (cur1 or cur2 or counted):
        return None  # "5m" with no currency is as likely metres, "3B" a model size
    if not word and _YEAR_RE.match(number) and not (cur1 or cur2 or cjk or scale) and counted:
        return None  # "2025 users" is almost always "in 2025, users ..."
    if counted and not (scale or cjk) and _NAME_BEFORE.search(
            text, max(floor, digits_start - 20), digits_start):
        return None  # "Journey 6 chips", "Model 3 cars": a product's name
    value = float(_WORD_NUMBERS[number.lower()]) if word else float(number.replace(",", ""))
    if cjk:
        value *= CJK_SCALES[cjk]
    if scale:
        value *= _SCALE_WORDS[scale.lower()]
    currency = _CURRENCY_BEFORE.get(cur1 or "") or _CURRENCY_AFTER.get(cur2 or "")
    if groups["pct"]:
        unit = "percentage_points" if "点" in groups["pct"] or "point" in groups["pct"] else (
            "percent")
    elif groups["times"]:
        unit = "multiple"
    elif currency:
        unit = "money_per_share" if groups["per"] else "money"
    elif groups["rate"]:
        unit = groups["rate"]
    elif groups["ticker"]:
        unit = "tokens"
    elif counted:
        unit = _count_unit(counted)
    else:
        unit = "number"
    span_start = match.start("cur1") if cur1 else digits_start
    span_end = match.end()
    if counted and count_key:  # the noun is the unit; "10 million" is the span
        span_end = match.start(count_key)
    elif count_key is None and groups["plural"]:
        span_end = match.start("plural")
    while span_end > span_start and text[span_end - 1].isspace():
        span_end -= 1
    approx, bound = _modifier(text, floor, span_start)
    after = _BOUND_AFTER.match(text, match.end())
    if after and (cjk or (cur2 in _CURRENCY_AFTER and not cur2.isascii())):
        bound = "upper" if after.group("upper") else "lower"
    if not math.isfinite(value):
        return None  # a 300-digit "amount" is no amount
    return Quantity(span_start, span_end, text[span_start:span_end], value, unit, currency,
                    approx, bound)


_RANK_BEFORE = re.compile(r"\b(?:top|first|last|next|past|other)\s$", re.IGNORECASE)
_SOURCES_AFTER = re.compile(
    r"\s(?:familiar|with (?:knowledge|direct knowledge)|close to|briefed|who (?:spoke|asked))")
# Plural nouns after a number that are no counted thing.
_NOT_COUNTS = frozenset({
    "days", "weeks", "months", "years", "hours", "minutes", "seconds", "decades", "quarters",
    "times", "points", "percent", "basis", "rounds", "consecutive", "straight", "sessions",
    "nights", "mornings", "evenings", "centuries", "generations", "steps", "stages", "phases",
    "parts", "ways", "things", "others", "ones", "reasons", "aspects", "questions", "lessons",
})
# "three of", "two such": a word number before these is no count either.
_NOT_AFTER_WORD_NUMBER = frozenset({"things", "ways", "reasons"})


_COUNT_UNITS = {"用户": "users", "人": "people", "股": "shares", "辆": "vehicles", "台": "units",
                "家": "companies"}


def _count_unit(noun: str) -> str:
    noun = noun.strip()
    if noun in _COUNT_UNITS:
        return _COUNT_UNITS[noun]
    last = noun.split()[-1]
    return "users" if last == "users" else last


def _modifier(text: str, floor: int, start: int) -> tuple[bool, Bound | None]:
    match = _MODIFIER_RE.search(text, max(floor, start - 24), start)
    if match is None:
        return False, None
    word = match.group().strip().lower()
    if word in _LOWER:
        return False, "lower"
    if word in _UPPER:
        return False, "upper"
    return True, None


# Times the claims refer to: the first half of 2025, Q3 2025, early 2026, by 2027, within
# one to two years, next year, 2025年.
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|"
           "Nov\\.?|Dec\\.?")
_YEAR = (r"(?<![\d.,])(?:19|20)\d\d(?!\d|[,.]\d|%|[亿万億萬元千百]|\s(?:million|billion|"
         r"thousand|employees|users|units|people|staff|vehicles|shares|robots|customers|"
         r"yuan|dollars))")
_TIME_RE = re.compile(
    rf"(?:(?:in|by|during|for|since|through|until|before|after|as of|from)\s)?"
    rf"(?:(?:the\s)?(?:first|second|third|fourth|final|last)\s(?:half|quarter)\sof\s{_YEAR}"
    rf"|(?:H[12]|Q[1-4]|FY|fiscal(?:\syear)?)\s?{_YEAR}"
    rf"|{_YEAR}\s(?:H[12]|Q[1-4])"
    rf"|(?:early|mid|late|the end of|end of|the start of|the beginning of|mid-)[\s-]?{_YEAR}"
    rf"|(?:{_MONTHS})\s(?:\d{{1,2}},?\s)?{_YEAR}"
    rf"|{_YEAR}年(?:\d{{1,2}}月)?(?:\d{{1,2}}日)?"
    rf"|{_YEAR}-\d\d(?:-\d\d)?"
    rf"|(?:the\s)?(?:fiscal\s)?{_YEAR}(?:\sfiscal\syear)?"
    rf"|within\s(?:the\snext\s)?(?:\w+\s(?:to|or)\s)?\w+\s(?:years?|months?|quarters?)"
    rf"|(?:next|last|this|the\spast|the\snext|the\scoming)\s(?:year|quarter|month|decade)"
    rf"|(?:the\s)?(?:first|second|third|fourth)\squarter"
    rf"|year[\s-]on[\s-]year|(?:over\s)?the\spast\s\w+\s(?:years|months))",
    re.IGNORECASE,
)
_NOT_TIME = re.compile(r"year[\s-]on[\s-]year", re.IGNORECASE)


def find_time(text: str, start: int = 0, end: int | None = None) -> str | None:
    """The first time expression in ``text[start:end]``, as written (without its preposition
    unless it is ``by``/``within``, which change the meaning)."""
    end = len(text) if end is None else end
    for match in _TIME_RE.finditer(text, start, end):
        found = match.group()
        if _NOT_TIME.fullmatch(found):
            continue
        head, _, rest = found.partition(" ")
        if head.lower() in {"in", "during", "for", "as", "from", "through"} and rest:
            found = rest.removeprefix("of ") if head.lower() == "as" else rest
        return found
    return None


def overlaps(a: Quantity, b: Quantity) -> bool:
    return a.start < b.end and b.start < a.end


_SPAN_NUMBER = re.compile(rf"\d[\d,]*(?:\.\d+)?|(?<![A-Za-z]){_WORDNUM}(?![A-Za-z])")
_SPAN_SCALE = re.compile(rf"{_CJK_SCALE}|(?<![A-Za-z])(?:{_SCALE})(?![A-Za-z])", re.IGNORECASE)


def written_value(span: str, following: str = "") -> set[float]:
    """The values a quantity's own words can mean: its number times the scale written in it
    (``5千万元`` -> 5e7, ``two billion`` -> 2e9), a fraction (``a quarter``), or, for the first
    half of a range (``$1.2`` in ``$1.2 to $1.5 billion``), times the scale that follows."""
    lowered = span.lower()
    if lowered in _FRACTIONS:
        return {_FRACTIONS[lowered]}
    number = _SPAN_NUMBER.search(span)
    if number is None:
        return set()
    written = number.group()
    base = float(_WORD_NUMBERS[written.lower()]) if written.lower() in _WORD_NUMBERS else (
        float(written.replace(",", "")))
    scales = [CJK_SCALES.get(m.group()) or _SCALE_WORDS[m.group().lower()]
              for m in _SPAN_SCALE.finditer(span, number.end())]
    values = {base * math.prod(scales)}
    if not scales:
        values |= {base * (CJK_SCALES.get(m.group()) or _SCALE_WORDS[m.group().lower()])
                   for m in _SPAN_SCALE.finditer(following[:40])}
    return values
