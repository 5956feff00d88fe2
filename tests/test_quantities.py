"""Quantities and times: the notations of this news, normalised, and never invented."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluate import derivable
from pipeline.quantities import find_quantities, find_time


@pytest.mark.parametrize(("text", "expected"), [
    ("losses approached 5 billion yuan", ("5 billion yuan", 5e9, "money", "CNY", True, None)),
    ("revenue of RMB 2.958 billion", ("RMB 2.958 billion", 2.958e9, "money", "CNY", False, None)),
    ("priced at HKD 345 per share", ("HKD 345 per share", 345, "money_per_share", "HKD", False,
                                     None)),
    ("priced at HK$345 per share", ("HK$345 per share", 345, "money_per_share", "HKD", False,
                                    None)),
    ("a $300 million round", ("$300 million", 3e8, "money", "USD", False, None)),
    ("valued at US$4 billion", ("US$4 billion", 4e9, "money", "USD", False, None)),
    ("grew nearly 110% year on year", ("110%", 110, "percent", None, True, None)),
    ("a quarter of R&D investment", ("a quarter", 0.25, "ratio", None, False, None)),
    ("融资1亿元", ("1亿元", 1e8, "money", "CNY", False, None)),
    ("营收300万元", ("300万元", 3e6, "money", "CNY", False, None)),
    ("规模达2.5万亿", ("2.5万亿", 2.5e12, "number", None, False, None)),
    ("more than 10 million users", ("10 million", 1e7, "users", None, False, "lower")),
    ("over 1,200 employees", ("1,200", 1200, "employees", None, False, "lower")),
    ("up to $50 million", ("$50 million", 5e7, "money", "USD", False, "upper")),
    ("about 3 times", ("3 times", 3, "multiple", None, True, None)),
    ("raised $1.5bn", ("$1.5bn", 1.5e9, "money", "USD", False, None)),
    ("50亿元人民币", ("50亿元人民币", 5e9, "money", "CNY", False, None)),
    ("NT$500 billion", ("NT$500 billion", 5e11, "money", "TWD", False, None)),
    ("a lender with 43 branches", ("43", 43, "branches", None, False, None)),
    ("Eight cornerstone investors", ("Eight", 8, "investors", None, False, None)),
    ("mined 1,512 BTC", ("1,512 BTC", 1512, "tokens", None, False, None)),
    ("reached 28.6 EH/s", ("28.6 EH/s", 28.6, "EH/s", None, False, None)),
    ("融资5千万元", ("5千万元", 5e7, "money", "CNY", False, None)),
    ("revenue of RMB1.2bn", ("RMB1.2bn", 1.2e9, "money", "CNY", False, None)),
    ("revenue grew 1.5-fold", ("1.5-fold", 1.5, "multiple", None, False, None)),
    ("营收3亿元以上", ("3亿元", 3e8, "money", "CNY", False, "lower")),
    ("its turnover 5 billion yuan", ("5 billion yuan", 5e9, "money", "CNY", False, None)),
])
def test_notations(text: str, expected: tuple[object, ...]) -> None:
    (quantity,) = find_quantities(text)
    assert (quantity.text, quantity.value, quantity.unit, quantity.currency, quantity.approx,
            quantity.bound) == pytest.approx(expected)
    assert text[quantity.start:quantity.end] == quantity.text


@pytest.mark.parametrize("text", [
    "GPT-4 beat Qwen2.5 in 2025", "on 2026-04-03", "in Q3 2025", "H20 chips", "the 5G era",
    "Section 01", "for two days", "one of the Six Dragons", "three things matter",
    "a 7-nanometre process", "the top five customers", "two people familiar with it",
    "the first half of 2025", "Base58 Labs", "01.AI", "36Kr reported", "7×24h news",
])
def test_numbers_that_are_not_quantities(text: str) -> None:
    assert find_quantities(text) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("losses in 2025 approached", "2025"),
    ("revenue in the first half of 2025 grew", "the first half of 2025"),
    ("listed in early 2026", "early 2026"),
    ("will turn profitable within one to two years", "within one to two years"),
    ("in Q3 2025", "Q3 2025"),
    ("expects to list by 2027", "by 2027"),
    ("2025年营收", "2025年"),
    ("It sold 12025 units", None),
    ("Zhipu has 2000 employees", None),
    ("no time here", None),
])
def test_times(text: str, expected: str | None) -> None:
    assert find_time(text) == expected


def test_ranges_carry_the_scale_of_their_second_half() -> None:
    first, second = find_quantities("raised $1.2 to $1.5 billion")
    assert (first.text, first.value, second.value) == ("$1.2", 1.2e9, 1.5e9)
    first, second = find_quantities("rose from 3 to 5 million users")
    assert (first.value, first.unit) == (3e6, "users")
    first, second = find_quantities("a 3-5 billion yuan round")
    assert (first.value, second.value) == (3e9, 5e9)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False,
                   allow_infinity=False),
       st.sampled_from([("billion", 1e9), ("million", 1e6), ("亿", 1e8), ("万", 1e4)]),
       st.sampled_from([("", " yuan", "CNY"), ("$", "", "USD"), ("HK$", "", "HKD"),
                        ("", "元", "CNY")]))
def test_amounts_round_trip(number: object, scale: tuple[str, float],
                            currency: tuple[str, str, str]) -> None:
    before, after, code = currency
    separator = "" if scale[0] in "亿万" else " "
    written = f"{before}{number}{separator}{scale[0]}{after}"
    text = f"The company said {written} was raised."
    (quantity,) = find_quantities(text)
    assert quantity.text == written
    assert quantity.value == pytest.approx(float(str(number)) * scale[1])
    assert quantity.currency == code


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([
    *"0123456789.,%$ 亿万千百元 bilonyuaHKD()年Q-", " to ", "-fold", "two ", " users", "RMB",
    "以上", " million", " billion", "about ", "over "]), max_size=30).map("".join))
def test_every_quantity_is_a_span_of_the_text(text: str) -> None:
    for quantity in find_quantities(text):
        assert text[quantity.start:quantity.end] == quantity.text
        assert derivable(text, quantity), quantity
