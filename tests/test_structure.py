"""Stage 2: blocks, kinds, roles, metadata and language on small hand-made texts."""

from __future__ import annotations

from pipeline.byline import parse_byline
from pipeline.document import Block
from pipeline.structure import structure


def kinds(text: str) -> list[tuple[str, str]]:
    blocks, _ = structure(text)
    return [(b.kind, text[b.start:b.end]) for b in blocks]


def block_of(text: str, needle: str) -> Block:
    blocks, _ = structure(text)
    return next(b for b in blocks if needle in text[b.start:b.end])


def test_keyword_byline() -> None:
    text = "Six dragons of AI\n\nmarsbit发布于2026-04-03更新于2026-04-03\n\nThe body text."
    blocks, found = structure(text)
    assert block_of(text, "marsbit").kind == "byline"
    assert found["publisher"] == "marsbit"
    assert found["published"] == "2026-04-03"
    assert found["updated"] == "2026-04-03"
    assert len(blocks) == 3


def test_separated_byline() -> None:
    parsed = parse_byline("36Kr · 2026-03-18 · Author: Deng Yongyi")
    assert parsed is not None
    assert parsed["publisher"] == "36Kr"
    assert parsed["author"] == "Deng Yongyi"
    assert parsed["published"] == "2026-03-18"
    text = "A title for it\n\n36Kr · 2026-03-18 · Author: Deng Yongyi\n\nBody text here."
    _, found = structure(text)
    assert block_of(text, "36Kr").kind == "byline"
    assert found["author"] == "Deng Yongyi" and found["publisher"] == "36Kr"


def test_summary_marker() -> None:
    text = "Title\n\n文章摘要\n\nThis is what the article says in short.\n\nBody paragraph."
    assert block_of(text, "文章摘要").kind == "heading"
    assert block_of(text, "in short").kind == "summary"
    assert block_of(text, "Body paragraph").kind == "paragraph"


def test_section_number_makes_three_headings() -> None:
    text = ("Title\n\nAn opening paragraph of the article.\n\n01\nThe first law\nSpeed wins\n\n"
            "A body paragraph follows the heading.")
    found = kinds(text)
    assert ("heading", "01") in found
    assert ("heading", "The first law") in found
    assert ("heading", "Speed wins") in found
    assert ("paragraph", "A body paragraph follows the heading.") in found


def test_qa_roles_skip_glued_marker() -> None:
    text = "Title\n\nIntro paragraph.\n\n相关问答\n\nQWhat is X?\n\nAZhipu AI did."
    blocks, _ = structure(text)
    qa = [b for b in blocks if b.kind == "qa"]
    assert [b.role for b in qa] == ["question", "answer"]
    assert text[qa[0].start:qa[0].end] == "What is X?"
    assert text[qa[1].start:qa[1].end] == "Zhipu AI did."
    assert text[qa[0].start - 1] == "Q" and text[qa[1].start - 1] == "A"


def test_numbered_answer_keeps_its_number() -> None:
    text = "Title\n\nIntro.\n\n相关问答\n\nQWhat are the laws?\n\nA1. General models consolidate."
    blocks, _ = structure(text)
    answer = next(b for b in blocks if b.role == "answer")
    assert text[answer.start:answer.end].startswith("1. General")


def test_recommendation_marker_makes_rest_boilerplate() -> None:
    text = ("Title\n\nA real paragraph.\n\n你可能也喜欢\n\nAnother story headline\n\n"
            "A full sentence that looks like body text.")
    blocks, _ = structure(text)
    marker = next(i for i, b in enumerate(blocks) if text[b.start:b.end] == "你可能也喜欢")
    assert all(b.kind == "boilerplate" for b in blocks[marker:])
    assert blocks[1].kind == "paragraph"


