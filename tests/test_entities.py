"""Companies: gazetteer names in English and Chinese, names the text itself introduces, the
model's organisations with a company cue, and everything that is not a business left out."""

from __future__ import annotations

import json

import pytest
from conftest import annotate_text

from pipeline.document import Document
from pipeline.entities import Entity, clean_span, slug
from pipeline.resources import gazetteer, not_companies, resources_dir


def companies(doc: Document) -> dict[str, Entity]:
    return {entity.name: entity for entity in doc.entities}


def forms(entity: Entity) -> set[str]:
    return {mention.text for mention in entity.mentions}


def test_gazetteer_names_in_english_chinese_and_machine_translation() -> None:
    doc = annotate_text(
        "Zhipu AI listed in Hong Kong.\n\n"
        "智谱 (Zhipu) and 月之暗面 (Dark Side of the Moon) compete, and Zhipu AI's rival "
        "MiniMax (稀宇科技) followed.\n")
    found = companies(doc)
    assert {"Zhipu AI", "Moonshot AI", "MiniMax"} <= set(found)
    assert {"Zhipu AI", "智谱", "Zhipu"} <= forms(found["Zhipu AI"])
    assert {"月之暗面", "Dark Side of the Moon"} <= forms(found["Moonshot AI"])
    assert {"MiniMax", "稀宇科技"} <= forms(found["MiniMax"])
    assert found["Zhipu AI"].source == "gazetteer"
    for entity in doc.entities:
        for mention in entity.mentions:
            assert doc.text[mention.start:mention.end] == mention.text


def test_a_name_and_its_acronym_in_the_text_are_one_company() -> None:
    doc = annotate_text(
        "The Hong Kong Stock Exchange (HKEX) changed its rules. HKEX said more would list.\n")
    exchange = companies(doc)["Hong Kong Stock Exchange"]
    assert exchange.type == "exchange"
    assert [m.text for m in exchange.mentions].count("HKEX") == 2


def test_a_pair_in_the_text_makes_a_new_company_with_both_names() -> None:
    doc = annotate_text(
        "Shenzhen startup Lingque Robotics (灵雀机器人) raised money. Lingque said it would "
        "hire.\n")
    entity = companies(doc)["Lingque Robotics"]
    assert entity.source == "text"
    assert {"Lingque Robotics", "灵雀机器人", "Lingque"} <= forms(entity)
    assert entity.id == "lingque-robotics"


def test_weak_aliases_need_the_text_to_say_they_are_the_company() -> None:
    plain = annotate_text("Keep the gate closed. Circle the date.\n")
    assert not plain.entities
    named = annotate_text("Users of the exchange can now trade on Gate. Tether's reserves "
                          "grew.\n")
    assert {"Gate", "Tether"} <= set(companies(named))


def test_products_regulators_universities_and_people_are_not_companies() -> None:
    doc = annotate_text(
        "The CSRC approved the filing. Tsinghua University researchers tested Doubao and "
        "ChatGPT. Founder Zhao Qiming said Qiming Venture Partners invested.\n")
    names = set(companies(doc))
    assert "Qiming Venture Partners" in names
    assert not names & {"CSRC", "China Securities Regulatory Commission", "Tsinghua University",
                        "Doubao", "ChatGPT"}
    qiming = companies(doc)["Qiming Venture Partners"]
    assert "Qiming" not in forms(qiming)  # "Zhao Qiming" is a person


def test_generic_phrases_ending_in_a_company_word_are_not_names() -> None:
    doc = annotate_text("Chinese AI is growing. Vertical AI and Embodied AI are hot, said "
                        "the Beijing-based Hangzhou AI crowd.\n")
    assert not doc.entities


def test_a_listed_company_with_its_stock_code() -> None:
    doc = annotate_text("Hanwei Zhixin (瀚微智芯; stock code 6912.HK) listed on Tuesday.\n")
    entity = companies(doc)["Hanwei Zhixin"]
    assert forms(entity) == {"Hanwei Zhixin", "瀚微智芯"}


