"""Property tests: every span is exact and the clean map is a monotone copy map."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.clean import to_text_offset
from pipeline.core import annotate
from pipeline.detect import detect_fragments
from pipeline.document import Span
from pipeline.errors import Errors
from pipeline.evaluate import derivable
from pipeline.ingest import Article, Failure, ingest_bytes
from pipeline.settings import DEFAULT_SETTINGS
from pipeline.write import offset_problem, to_record

ALPHABET = list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789") + list(
    "淘汰追捧回归阶跃星辰護國神山万亿彻底智谱") + ["𠮷", "𠀀", "𪚥"] + list(
    "がんばろうカタナ") + list('()（）"“”.,\n')

# Whole pieces as well as characters: the shapes the rules key on (markers, pairs, Q/A).
PIECES = ["the (", "Shares of (", "StepFun (", ")", "）", "（", "\n\n", "Q", "A", "相关问答",
          "文章摘要", "你可能也喜欢", "・", "、", "5亿", " (500 million)", "01", "By Jane Doe",
          "The pace of industry", " was faster.", "\"", "「", "」",
          # Companies and claims: names, pairs, amounts, cues.
          "Zhipu AI", "智谱", "MiniMax", " raised ", "$300 million", " revenue ", "50亿元",
          "It ", " will ", "Qingyun Capital", " (青云资本)", " (HKEX)", "Gate", "led by ",
          "more than 10 million users", "Revenue: ", "RMB 2.958 billion", "6912.HK"]
texts = st.one_of(
    st.text(alphabet=ALPHABET, min_size=0, max_size=120),
    st.lists(st.sampled_from(PIECES + ALPHABET), max_size=40).map("".join),
)


def assert_exact(text: str, span: Span | None) -> None:
    if span is not None:
        assert text[span.start:span.end] == span.text
        assert 0 <= span.start <= span.end <= len(text)


@settings(max_examples=150, deadline=None)
@given(texts)
def test_detected_spans_are_exact(text: str) -> None:
    fragments, foreign = detect_fragments(text)
    for fragment in fragments:
        assert text[fragment.start:fragment.end] == fragment.text
        assert fragment.text
        assert_exact(text, fragment.inline_gloss)
        assert_exact(text, fragment.paired_with)
    for run in foreign:
        assert text[run.start:run.end] == run.text
        assert_exact(text, run.inline_gloss)
    spans = sorted([(f.start, f.end) for f in fragments] + [(r.start, r.end) for r in foreign])
    for before, after in itertools.pairwise(spans):
        assert before[1] <= after[0]


@settings(max_examples=150, deadline=None)
@given(texts)
def test_annotate_offsets_and_clean_map(text: str) -> None:
    (item,) = ingest_bytes(text.encode("utf-8"), doc_id="p", fmt="txt", path=None,
                           settings=DEFAULT_SETTINGS)
    if isinstance(item, Failure):
        assert item.error.code is Errors.E001
        assert not text.strip()
        return
    assert isinstance(item, Article)
    doc = annotate(item)
    src, clean = doc.text, doc.clean_text
    for block in doc.blocks:
        assert 0 <= block.start <= block.end <= len(src)
    for fragment in doc.fragments:
        assert src[fragment.start:fragment.end] == fragment.text
        assert_exact(src, fragment.inline_gloss)
        assert_exact(src, fragment.paired_with)
        for token in fragment.tokens:
            assert src[token.start:token.end] == token.text
    for run in doc.foreign:
        assert src[run.start:run.end] == run.text
    previous_clean_end = previous_text_end = 0
    for c, t, n in doc.clean_map:
        assert n > 0
        assert clean[c:c + n] == src[t:t + n]
        assert c >= previous_clean_end
        assert t >= previous_text_end
        previous_clean_end, previous_text_end = c + n, t + n
    offsets = [to_text_offset(doc.clean_map, i) for i in range(len(clean))]
    assert offsets == sorted(offsets)
    ids = {entity.id for entity in doc.entities}
    for entity in [*doc.entities, *doc.boilerplate_entities]:
        for mention in entity.mentions:
            assert src[mention.start:mention.end] == mention.text
            assert (mention.clean_start is None) == (mention.clean_end is None)
            if mention.clean_start is not None:
                assert 0 <= mention.clean_start < mention.clean_end <= len(clean)
    for claim in doc.claims:
        assert src[claim.start:claim.end] == claim.text
        assert set(claim.subjects) <= ids
        for quantity in claim.quantities:
            assert src[quantity.start:quantity.end] == quantity.text
            assert claim.start <= quantity.start < quantity.end <= claim.end
            assert derivable(src, quantity)
    assert offset_problem(to_record(doc)) is None
