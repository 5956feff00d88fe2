"""Claims: checkable sentences about named companies, with their subjects, numbers (as the
article wrote them), time and modality."""

from __future__ import annotations

from conftest import annotate_text

from pipeline.claims import Claim, sentences
from pipeline.document import Document


def claims_of(doc: Document) -> list[Claim]:
    for claim in doc.claims:
        assert doc.text[claim.start:claim.end] == claim.text
        for quantity in claim.quantities:
            assert doc.text[quantity.start:quantity.end] == quantity.text
            assert claim.start <= quantity.start < quantity.end <= claim.end
    return doc.claims


def only(doc: Document) -> Claim:
    (claim,) = claims_of(doc)
    return claim


def test_a_loss_with_its_numbers_time_and_subject() -> None:
    doc = annotate_text(
        "Although Zhipu AI's 2025 revenue grew, its losses approached 5 billion yuan, with "
        "revenue barely covering a quarter of R&D investment.\n")
    claim = only(doc)
    assert claim.type == "profit_loss"
    assert claim.subjects == ("zhipu-ai",)
    assert [(q.text, q.value, q.unit, q.currency, q.approx) for q in claim.quantities] == [
        ("5 billion yuan", 5e9, "money", "CNY", True), ("a quarter", 0.25, "ratio", None, False)]
    assert claim.time == "2025"
    assert claim.modality == "fact"


def test_chinese_amounts_stay_as_written_and_their_gloss_is_not_counted_twice() -> None:
    doc = annotate_text("MiniMax raised 5亿元 (500 million yuan) in a Series B round.\n")
    claim = only(doc)
    assert claim.type == "funding"
    assert [(q.text, q.value) for q in claim.quantities] == [("5亿元", 5e8)]


def test_a_bare_chinese_amount_takes_the_unit_of_its_gloss() -> None:
    doc = annotate_text("MiniMax raised 5亿 (500 million yuan) in a Series B round.\n")
    [quantity] = only(doc).quantities
    assert (quantity.text, quantity.value, quantity.unit, quantity.currency) == (
        "5亿", 5e8, "money", "CNY")


def test_investors_in_a_led_by_phrase_are_not_the_subject() -> None:
    doc = annotate_text(
        "Moonshot AI raised $1 billion in a round led by Alibaba and HongShan.\n")
    claim = only(doc)
    assert claim.subjects == ("moonshot-ai",)
    assert claim.quantities[0].value == 1e9


def test_a_comparison_company_is_not_the_subject() -> None:
    doc = annotate_text("StepFun's valuation is now higher than MiniMax's.\n")
    assert only(doc).subjects == ("stepfun",)


def test_modality_from_cues() -> None:
    doc = annotate_text(
        "Zhipu AI will list in Hong Kong in early 2026. MiniMax could raise $500 million. "
        "DeepSeek reportedly has 100 million users. Baidu's revenue fell 5% in 2025.\n")
    found = {claim.subjects[0]: (claim.modality, claim.cue) for claim in claims_of(doc)}
    assert found["zhipu-ai"] == ("forecast", "will")
    assert found["minimax"] == ("hedged", "could")
    assert found["deepseek"] == ("hedged", "reportedly")
    assert found["baidu"] == ("fact", None)


def test_a_sentence_that_only_names_a_company_is_not_a_claim() -> None:
    doc = annotate_text("We spoke to people at Tencent and ByteDance last week.\n")
    assert claims_of(doc) == []


def test_it_and_results_lines_take_the_company_of_the_story() -> None:
    doc = annotate_text(
        "Xiaomi reported its first-quarter results on Tuesday.\n\n"
        "Revenue: RMB 111.3 billion, up 47% year on year.\n\n"
        "It expects deliveries of more than 40,000 vehicles in the next quarter.\n")
    revenue, outlook = claims_of(doc)  # "reported its results" checks nothing by itself
    assert revenue.subjects == outlook.subjects == ("xiaomi",)
    assert revenue.type == "revenue"
    assert [q.value for q in revenue.quantities] == [111.3e9, 47]
    assert outlook.modality == "forecast"
    assert outlook.quantities[0].bound == "lower"


def test_company_names_are_not_cues() -> None:
    # "Guidance Fund" is an investor's name, not guidance; "Strategy" is a company.
    doc = annotate_text("Lingxi Robotics raised 7亿元, with the Wujin Industrial Guidance Fund "
                        "following on.\n")
    claim = only(doc)
    assert claim.modality == "fact"
    assert claim.subjects == ("lingxi-robotics",)


def test_sentences_split_on_ends_but_not_on_abbreviations_or_decimals() -> None:
    text = "Nvidia Corp. earned $1.5 billion. The U.S. market grew.\n\nNew paragraph"
    spans = sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Nvidia Corp. earned $1.5 billion.", "The U.S. market grew.", "New paragraph"]
