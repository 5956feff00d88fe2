"""Stage 1: decoding, newline normalisation, ids, jsonl and HTML input."""

from __future__ import annotations

import codecs
import json
import random

import pytest

from pipeline.errors import Errors, InputError
from pipeline.ingest import Article, Failure, decode, ingest_bytes, safe_id
from pipeline.settings import DEFAULT_SETTINGS

SIMPLIFIED = (
    "钱包初创公司吉祥科技完成5亿元B轮融资，由国资背景基金领投。公司计划申请香港稳定币牌照，"
    "并表示行业淘汰的速度超出了所有人的预期。The company said it would apply for a licence "
    "in Hong Kong before the end of the year. 监管机构表示将审慎推进。"
)
TRADITIONAL = (
    "台積電被稱為台灣的護國神山，是全球最大的晶圓代工廠。半導體產業是台灣經濟的重要支柱，"
    "政府持續投資相關研發。TSMC is often called the sacred mountain that protects the nation. "
    "分析師認為，台積電在先進製程上的領先地位短期內難以撼動，護國神山的地位穩固。"
)


@pytest.mark.parametrize(
    ("text", "data"),
    [
        ("Plain English text, with a 中文 fragment.",
         "Plain English text, with a 中文 fragment.".encode()),
        ("Plain text 淘汰.", codecs.BOM_UTF8 + "Plain text 淘汰.".encode()),
        ("UTF-16 text 淘汰 with a BOM.", "UTF-16 text 淘汰 with a BOM.".encode("utf-16")),
        ("UTF-16-LE text with no byte order mark at all.",
         "UTF-16-LE text with no byte order mark at all.".encode("utf-16-le")),
        (SIMPLIFIED, SIMPLIFIED.encode("gb18030")),
        (TRADITIONAL, TRADITIONAL.encode("big5")),
    ],
    ids=["utf8", "utf8-bom", "utf16-bom", "utf16le-nobom", "gb18030", "big5"],
)
def test_decode_round_trips(text: str, data: bytes) -> None:
    decoded, _codec = decode(data)
    assert decoded == text


def test_decode_reports_utf8_sig_for_bom() -> None:
    assert decode(codecs.BOM_UTF8 + b"hello world")[1] == "utf-8-sig"


def test_gb18030_input_is_not_valid_utf8() -> None:
    # Guards the GB18030 case above: it must exercise detection, not the UTF-8 path.
    with pytest.raises(UnicodeDecodeError):
        SIMPLIFIED.encode("gb18030").decode("utf-8")


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  ", "\u3000\n".encode()])
def test_empty_input_is_e001(data: bytes) -> None:
    with pytest.raises(InputError) as caught:
        decode(data)
    assert caught.value.code is Errors.E001


def test_binary_input_is_e002() -> None:
    rng = random.Random(1234)
    data = bytes(rng.randrange(256) for _ in range(3000)) + b"\x00" * 50
    data = b"\x00\x01\xfe" + data
    with pytest.raises(InputError) as caught:
        decode(data)
    assert caught.value.code is Errors.E002
    assert "[E002]" in caught.value.message


def test_only_newlines_are_normalised() -> None:
    raw = "line one\r\nline two\rline three \t\n\u3000indented\ttab  "
    (item,) = ingest_bytes(raw.encode(), doc_id="x", fmt="txt", path=None,
                           settings=DEFAULT_SETTINGS)
    assert isinstance(item, Article)
    assert item.text == "line one\nline two\nline three \t\n\u3000indented\ttab  "
    assert "\r" not in item.text


@pytest.mark.parametrize("raw", ["../../etc/passwd", "..", ".", "/abs/path", "a/b\\c", ""])
def test_safe_id_has_no_path_parts(raw: str) -> None:
    cleaned = safe_id(raw)
    assert cleaned
    assert "/" not in cleaned and "\\" not in cleaned
    assert not cleaned.startswith(".")
    assert cleaned not in (".", "..")


def test_jsonl_malformed_line_fails_alone() -> None:
    lines = [
        json.dumps({"id": "one", "text": "First article body.", "publisher": "36Kr",
                    "published": "2026-03-18T09:00:00+08:00", "tags": ["ai"]}),
        "{not json",
        json.dumps({"text": "Second article, no id.", "author": "Deng Yongyi"}),
    ]
    items = list(ingest_bytes("\n".join(lines).encode(), doc_id="feed", fmt="jsonl",
                              path="feed.jsonl", settings=DEFAULT_SETTINGS))
    assert len(items) == 3
    first, bad, second = items
    assert isinstance(bad, Failure) and bad.error.code is Errors.E005
    assert bad.input == "feed.jsonl:2"
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.id == "one" and first.text == "First article body."
    assert first.meta["publisher"] == "36Kr" and first.meta["tags"] == ["ai"]
    assert first.meta["published"] == "2026-03-18"
    assert first.source.line == 1
    assert second.id == "feed-3" and second.meta["author"] == "Deng Yongyi"
    assert "text" not in first.meta and "id" not in first.meta


def test_jsonl_record_without_text_is_e006() -> None:
    data = json.dumps({"id": "x", "body": "no text key"}).encode()
    (item,) = ingest_bytes(data, doc_id="feed", fmt="jsonl", path=None,
                           settings=DEFAULT_SETTINGS)
    assert isinstance(item, Failure) and item.error.code is Errors.E006


def test_html_goes_through_trafilatura_with_title_first() -> None:
    body = " ".join(["The exchange reported record volumes this quarter as traders returned."] * 4)
    html = (
        "<!doctype html><html><head><title>Exchange volumes hit a record</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/m'>Markets</a></nav>"
        "<article><h1>Exchange volumes hit a record</h1>"
        f"<p>{body}</p><p>Analysts expect the trend to continue into next year, they said.</p>"
        "</article><footer>Copyright 2026</footer></body></html>"
    )
    (item,) = ingest_bytes(html.encode(), doc_id="h", fmt="html", path=None,
                           settings=DEFAULT_SETTINGS)
    assert isinstance(item, Article)
    assert item.text.split("\n\n")[0] == "Exchange volumes hit a record"
    assert "record volumes this quarter" in item.text
    assert "<p>" not in item.text and "<html" not in item.text
    assert item.meta["title"] == "Exchange volumes hit a record"


def test_html_modified_time_becomes_updated() -> None:
    html = (
        "<html><head><title>Gate launches boosted savings</title>"
        '<meta property="article:published_time" content="2026-06-18T10:00:00+08:00">'
        '<meta content="2026-06-19T09:00:00+08:00" property="article:modified_time">'
        "</head><body><article><h1>Gate launches boosted savings</h1>"
        "<p>New users who subscribe to 活期理财（flexible savings） products get a boosted rate "
        "for seven days, the exchange said in an announcement on Thursday.</p>"
        "</article></body></html>"
    )
    (article,) = ingest_bytes(html.encode(), doc_id="h", fmt="html", path=None,
                              settings=DEFAULT_SETTINGS)
    assert isinstance(article, Article)
    assert article.meta["published"] == "2026-06-18"
    assert article.meta["updated"] == "2026-06-19"
    assert article.text.startswith("Gate launches boosted savings\n\n")
