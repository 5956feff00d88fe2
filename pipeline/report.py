"""``bipipe report DIR``: static HTML pages for a finished output folder, to check the
pipeline by looking. ``DIR/report/index.html`` shows the corpus at a glance; one page per
article shows the original text with its fragments, companies and claims marked, the clean
text beside it, and the dropped blocks greyed out.

The pages are plain files: no server, no CDN, no script at all. Every page carries a
Content-Security-Policy that forbids scripts, so article text is harmless twice over: it is
escaped (Jinja's autoescape, and :func:`marked_html` escapes every piece it writes), and a
browser would refuse to run a script even if some escaping were ever missed. Tooltips and
link highlights are CSS (``:hover``, ``:focus``, ``:target``).

The report is written into a temporary folder beside ``DIR/report`` and swapped in when it
is complete, so a killed run leaves the previous report whole.
"""

from __future__ import annotations

import bisect
import contextlib
import html
import itertools
import os
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from markupsafe import Markup

from . import __version__
from .clean import is_kept
from .document import Block
from .entities import clean_span
from .outputs import Unusable, iter_records, run_errors
from .resources import resource_path, schema
from .write import LockHeld, current_umask, held_lock

REPORT_DIR = "report"
ARTICLES_DIR = "articles"
TOP_COMPANIES = 15
SENSES_SHOWN = 6


@dataclass(frozen=True, slots=True)
class Mark:
    """An element to wrap around ``text[start:end]``. Marks of lower ``rank`` are outer: a
    mark that crosses the edge of an outer one is split in two pieces, so the elements nest
    whatever the spans do. ``tip`` is HTML closed into the element's end (a tooltip)."""

    start: int
    end: int
    rank: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    tip: Markup | None = None


def marked_html(text: str, start: int, end: int, marks: Iterable[Mark]) -> Markup:
    """``text[start:end]`` as HTML, every character escaped, with each mark's element
    around its (clipped) span. Stripping the tags and the tooltips and unescaping gives
    the text back. A mark cut in pieces (by an outer mark, or by ``start``/``end``) keeps
    its id on the piece where it starts and its tooltip on the piece where it ends."""
    clipped = [(mark, max(mark.start, start), min(mark.end, end)) for mark in marks]
    clipped = sorted((item for item in clipped if item[1] < item[2]),
                     key=lambda item: (item[0].rank, item[1], -item[2], item[0].tag,
                                       item[0].attrs))
    order = {id(mark): index for index, (mark, _, _) in enumerate(clipped)}
    opening: dict[int, list[Mark]] = defaultdict(list)
    closing: dict[int, list[Mark]] = defaultdict(list)
    for mark, mark_start, mark_end in clipped:
        opening[mark_start].append(mark)
        closing[mark_end].append(mark)
    out: list[str] = []
    active: dict[int, Mark] = {}
    open_marks: list[Mark] = []
    for left, right in itertools.pairwise(sorted({start, end, *opening, *closing})):
        for mark in closing.get(left, ()):
            del active[id(mark)]
        for mark in opening.get(left, ()):
            active[id(mark)] = mark
        covering = sorted(active.values(), key=lambda mark: order[id(mark)])
        kept = 0
        while kept < min(len(open_marks), len(covering)) and open_marks[kept] is covering[kept]:
            kept += 1
        out.extend(_close(mark, at=left) for mark in reversed(open_marks[kept:]))
        out.extend(_open(mark, at=left) for mark in covering[kept:])
        open_marks = covering
        out.append(html.escape(text[left:right], quote=False))
    out.extend(_close(mark, at=end) for mark in reversed(open_marks))
    return Markup("".join(out))


def _open(mark: Mark, *, at: int) -> str:
    attrs = "".join(f' {name}="{html.escape(value)}"' for name, value in mark.attrs
                    if at == mark.start or name not in ("id", "aria-describedby"))
    return f"<{mark.tag}{attrs}>"


def _close(mark: Mark, *, at: int) -> str:
    return (str(mark.tip) if mark.tip is not None and at == mark.end else "") + f"</{mark.tag}>"


# -- one article -----------------------------------------------------------------------------