def test_furniture_lines_are_boilerplate_anywhere() -> None:
    lines = ["TheNewsCrypto25分钟前", "3 hours ago", "交易", "Share this post"]
    text = "Title\n\nBody one.\n\n" + "\n\nMore body.\n\n".join(lines) + "\n\nEnd of body."
    for line in lines:
        assert block_of(text, line).kind == "boilerplate", line
    assert block_of(text, "End of body").kind == "paragraph"


def test_attribution() -> None:
    text = ("Title\n\nBody.\n\nThis article is from the WeChat public account \"36Kr\", "
            "author: Qiu Xiaofen.")
    block = block_of(text, "This article is from")
    assert block.kind == "attribution"
    _, found = structure(text)
    assert found["author"] == "Qiu Xiaofen"


def test_block_languages() -> None:
    text = (
        "Title of the article\n\n"
        "The market was calm and the traders were waiting for the data.\n\n"
        "中文段落的内容在这里，讨论人工智能行业。\n\n"
        "The pace of industry淘汰 (elimination) was faster than anyone anticipated.\n\n"
        "01\n\n"
        "がんばってください、よろしくおねがいします\n\n"
        "Die Bundesregierung hat heute neue Maßnahmen zur Förderung der Wirtschaft beschlossen."
    )
    assert block_of(text, "The market was calm").lang == "en"
    assert block_of(text, "中文段落").lang == "zh"
    assert block_of(text, "industry淘汰").lang == "mixed"
    assert block_of(text, "01").lang == "und"
    assert block_of(text, "がんばって").lang == "ja"
    assert block_of(text, "Bundesregierung").lang == "de"


def test_structure_is_deterministic() -> None:
    text = ("Title\n\nmarsbit发布于2026-04-03\n\nDie Bundesregierung hat heute neue Maßnahmen "
            "beschlossen und angekündigt.\n\nBody淘汰 (x).\n\n相关问答\n\nQWhy?\n\nABecause.")
    assert structure(text) == structure(text)


def test_blocks_are_exact_and_ordered() -> None:
    text = "  Title  \n\nLine one\nLine two\n\n  indented paragraph.  "
    blocks, _ = structure(text)
    assert [b.start for b in blocks] == sorted(b.start for b in blocks)
    for b in blocks:
        piece = text[b.start:b.end]
        assert piece == piece.strip() and piece


def test_markdown_front_matter_is_meta_and_boilerplate() -> None:
    from pipeline.core import annotate
    from pipeline.ingest import ingest_bytes
    from pipeline.settings import DEFAULT_SETTINGS

    source = (
        "---\ntitle: \"Moonshot raises money\"\ndate: 2026-03-01\nauthor: Jane Roe\n---\n\n"
        "# Moonshot raises money\n\nThe company 月之暗面 (Moonshot AI) raised money today.\n"
    )
    (article,) = ingest_bytes(source.encode(), doc_id="fm", fmt="md", path=None,
                              settings=DEFAULT_SETTINGS)
    doc = annotate(article)  # type: ignore[arg-type]
    assert doc.meta["title"] == "Moonshot raises money"
    assert doc.meta["published"] == "2026-03-01"
    assert doc.meta["author"] == "Jane Roe"
    first = doc.blocks[0]
    assert first.kind == "boilerplate" and doc.text[first.start:first.end].startswith("---\n")
    assert "title:" not in doc.clean_text
    assert doc.clean_text.startswith("Moonshot raises money\n\nThe company Moonshot AI raised")


