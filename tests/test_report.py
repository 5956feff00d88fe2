"""The HTML report: escaping, nesting, links, the index, errors, atomic replacement.
What a browser does with the pages is in ``test_report_browser.py``."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline import report
from pipeline.report import Mark, article_href, marked_html, quantity_label, write_report

VOID = {"meta", "link", "br", "img", "input", "hr", "rect"}


class _Page(HTMLParser):
    """Tags, ids, links and text of a page, and whether its elements nest properly."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.balanced = True
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: set[str] = set()
        self.duplicate_ids: list[str] = []
        self.link_in_link = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "a" and "a" in self.stack:
            self.link_in_link = True
        if (anchor := dict(attrs).get("id")) is not None:
            if anchor in self.ids:
                self.duplicate_ids.append(anchor)
            self.ids.add(anchor)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Page:
    page = _Page()
    page.feed(markup)
    page.close()
    return page


def strip_tags(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", markup))


# -- marked_html: the one place that writes article text as HTML ------------------------------

marks = st.builds(
    lambda start, length, rank, tag: (start, length, rank, tag),
    st.integers(0, 60), st.integers(1, 20), st.integers(1, 3), st.sampled_from(["span", "a"]))


@given(text=st.text(alphabet=st.sampled_from(list('ab <>&"\'中文🚀\n')), max_size=60),
       raw_marks=st.lists(marks, max_size=8))
def test_marked_html_keeps_the_text_and_nests(text: str, raw_marks: list[tuple[int, int, int,
                                                                              str]]) -> None:
    spans = [Mark(start, min(start + length, len(text)), rank, tag,
                  (("class", f'x" onclick="{rank}'),))
             for start, length, rank, tag in raw_marks if start < len(text)]
    markup = marked_html(text, 0, len(text), spans)
    assert strip_tags(markup) == text
    page = parse(markup)
    assert page.balanced and not page.stack
    assert all("onclick" not in attrs for _, attrs in page.tags)
    assert "<script" not in markup


def test_crossing_marks_are_split_and_ids_stay_unique() -> None:
    text = "Alibaba Group (阿里巴巴) grew"
    outer = Mark(8, 22, 2, "span", (("class", "frag"), ("id", "f0")))
    inner = Mark(0, 13, 3, "a", (("class", "ent"), ("id", "m0"), ("href", "#e")))
    markup = marked_html(text, 0, len(text), [outer, inner])
    page = parse(markup)
    assert page.balanced
    assert [tag for tag, _ in page.tags] == ["a", "span", "a"]  # the link split at the frag
    assert markup.count('id="m0"') == 1 and markup.count('id="f0"') == 1
    assert strip_tags(markup) == text


def test_a_mark_cut_in_pieces_keeps_one_id_and_one_tooltip() -> None:
    text = "Tencent (腾讯) raised funds"
    claim = Mark(0, 12, 1, "span", (("class", "claim"), ("id", "claim-C1")))
    fragment = Mark(9, 20, 2, "span", (("class", "frag"), ("id", "f0")),
                    report.Markup('<span class="tip" id="tip-f0">téngxùn</span>'))
    markup = marked_html(text, 0, len(text), [claim, fragment])
    assert markup.count('id="f0"') == markup.count('id="tip-f0"') == 1
    assert markup.index('id="f0"') < markup.index("raised") < markup.index('id="tip-f0"')
    # A mark running past the stretch asked for (a claim over two blocks): no id after it.
    assert 'id="claim-C1"' not in marked_html(text, 5, len(text), [claim])
    assert 'id="tip-f0"' not in marked_html(text, 0, 12, [fragment])


def test_a_tooltip_closes_inside_its_element() -> None:
    text = "industry淘汰 (elimination)"
    tip = report.Markup('<span class="tip">táotài</span>')
    markup = marked_html(text, 0, len(text), [Mark(8, 10, 2, "span", (("class", "frag"),), tip)])
    assert 'industry<span class="frag">淘汰<span class="tip">táotài</span></span>' in markup


@pytest.mark.parametrize(("quantity", "label"), [
    ({"text": "US$1 billion", "value": 1_000_000_000, "unit": "money", "currency": "USD",
      "approx": True, "bound": None}, "US$1 billion = 1,000,000,000 USD (about)"),
    ({"text": "5亿", "value": 500_000_000, "unit": "money", "currency": "CNY", "approx": False,
      "bound": "lower"}, "5亿 = 500,000,000 CNY (at least)"),
    ({"text": "a quarter", "value": 0.25, "unit": "ratio", "currency": None, "approx": False,
      "bound": None}, "a quarter = 0.25 (25%)"),
    ({"text": "fivefold", "value": 5, "unit": "multiple", "currency": None, "approx": False,
      "bound": None}, "fivefold = 5×"),
    ({"text": "12.5%", "value": 12.5, "unit": "percent", "currency": None, "approx": False,
      "bound": None}, "12.5% = 12.5%"),
    ({"text": "30 million users", "value": 30_000_000, "unit": "users", "currency": None,
      "approx": False, "bound": "upper"}, "30 million users = 30,000,000 users (at most)"),
])
def test_quantity_label_shows_the_written_and_the_normalised(quantity: dict[str, object],
                                                            label: str) -> None:
    assert quantity_label(quantity) == label


def test_article_href_quotes_ids() -> None:
    assert article_href("a b#c?%") == "articles/a%20b%23c%3F%25.html"
    assert unquote(article_href("Éclair 5亿")) == "articles/Éclair 5亿.html"


# -- the report of a real output folder --------------------------------------------------------

@pytest.fixture
def out(tmp_path: Path, report_outputs: Path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(report_outputs, copy)
    return copy


def test_article_text_is_escaped_everywhere(out: Path) -> None:
    write_report(out)
    page = (out / "report" / "articles" / "hostile.html").read_text(encoding="utf-8")
    parsed = parse(page)
    assert parsed.balanced and not parsed.stack
    assert not [tag for tag, _ in parsed.tags if tag in ("script", "img", "iframe", "object")]
    assert not [attrs for _, attrs in parsed.tags if any(name.startswith("on") for name in attrs)]
    text = "".join(parsed.text)
    assert "<script>window.__bipipe_pwned = 1</script>" in text
    assert '" onmouseover="window.__bipipe_pwned = 2"' in text
    assert "default-src 'none'" in page  # and the browser may not run a script anyway


def test_article_page_marks_fragments_companies_claims_and_dropped_blocks(out: Path) -> None:
    write_report(out)
    record = json.loads((out / "hostile.json").read_text(encoding="utf-8"))
    page = (out / "report" / "articles" / "hostile.html").read_text(encoding="utf-8")
    parsed = parse(page)
    by_class = [(tag, attrs) for tag, attrs in parsed.tags]
    fragments = [attrs for tag, attrs in by_class
                 if "frag" in (attrs.get("class") or "").split() and "swatch" not in attrs["class"]]
    assert len(fragments) == len(record["fragments"]) == 4
    assert all(attrs.get("tabindex") == "0" for attrs in fragments)  # focus shows the tooltip
    assert "táotài" in page and "elimination" in page
    for entity in record["entities"]:
        assert f"entity-{entity['id']}" in parsed.ids
        assert page.count(f'href="#entity-{entity["id"]}"') >= len(entity["mentions"])
    assert "https://www.wikidata.org/wiki/Q860580" in page  # Tencent's card
    for claim in record["claims"]:
        assert f"claim-{claim['id']}" in parsed.ids and f'href="#claim-{claim["id"]}"' in page
    assert re.search(r'class="original block kind-byline dropped"', page)
    # Every in-page link has its target.
    targets = {unquote(attrs["href"][1:]) for tag, attrs in by_class
               if tag == "a" and (attrs.get("href") or "").startswith("#")}
    assert targets <= parsed.ids


def test_each_block_has_its_clean_text_beside_it(out: Path) -> None:
    record = json.loads((out / "hostile.json").read_text(encoding="utf-8"))
    view = report.article_view(record)
    beside = [strip_tags(block["clean"]) for block in view.blocks if block["clean"] is not None]
    assert "\n\n".join(beside) == record["clean_text"]
    assert [block["kind"] for block in view.blocks if block["clean"] is None] == ["byline"]
    industry = next(block for block in view.blocks if "industry淘汰" in strip_tags(block["html"]))
    assert "industry elimination" in strip_tags(industry["clean"])
    assert 'title="the author&#x27;s gloss of 淘汰"' in industry["clean"]


def test_every_page_is_well_formed_and_its_links_land(out: Path) -> None:
    site = write_report(out).folder
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 4
    for path in pages:
        parsed = parse(path.read_text(encoding="utf-8"))
        assert parsed.balanced and not parsed.stack, path.name
        assert not parsed.link_in_link and not parsed.duplicate_ids, path.name
        for tag, attrs in parsed.tags:
            href = attrs.get("href") if tag in ("a", "link") else None
            if not href or href.startswith("https://www.wikidata.org/"):
                continue
            target, _, fragment = href.partition("#")
            landing = (path.parent / unquote(target)).resolve() if target else path
            assert landing.is_file(), (path.name, href)
            if fragment:
                assert unquote(fragment) in parse(landing.read_text(encoding="utf-8")).ids


def with_odd_id(out: Path, odd: str) -> None:
    """The hostile article again, under an id with characters a link must quote."""
    record = json.loads((out / "hostile.json").read_text(encoding="utf-8"))
    record["id"] = odd
    (out / f"{odd}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize("odd", ["Éclair 5亿 #2 a%20b", "_", "_..%2F_etc"])
def test_odd_ids_get_a_page_their_link_finds(out: Path, odd: str) -> None:
    with_odd_id(out, odd)
    summary = write_report(out)
    assert summary.articles == 4 and not summary.unusable
    index = parse((out / "report" / "index.html").read_text(encoding="utf-8"))
    links = [attrs["href"] for tag, attrs in index.tags if tag == "a" and attrs.get("href")]
    pages = {unquote(link) for link in links if link.startswith("articles/")}
    assert f"articles/{odd}.html" in pages
    assert all((out / "report" / page).is_file() for page in pages)


def test_a_record_under_another_name_is_not_shown_twice(out: Path) -> None:
    shutil.copy(out / "hostile.json", out / "hostile-copy.json")
    summary = write_report(out)
    assert summary.articles == 3
    assert [item.path.name for item in summary.unusable] == ["hostile-copy.json"]
    assert "holds the article 'hostile'" in summary.unusable[0].message


def test_a_damaged_errors_file_is_listed_not_a_crash(out: Path) -> None:
    with (out / "_errors.jsonl").open("a", encoding="utf-8") as errors:
        errors.write('{"input": "x.txt", "code": "E001"\n[1, 2]\n')
    write_report(out)
    text = "".join(parse((out / "report" / "index.html").read_text(encoding="utf-8")).text)
    assert "_errors.jsonl:2" in text and "_errors.jsonl:3" in text and "E001" in text


def test_the_report_replaces_only_a_report(out: Path, tmp_path: Path, run_cli) -> None:
    mine = tmp_path / "mydocs"
    mine.mkdir()
    (mine / "thesis.txt").write_text("precious", encoding="utf-8")
    lone = tmp_path / "notes.txt"
    lone.write_text("precious", encoding="utf-8")
    for target in (mine, lone, out, out.parent, Path(".")):
        result = run_cli("report", str(out), "--out", str(target))
        assert result.code == 2 and "bipipe: error:" in result.err, target
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "precious"
    assert lone.read_text(encoding="utf-8") == "precious"
    assert len(list(out.glob("*.json"))) == 4  # three articles and _stats.json
    assert run_cli("report", str(out), "--out", str(tmp_path / "review")).code == 0
    assert run_cli("report", str(out), "--out", str(tmp_path / "review")).code == 0  # again
    assert (tmp_path / "review" / "index.html").is_file()


def test_the_report_is_readable_by_others(out: Path) -> None:
    site = write_report(out).folder
    assert site.stat().st_mode & 0o055 == 0o055 & ~report.current_umask()


def test_index_lists_articles_charts_and_errors(out: Path) -> None:
    (out / "zz-damaged.json").write_text('{"schema_version": "1.1"}', encoding="utf-8")
    summary = write_report(out)
    assert summary.articles == 3 and len(summary.unusable) == 1
    index = (out / "report" / "index.html").read_text(encoding="utf-8")
    parsed = parse(index)
    links = [attrs["href"] for tag, attrs in parsed.tags if tag == "a"]
    pages = [link for link in links if link and link.startswith("articles/")]
    assert len(pages) == 3
    assert all((out / "report" / unquote(link)).is_file() for link in pages)
    assert "Tencent" in index and "funding" in index  # the two charts
    assert len([tag for tag, attrs in parsed.tags if tag == "rect"]) >= 3
    text = "".join(parsed.text)
    assert "E001" in text and "empty.txt" in text  # the run's error
    assert "zz-damaged.json" in text and "E016" in text  # the file the report could not read
    assert "<script>window.__bipipe_pwned = 1</script>" in text  # the title, as text


def test_report_is_deterministic(out: Path, tmp_path: Path) -> None:
    write_report(out, tmp_path / "one")
    write_report(out, tmp_path / "two")
    one = sorted(path.relative_to(tmp_path / "one") for path in (tmp_path / "one").rglob("*"))
    assert one == sorted(p.relative_to(tmp_path / "two") for p in (tmp_path / "two").rglob("*"))
    for name in one:
        if (tmp_path / "one" / name).is_file():
            assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()


def test_a_failed_report_leaves_the_previous_one_whole(out: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    write_report(out)
    before = (out / "report" / "index.html").read_bytes()

    def broken(record: dict[str, object]) -> object:
        raise RuntimeError("disk full")

    monkeypatch.setattr(report, "article_view", broken)
    with pytest.raises(RuntimeError):
        write_report(out)
    assert (out / "report" / "index.html").read_bytes() == before
    assert len(list((out / "report" / "articles").glob("*.html"))) == 3
    assert [path.name for path in out.iterdir() if path.name.endswith((".tmp", ".old"))] == []


def test_what_a_killed_report_left_goes_and_a_run_minds_it(out: Path, run_cli,
                                                            report_inputs: Path) -> None:
    """A killed report leaves its half-built folder (``.report.xxxx.tmp``) in DIR: the next
    report removes it, and a ``bipipe run`` into DIR meanwhile leaves it alone."""
    stale = out / ".report.k1ll3d.tmp"
    (stale / "articles").mkdir(parents=True)
    (stale / "index.html").write_text("half", encoding="utf-8")
    assert run_cli("run", str(report_inputs), "--out", str(out)).code == 1  # empty.txt
    assert stale.is_dir()
    write_report(out)
    assert not stale.exists() and (out / "report" / "index.html").is_file()


def test_a_second_report_into_the_same_folder_is_refused(out: Path, run_cli) -> None:
    import fcntl

    with (out / ".report.lock").open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        result = run_cli("report", str(out))
    assert result.code == 2 and "another bipipe report" in result.err


def test_a_new_report_drops_pages_of_articles_gone(out: Path) -> None:
    write_report(out)
    (out / "hostile.json").unlink()
    write_report(out)
    assert not (out / "report" / "articles" / "hostile.html").exists()


def test_a_long_report_says_how_far_it_has_got(out: Path) -> None:
    log = io.StringIO()
    write_report(out, log=log, every=0.0)
    assert log.getvalue().splitlines() == [f"bipipe: report: {n} articles" for n in (1, 2, 3)]


def test_cli_report(out: Path, run_cli, tmp_path: Path) -> None:
    result = run_cli("report", str(out))
    assert result.code == 0 and "report of 3 articles" in result.err
    assert (out / "report" / "index.html").is_file()
    result = run_cli("report", str(out), "--out", str(tmp_path / "elsewhere"))
    assert result.code == 0 and (tmp_path / "elsewhere" / "index.html").is_file()
    (out / "zz-damaged.json").write_text("not json", encoding="utf-8")
    result = run_cli("report", str(out))
    assert result.code == 1 and "zz-damaged.json" in result.err
    result = run_cli("report", str(tmp_path / "missing"))
    assert result.code == 2 and "no such folder" in result.err


def test_an_interrupted_report_leaves_the_last_one(out: Path, run_cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert run_cli("report", str(out)).code == 0
    before = (out / "report" / "index.html").read_bytes()

    def interrupted(record: dict[str, object]) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "article_view", interrupted)
    result = run_cli("report", str(out))
    assert result.code == 130 and "interrupted" in result.err
    assert (out / "report" / "index.html").read_bytes() == before


def test_text_outside_every_block_is_shown_trimmed() -> None:
    text = "# \n\nTitle of the piece\n\n  ##  \n\nA paragraph."
    blocks = [{"start": 4, "end": 22}, {"start": 32, "end": len(text)}]
    gaps = report._uncovered(text, blocks)
    assert [text[start:end] for start, end in gaps] == ["#", "##"]


def test_a_clean_text_that_does_not_split_by_block_is_shown_whole(out: Path) -> None:
    record = json.loads((out / "hostile.json").read_text(encoding="utf-8"))
    record["clean_text"] = record["clean_text"].replace(" said ", " said\n\n", 1)
    view = report.article_view(record)
    assert all(block["clean"] is None for block in view.blocks)
    assert strip_tags(view.clean) == record["clean_text"]