@dataclass
class ArticleView:
    """What the article page shows, worked out from its record."""

    record: dict[str, Any]
    href: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    clean: Markup = field(default_factory=Markup)
    entities: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    fragments: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def article_page(doc_id: str) -> str:
    """The page's file, relative to the index: named like the article's JSON file."""
    return f"{ARTICLES_DIR}/{doc_id}.html"


def article_href(doc_id: str) -> str:
    """The link to that page. Ids may hold any character but / (``5亿 #2``, ``a%20b``); a
    browser decodes the link before it looks for the file, so only the link is quoted."""
    return quote(article_page(doc_id))


def article_view(record: dict[str, Any]) -> ArticleView:
    text = record["text"]
    view = ArticleView(record, article_href(record["id"]))
    clean_side = CleanSide(record)
    marks = [*_claim_marks(record), *_fragment_marks(record, clean_side),
             *_mention_marks(record)]
    kept = clean_side.kept
    marks_in = _MarkIndex(marks)
    clean_text = record["clean_text"]
    pieces = _clean_pieces(record, kept)
    clean_marks_in = _MarkIndex(_clean_marks(record))
    for index, block in enumerate(record["blocks"]):
        piece = pieces.get(index) if pieces is not None else None
        view.blocks.append({
            "kind": block["kind"], "label": block["kind"], "role": block.get("role"),
            "lang": block["lang"],
            "kept": index in kept, "at": block["start"],
            "html": marked_html(text, block["start"], block["end"],
                                marks_in.overlapping(block["start"], block["end"])),
            "clean": None if piece is None else marked_html(
                clean_text, *piece, clean_marks_in.overlapping(*piece)),
        })
    for start, end in _uncovered(text, record["blocks"]):
        view.blocks.append({"kind": "outside", "label": "outside every block", "role": None,
                            "lang": "und", "kept": False,
                            "html": marked_html(text, start, end,
                                                marks_in.overlapping(start, end)),
                            "clean": None, "at": start})
    view.blocks.sort(key=lambda block: block["at"])
    if pieces is None:  # not one piece per block: the clean text whole, after the blocks
        view.clean = marked_html(clean_text, 0, len(clean_text), clean_marks_in.marks)
    anchors = {dict(mark.attrs).get("id") for mark in marks}
    view.entities = [_entity_card(entity, anchors) for entity in record["entities"]]
    names = {entity["id"]: entity["name"] for entity in record["entities"]}
    view.claims = [_claim_row(claim, names) for claim in record["claims"]]
    view.fragments = [_fragment_row(clean_side, index, fragment)
                      for index, fragment in enumerate(record["fragments"])]
    view.counts = {
        "fragments": len(record["fragments"]),
        "glossed_inline": sum(f["gloss_source"] == "inline" for f in record["fragments"]),
        "unglossed": sum(f["gloss"] is None for f in record["fragments"]),
        "companies": len(record["entities"]),
        "mentions": sum(len(entity["mentions"]) for entity in record["entities"]),
        "claims": len(record["claims"]),
        "blocks": len(record["blocks"]),
        "dropped": len(record["blocks"]) - len(kept),
    }
    return view


class _MarkIndex:
    """The marks that overlap a stretch of text, without looking at every mark for every
    block (a long article has thousands of both)."""

    def __init__(self, marks: Sequence[Mark]) -> None:
        self.marks = sorted(marks, key=lambda mark: mark.start)
        self.starts = [mark.start for mark in self.marks]
        self.longest = max((mark.end - mark.start for mark in self.marks), default=0)

    def overlapping(self, start: int, end: int) -> list[Mark]:
        low = bisect.bisect_left(self.starts, start - self.longest)
        high = bisect.bisect_left(self.starts, end)
        return [mark for mark in self.marks[low:high] if mark.end > start]


def _kept_blocks(record: dict[str, Any]) -> set[int]:
    """The blocks the clean text is made of, by the rule the clean stage applies."""
    text = record["text"]
    return {index for index, block in enumerate(record["blocks"])
            if is_kept(Block.from_json(block), text)}


def _clean_pieces(record: dict[str, Any], kept: set[int]) -> dict[int, tuple[int, int]] | None:
    """Where each kept block reads in the clean text, which is the kept blocks, in order,
    joined by blank lines; None if it does not split so (then it is shown whole)."""
    order = sorted(kept)
    parts = record["clean_text"].split("\n\n") if order else []
    if len(parts) != len(order):
        return None
    pieces, position = {}, 0
    for index, part in zip(order, parts, strict=True):
        pieces[index] = (position, position + len(part))
        position += len(part) + 2
    return pieces