def test_credits_before_title_numbered_headings_sign_off_and_late_date() -> None:
    text = (
        "Source: WeChat public account Xinzhiyuan\n\nEditor: Li Wei\n\n"
        "Tokens cheaper than cabbage: inside the price war\n\n"
        "Introduction\n\nByteDance cut prices again, and rivals followed within days.\n\n"
        "IV. Where is the floor?\n\n"
        "Prices cannot fall forever, and several labs are already losing money on each call.\n\n"
        "Dear Gate users,\n\n- Eligible assets: USDT and USDC\n\n"
        "Gate Team\n\nJune 18, 2026\n\nEND\n"
    )
    blocks, found = structure(text)
    kinds = {text[b.start:b.end]: b.kind for b in blocks}
    assert kinds["Source: WeChat public account Xinzhiyuan"] == "attribution"
    assert kinds["Tokens cheaper than cabbage: inside the price war"] == "title"
    assert kinds["ByteDance cut prices again, and rivals followed within days."] == "summary"
    assert kinds["IV. Where is the floor?"] == "heading"
    assert kinds["Dear Gate users,"] == "paragraph"
    assert kinds["- Eligible assets: USDT and USDC"] == "paragraph"
    assert kinds["Gate Team"] == "attribution"
    assert kinds["June 18, 2026"] == "byline"
    assert kinds["END"] == "boilerplate"
    assert found["published"] == "2026-06-18"


def test_byline_labels_and_handles_are_not_names() -> None:
    byline = parse_byline("Original | Odaily Planet Daily (@OdailyChina)")
    assert byline is not None
    assert byline["publisher"] == "Odaily Planet Daily"
    assert byline["author"] is None


def test_english_headlines_without_function_words_are_english() -> None:
    from pipeline.lang import block_lang

    assert block_lang("Ethereum developers target September for first Glamsterdam testnet",
                      min_letters=40) == "en"
    assert block_lang("Original link: https://www.theblockbeats.info/news/12345") == "en"
    assert block_lang("Nhà đầu tư tiền điện tử đang chờ đợi quyết định lãi suất của Fed tuần này",
                      min_letters=40) == "vi"


def test_feed_times_vote_counts_footer_links_and_contributor_labels() -> None:
    text = (
        "7×24h Flash News | Jinse Finance (金色财经)\n\n15:06\n\n"
        "Whale address dormant for 8 years moves 2,000 BTC\n\n"
        "An address that had been dormant for eight years moved 2,000 BTC on Saturday.\n\n"
        "利好 126 · 利空 31\n\nAbout Us\n\nPrivacy Policy\n"
    )
    blocks, _ = structure(text)
    kinds = {text[b.start:b.end]: b.kind for b in blocks}
    assert kinds["15:06"] == "byline"
    assert kinds["利好 126 · 利空 31"] == "boilerplate"
    assert kinds["About Us"] == kinds["Privacy Policy"] == "boilerplate"
    byline = parse_byline("Interview: Zhao Xin | Compiled by: Lin Qiao")
    assert byline is not None and byline["author"] == "Zhao Xin"
    assert byline["publisher"] is None


def test_publisher_from_the_site_name_in_a_page_title() -> None:
    from pipeline.core import site_in_title

    assert site_in_title("7×24h Flash News | Jinse Finance (金色财经)") == "Jinse Finance"
    assert site_in_title("Bitcoin rallies as ETF inflows return") is None


def test_byline_labels_standing_before_names_and_outlets_after_commas() -> None:
    byline = parse_byline("Text | Wang Fangyu (王方玉) · Editor | Su Jianxun")
    assert byline is not None and byline["author"] == "Wang Fangyu"
    byline = parse_byline("Written by Frank, Foresight News | Edited by Lisa")
    assert byline is not None
    assert (byline["author"], byline["publisher"]) == ("Frank", "Foresight News")


def test_numbered_section_titles_are_headings_but_bullets_are_not() -> None:
    text = (
        "Weekly roundup: what moved crypto this week\n\n"
        "1. Binance lists a Chinese-named meme coin\n\n"
        "The exchange added the token on Tuesday after a week of heavy trading on-chain.\n\n"
        "- Revenue rose 20% on the year\n"
    )
    blocks, _ = structure(text)
    kinds = {text[b.start:b.end]: b.kind for b in blocks}
    assert kinds["1. Binance lists a Chinese-named meme coin"] == "heading"
    assert kinds["- Revenue rose 20% on the year"] == "paragraph"