def test_a_company_named_only_in_boilerplate_is_not_the_articles() -> None:
    doc = annotate_text(
        "Zhipu AI raised money.\n\n你可能也喜欢\n\nBinance lists a new token\n")
    assert "Zhipu AI" in companies(doc)
    assert "Binance" not in companies(doc)
    assert [e.name for e in doc.boilerplate_entities] == ["Binance"]
    assert all(m.block == "boilerplate" and m.clean_start is None
               for m in doc.boilerplate_entities[0].mentions)


def test_clean_offsets_point_at_the_same_words_or_the_gloss_that_replaced_them() -> None:
    doc = annotate_text("Analysts say 字节跳动 leads, while StepFun (阶跃星辰) trails.\n")
    for entity in doc.entities:
        for mention in entity.mentions:
            if mention.clean_start is None:
                continue
            shown = doc.clean_text[mention.clean_start:mention.clean_end]
            if mention.text.isascii():
                assert shown == mention.text
            else:
                assert shown and not any("\u4e00" <= ch <= "\u9fff" for ch in shown)
    bytedance = companies(doc)["ByteDance"]
    (mention,) = bytedance.mentions
    assert doc.clean_text[mention.clean_start:mention.clean_end] == "ByteDance"
    assert clean_span(0, 0, [], []) is None


def test_the_gazetteer_is_well_formed_and_large() -> None:
    entries = gazetteer()
    assert len(entries) >= 500
    names = [entry.name for entry in entries]
    assert len(names) == len(set(names))
    for entry in entries:
        assert entry.type in ("company", "exchange", "investor", "media")
        assert entry.source
        assert entry.weak <= set(entry.aliases)
        assert entry.wikidata is None or entry.wikidata.startswith("Q")
    assert len(not_companies()) > 100
    # Every shipped file parses line by line.
    for path in (resources_dir() / "gazetteer").glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            assert isinstance(json.loads(line), dict)


@pytest.mark.parametrize(("name", "expected"), [
    ("Zhipu AI", "zhipu-ai"), ("01.AI", "01-ai"), ("稀宇科技", "稀宇科技"), ("", "entity")])
def test_ids_are_stable_slugs(name: str, expected: str) -> None:
    assert slug(name) == expected


def test_the_issues_examples_link_into_one_company() -> None:
    doc = annotate_text(
        "Kimi (基米) led the chatbot race. Moonshot AI's revenue grew, and Zhipu AI's rival "
        "StepFun (阶跃星辰) listed.\n")
    found = companies(doc)
    assert {"Kimi", "基米", "Moonshot AI"} <= forms(found["Moonshot AI"])
    assert {"StepFun", "阶跃星辰"} <= forms(found["StepFun"])
    assert "Zhipu AI" in forms(found["Zhipu AI"])  # the possessive is not part of the name


def test_a_literal_translation_of_a_chinese_name_in_the_article_joins_it() -> None:
    doc = annotate_text(
        "Feiyu Mobility (飞鱼出行) cut fares. Drivers say Flying Fish Travel pays late.\n")
    assert {"飞鱼出行", "Flying Fish Travel"} <= forms(companies(doc)["Feiyu Mobility"])


def test_the_and_one_sense_word_is_not_a_literal_translation() -> None:
    # Some sense of a character of 阶跃星辰 has "the", another "Chinese": the opening of
    # "The Chinese AI large model startup landscape" is still not StepFun.
    doc = annotate_text("StepFun (阶跃星辰) listed.\n\nThe Chinese AI large model startup "
                        "landscape has changed.\n")
    assert "The Chinese" not in forms(companies(doc)["StepFun"])


def test_a_handle_written_with_other_spacing_than_the_gazetteer_does_not_crash() -> None:
    # The gazetteer writes 深潮TechFlow; a byline writes "深潮 TechFlow".
    doc = annotate_text("深潮 TechFlow发布于2026-08-01\n\nTechFlow reported that Zhipu AI grew.\n")
    assert "TechFlow" in companies(doc)


def test_a_hyphenated_modifier_does_not_hide_a_name() -> None:
    doc = annotate_text("Its STAR Market-listed shares rose, and Alibaba-backed Moonshot AI "
                        "grew.\n")
    assert {"STAR Market", "Alibaba Group", "Moonshot AI"} <= set(companies(doc))
