"""Stage 4a: jieba tokens, pinyin, script forms and CC-CEDICT senses of fragments."""

from __future__ import annotations

import itertools

import jieba
import pytest

from pipeline.detect import detect_fragments
from pipeline.document import Fragment
from pipeline.gloss import gloss_fragment


def glossed(text: str, which: str) -> Fragment:
    fragments, _ = detect_fragments(text)
    fragment = next(f for f in fragments if f.text == which)
    return gloss_fragment(fragment)


@pytest.mark.parametrize("name", ["阶跃星辰", "月之暗面", "智谱"])
def test_user_dictionary_names_stay_whole(name: str) -> None:
    fragment = glossed(f"the startup {name} said", name)
    assert [token.text for token in fragment.tokens] == [name]


def test_tokens_cover_fragment_with_absolute_offsets() -> None:
    text = "Analysts said 人工智能行业的淘汰速度 was fast."
    fragment = glossed(text, "人工智能行业的淘汰速度")
    assert len(fragment.tokens) > 1
    assert fragment.tokens[0].start == fragment.start
    assert fragment.tokens[-1].end == fragment.end
    for before, after in itertools.pairwise(fragment.tokens):
        assert before.end == after.start
    for token in fragment.tokens:
        assert text[token.start:token.end] == token.text
    assert "".join(t.text for t in fragment.tokens) == fragment.text


def test_pinyin() -> None:
    assert glossed("industry淘汰 was", "淘汰").pinyin == "táotài"


def test_scripts() -> None:
    traditional = glossed("TSMC, the 護國神山, said", "護國神山")
    assert traditional.script == "traditional"
    assert traditional.simplified == "护国神山"
    assert traditional.traditional == "護國神山"
    assert glossed("industry淘汰 was", "淘汰").script == "both"
    simplified = glossed("a 彻底 change", "彻底")
    assert simplified.script == "simplified"
    assert simplified.traditional == "徹底"


def test_senses() -> None:
    fragment = glossed("industry淘汰 was", "淘汰")
    assert fragment.senses
    assert "to eliminate" in fragment.senses


def test_dictionary_gloss_even_with_inline_gloss() -> None:
    fragment = glossed("industry淘汰 (elimination) was", "淘汰")
    assert fragment.inline_gloss is not None
    assert fragment.dictionary_gloss
    assert fragment.gloss == "elimination" and fragment.gloss_source == "inline"


def test_chengyu_glosses_as_one_unit() -> None:
    fragment = glossed("a period of 野蛮生长 followed", "野蛮生长")
    assert fragment.dictionary_gloss
    # One unit: not the per-character glosses of 野蛮 "barbarous" + 生长 "grow" joined.
    assert "barbar" not in fragment.dictionary_gloss.lower()


def test_global_jieba_untouched() -> None:
    glossed("the startup 阶跃星辰 said", "阶跃星辰")
    assert jieba.dt.initialized is False


def test_script_uses_taiwan_standard_and_traditional_only_characters() -> None:
    from pipeline.gloss import script_forms

    assert script_forms("吃利差")[0] == "both"  # 吃 is standard in both scripts
    script, simplified, traditional = script_forms("根留台灣")
    assert (script, simplified, traditional) == ("traditional", "根留台湾", "根留台灣")
    assert script_forms("周边")[0] == "simplified"