def _uncovered(text: str, blocks: Sequence[dict[str, Any]]) -> list[tuple[int, int]]:
    """Text that no block holds (a Markdown ``##`` left of a heading), trimmed of the
    whitespace around it: shown, never lost."""
    gaps, position = [], 0
    for start, end in [*sorted((block["start"], block["end"]) for block in blocks),
                       (len(text), len(text))]:
        stretch = text[position:start]
        if stretch.strip():
            lead = len(stretch) - len(stretch.lstrip())
            gaps.append((position + lead, position + len(stretch.rstrip())))
        position = max(position, end)
    return gaps


def _fragment_marks(record: dict[str, Any], clean_side: CleanSide) -> list[Mark]:
    marks = []
    for index, fragment in enumerate(record["fragments"]):
        tip_id = f"tip-f{index}"
        marks.append(Mark(
            fragment["start"], fragment["end"], 2, "span",
            (("class", f"frag gloss-{fragment['gloss_source'] or 'none'}"),
             ("id", f"f{index}"), ("tabindex", "0"), ("aria-describedby", tip_id)),
            _fragment_tip(tip_id, fragment, clean_side)))
        for key, css in (("inline_gloss", "inline-gloss"), ("paired_with", "paired")):
            if fragment.get(key):
                marks.append(Mark(fragment[key]["start"], fragment[key]["end"], 2, "span",
                                  (("class", css),)))
    for run in record.get("foreign", []):
        marks.append(Mark(run["start"], run["end"], 2, "span",
                          (("class", "foreign"), ("lang", run["lang"]),
                           ("title", f"not English: {run['lang']}"))))
    return marks


def _fragment_tip(tip_id: str, fragment: dict[str, Any], clean_side: CleanSide) -> Markup:
    rows: list[tuple[str, str]] = [("pinyin", fragment["pinyin"] or "-")]
    if fragment["simplified"] != fragment["traditional"]:
        rows.append(("simplified / traditional",
                     f"{fragment['simplified']} / {fragment['traditional']}"))
    if fragment.get("inline_gloss"):
        rows.append(("inline gloss", fragment["inline_gloss"]["text"]))
    if fragment.get("paired_with"):
        rows.append(("paired with", fragment["paired_with"]["text"]))
    if fragment["senses"]:
        senses = fragment["senses"][:SENSES_SHOWN]
        more = len(fragment["senses"]) - len(senses)
        rows.append(("senses", "; ".join(senses) + (f" (+{more})" if more > 0 else "")))
    elif fragment.get("dictionary_gloss"):
        rows.append(("dictionary", fragment["dictionary_gloss"]))
    if len(fragment["tokens"]) > 1:
        rows.append(("words", " | ".join(
            f"{token['text']} {token['pinyin']}" + (f" ({token['gloss']})" if token["gloss"]
                                                   else "")
            for token in fragment["tokens"])))
    rows.append(("clean text has", clean_side.has(fragment)))
    body = "".join(f'<span class="tip-row"><b>{html.escape(label)}</b> {html.escape(value)}'
                   f"</span>" for label, value in rows)
    return Markup(f'<span class="tip" role="tooltip" id="{tip_id}">{body}</span>')


def _gaps(record: dict[str, Any]) -> list[tuple[int, int, int, int]]:
    """(text start, text end, clean start, clean end) of everything ``clean_map`` does not
    copy: the text left out or replaced, and what the clean text has there instead."""
    text, clean_text = record["text"], record["clean_text"]
    gaps, clean_position, text_position = [], 0, 0
    for clean_start, text_start, length in [*record["clean_map"],
                                            (len(clean_text), len(text), 0)]:
        if clean_start > clean_position or text_start > text_position:
            gaps.append((text_position, text_start, clean_position, clean_start))
        clean_position, text_position = clean_start + length, text_start + length
    return gaps


class CleanSide:
    """Where the clean text differs from the original, worked out once per article."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.gaps = _gaps(record)
        self.gap_ranges = [(gap[0], gap[1]) for gap in self.gaps]
        self.gap_starts = [gap[0] for gap in self.gaps]
        self.kept = _kept_blocks(record)
        left_out = sorted((block["start"], block["end"]) for index, block
                          in enumerate(record["blocks"]) if index not in self.kept)
        self.left_out, self.left_out_starts = left_out, [start for start, _ in left_out]
        self.said: dict[int, str] = {}

    def has(self, fragment: dict[str, Any]) -> str:
        """What stands for the fragment in the clean text, read off the copy map (so it
        says what the clean text holds, not what the gloss fields suggest)."""
        start = fragment["start"]
        if start not in self.said:
            self.said[start] = self._has(fragment)
        return self.said[start]

    def _has(self, fragment: dict[str, Any]) -> str:
        start = fragment["start"]
        if _containing(self.left_out, self.left_out_starts, start) is not None:
            return "nothing: its block is left out of the clean text"
        gap = _containing(self.gap_ranges, self.gap_starts, start)
        if gap is None:
            return str(fragment["text"])  # copied unchanged: cleaning left Han in the text
        _, _, clean_start, clean_end = self.gaps[gap]
        inserted = self.record["clean_text"][clean_start:clean_end].strip()
        # Quotes alone (「换汇难」 becomes “…” around the author's gloss) are not the gloss.
        if any(character.isalnum() for character in inserted):
            return str(inserted)
        if fragment.get("paired_with"):
            return f"nothing: its English ({fragment['paired_with']['text']}) is kept"
        if fragment.get("inline_gloss"):
            return f"{fragment['inline_gloss']['text']} (the author's gloss, kept)"
        return "nothing"


def _containing(ranges: Sequence[tuple[int, int]], starts: Sequence[int],
                offset: int) -> int | None:
    """The index of the range (sorted, not overlapping) that holds ``offset``, if any."""
    index = bisect.bisect_right(starts, offset) - 1
    if index >= 0 and ranges[index][0] <= offset < ranges[index][1]:
        return index
    return None


def _mention_marks(record: dict[str, Any]) -> list[Mark]:
    marks = []
    for entity in record["entities"]:
        for index, mention in enumerate(entity["mentions"]):
            marks.append(Mark(mention["start"], mention["end"], 3, "a", (
                ("class", f"ent type-{entity['type']}"),
                ("id", f"m-{entity['id']}-{index}"),
                ("href", _entity_href(entity["id"])),
                ("title", f"{entity['name']} ({entity['type']})"))))
    for entity in record.get("boilerplate_entities", []):
        for mention in entity["mentions"]:
            marks.append(Mark(mention["start"], mention["end"], 3, "span", (
                ("class", f"ent ent-boilerplate type-{entity['type']}"),
                ("title", f"{entity['name']} ({entity['type']}, in page furniture)"))))
    return _one_at_a_place(marks)


def _one_at_a_place(marks: list[Mark]) -> list[Mark]:
    """Mentions that overlap none kept before them (longest first at a place): a link
    inside a link is not HTML, and in the clean text a fragment and its gloss (月之暗面
    (Moonshot AI)) are two mentions of the same words."""
    kept: list[Mark] = []
    for mark in sorted(marks, key=lambda mark: (mark.start, -mark.end)):
        if not kept or mark.start >= kept[-1].end:
            kept.append(mark)
    return kept


def _claim_marks(record: dict[str, Any]) -> list[Mark]:
    return [Mark(claim["start"], claim["end"], 1, "span", (
        ("class", f"claim modality-{claim['modality']}"), ("id", f"claim-{claim['id']}"),
        ("title", f"{claim['id']}: {claim['type']}, {claim['modality']}")))
        for claim in record["claims"]]


def _clean_marks(record: dict[str, Any]) -> list[Mark]:
    """In the clean text: what stands for a fragment (a gloss the cleaning wrote in, or the
    author's gloss it kept), and the company mentions."""
    text, clean_text = record["text"], record["clean_text"]
    marks = []
    for text_start, text_end, clean_start, clean_end in _gaps(record):
        if any(character.isalnum() for character in clean_text[clean_start:clean_end]):
            original = text[text_start:text_end].strip()
            marks.append(Mark(clean_start, clean_end, 2, "span", (
                ("class", "replaced"), ("title", f"in the original: {original[:120]}"))))
    for fragment in record["fragments"]:
        gloss = fragment.get("inline_gloss")
        span = gloss and clean_span(gloss["start"], gloss["end"], record["clean_map"], ())
        if span:
            marks.append(Mark(*span, 2, "span", (
                ("class", "replaced"),
                ("title", f"the author's gloss of {fragment['text']}"))))
    mentions = [Mark(mention["clean_start"], mention["clean_end"], 3, "a", (
        ("class", f"ent type-{entity['type']}"), ("href", _entity_href(entity["id"]))))
        for entity in record["entities"] for mention in entity["mentions"]
        if mention["clean_start"] is not None]
    return marks + _one_at_a_place(mentions)


def _entity_href(entity_id: str) -> str:
    return f"#entity-{quote(entity_id, safe='')}"


def _entity_card(entity: dict[str, Any], anchors: set[str | None]) -> dict[str, Any]:
    wikidata = entity["wikidata"]
    mentions = [f"m-{entity['id']}-{index}" for index in range(len(entity["mentions"]))]
    first = next((anchor for anchor in mentions if anchor in anchors), None)
    return {
        **entity,
        "anchor": f"entity-{entity['id']}",
        "wikidata_url": f"https://www.wikidata.org/wiki/{wikidata}" if wikidata else None,
        "first_mention_href": f"#{quote(first, safe='')}" if first else None,
    }


def _claim_row(claim: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        **claim,
        "subject_links": [(_entity_href(subject), names.get(subject, subject))
                          for subject in claim["subjects"]],
        "numbers": [quantity_label(quantity) for quantity in claim["quantities"]],
    }


def _fragment_row(clean_side: CleanSide, index: int, fragment: dict[str, Any]) -> dict[str, Any]:
    return {**fragment, "anchor": f"f{index}", "clean_text_has": clean_side.has(fragment),
            "senses_shown": fragment["senses"][:SENSES_SHOWN]}


def quantity_label(quantity: dict[str, Any]) -> str:
    """``US$1 billion`` → ``US$1 billion = 1,000,000,000 USD (about)``: what was written,
    then the normalised value, so a wrong normalisation is plain to see."""
    value, unit = quantity["value"], quantity["unit"]
    if isinstance(value, float) and not value.is_integer():
        number = f"{value:,.6f}".rstrip("0").rstrip(".")
    else:
        number = f"{int(value):,}"
    suffix = {"percent": "%", "percentage_points": " percentage points", "multiple": "×",
              "ratio": f" ({value * 100:.4g}%)", "number": ""}.get(unit)
    if suffix is None:  # money and counted nouns
        suffix = f" {quantity.get('currency') or unit}" if unit != "money_per_share" else (
            f" {quantity.get('currency') or ''} per share".replace("  ", " "))
    notes = [note for note in ("about" if quantity["approx"] else "",
                               {"lower": "at least", "upper": "at most"}.get(
                                   quantity["bound"] or "", "")) if note]
    label = f"{quantity['text']} = {number}{suffix}"
    return label + (f" ({', '.join(notes)})" if notes else "")


# -- the corpus ------------------------------------------------------------------------------

@dataclass
class ReportSummary:
    folder: Path
    articles: int = 0
    unusable: list[Unusable] = field(default_factory=list)
    run_errors: list[dict[str, Any]] = field(default_factory=list)


def write_report(out: Path, target: Path | None = None, log: TextIO | None = None,
                 every: float = 10.0) -> ReportSummary:
    """The report for the articles in ``out``, into ``target`` (default ``out/report``).
    On a long run, a line on ``log`` every ``every`` seconds says how far it has got."""
    target = (target if target is not None else out / REPORT_DIR).resolve()
    _check_target(out.resolve(), target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        return _write_report(out, target, log, every)


class ReportError(Exception):
    """The report cannot be written at all: another report is being written there, or
    the folder asked for is not one a report may replace."""


MARKER = ".bipipe-report"
"""A file in every report folder: a later report replaces only a folder that has it."""


def _check_target(out: Path, target: Path) -> None:
    if target == out or target in out.parents:
        raise ReportError(f"{target} holds the outputs; the report needs a folder of its own")
    if target.exists() and not (target / MARKER).is_file():
        what = "folder" if target.is_dir() else "file"
        raise ReportError(f"{target} is a {what} that is not a bipipe report; the report "
                          f"replaces its folder whole, so give a new folder or remove it")


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """One report at a time into ``target``; then what a killed one left can go."""
    try:
        lock = held_lock(target.parent / f".{target.name}.lock")
    except LockHeld as error:
        raise ReportError(f"another bipipe report is writing {target}; wait for it to "
                          f"finish or choose another --out") from error
    with lock:
        for stale in target.parent.glob(f".{target.name}.*.tmp"):
            shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(target.with_name(f".{target.name}.old"), ignore_errors=True)
        yield


def _write_report(out: Path, target: Path, log: TextIO | None,
                  every: float) -> ReportSummary:
    summary = ReportSummary(target, run_errors=run_errors(out))
    env = _environment()
    building = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp",
                                     dir=target.parent))
    try:
        os.chmod(building, 0o777 & ~current_umask())  # mkdtemp makes 0700; reports are shared
        (building / MARKER).write_text(f"bipipe {__version__}\n", encoding="utf-8")
        (building / ARTICLES_DIR).mkdir()
        shutil.copyfile(resource_path("report", "report.css"), building / "report.css")
        rows, companies, claim_types = [], Counter[tuple[str, str, str]](), Counter[str]()
        page = env.get_template("article.html.j2")
        types = schema()["$defs"]["entity"]["properties"]["type"]["enum"]
        last = time.perf_counter()
        for item in iter_records(out):
            if isinstance(item, Unusable):
                summary.unusable.append(item)
                continue
            view = article_view(item)
            html_page = page.render(view=view, version=__version__, entity_types=types)
            (building / article_page(item["id"])).write_text(html_page, encoding="utf-8")
            rows.append({"record": _index_fields(item), "href": view.href,
                         "counts": view.counts})
            for entity in item["entities"]:
                companies[(entity["id"], entity["name"], entity["type"])] += len(
                    entity["mentions"])
            claim_types.update(claim["type"] for claim in item["claims"])
            summary.articles += 1
            if log is not None and time.perf_counter() - last >= every:
                last = time.perf_counter()
                print(f"bipipe: report: {summary.articles} articles", file=log, flush=True)
        index = env.get_template("index.html.j2").render(
            folder=out.resolve().name, rows=rows, version=__version__,
            companies=_bars(companies.most_common(TOP_COMPANIES)),
            claim_types=_bars([((name, name, "claim"), count)
                               for name, count in sorted(claim_types.items(),
                                                         key=lambda item: (-item[1], item[0]))]),
            totals=_totals(rows, companies), entity_types=types,
            run_errors=summary.run_errors, unusable=summary.unusable)
        (building / "index.html").write_text(index, encoding="utf-8")
        _swap_in(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return summary


def _index_fields(record: dict[str, Any]) -> dict[str, Any]:
    """What the index shows of an article: holding whole records would make the report's
    memory grow with the folder."""
    meta, source = record["meta"], record["source"]
    return {"id": record["id"],
            "meta": {key: meta.get(key) for key in ("title", "publisher", "published")},
            "source": {"path": source.get("path"), "line": source.get("line")}}


def _bars(counted: Sequence[tuple[tuple[str, str, str], int]]) -> list[dict[str, Any]]:
    """Rows of a horizontal bar chart, widths in percent of the largest."""
    largest = max((count for _, count in counted), default=1)
    return [{"id": key, "label": label, "type": kind, "count": count,
             "width": round(100 * count / largest, 1)}
            for (key, label, kind), count in counted]


def _totals(rows: Sequence[dict[str, Any]],
            companies: Counter[tuple[str, str, str]]) -> dict[str, int]:
    def total(name: str) -> int:
        return sum(row["counts"][name] for row in rows)

    return {"articles": len(rows), "fragments": total("fragments"),
            "with_fragments": sum(row["counts"]["fragments"] > 0 for row in rows),
            "unglossed": total("unglossed"), "entities": len(companies),
            "mentions": total("mentions"), "claims": total("claims"),
            "dropped": total("dropped")}


def _swap_in(building: Path, target: Path) -> None:
    """Replace ``target`` by the finished folder: the old report stays whole until then."""
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    building.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _environment() -> Any:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(resource_path("report")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                       keep_trailing_newline=True)
