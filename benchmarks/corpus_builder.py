"""A benchmark corpus of about 1,000 varied articles built from the samples in ``corpus/``.

Each generated article keeps the furniture of one sample (its title, byline and site lines,
its tail of disclaimers and related links, its HTML page or jsonl record) and gets a body
of whole paragraphs drawn from every sample, in a new order, with figures changed. Chinese
fragments and their glosses stay as written: a paragraph is never cut. Every article is
therefore new text, so no per-document cache makes a repeat free, while the fragments are
the kind the pipeline meets in practice. The output is deterministic for a seed.

Formats follow the samples: the base sample of each article is drawn uniformly from the
sample articles, so txt, md, html and jsonl come out roughly in the proportions of
``corpus/`` (counting jsonl records). Everything is written as UTF-8.

    python benchmarks/corpus_builder.py OUTDIR
"""

from __future__ import annotations

import html
import json
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.scripts import HAN_CLASS, HAN_RE

FORMATS = ("txt", "md", "html", "jsonl")
# A paragraph this long is article prose; shorter ones are titles, bylines, subheads, links.
PROSE_CHARS = 150
JSONL_RECORDS_PER_FILE = 3

# Long paragraphs that are still page furniture: disclaimers, comment rules, reprint notes.
_FURNITURE = re.compile(
    r"(?:Disclaimer|Risk [Ww]arning|Comments will be moderated|This (?:article|story) |About Us)"
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TAG = re.compile(r"<[^>]+>")
_HEAD_OR_SCRIPT = re.compile(r"<(head|script|style)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
# Figures to change: three digits or more (not a year), and the decimals of a number; a
# Chinese fragment with its figures and its gloss (5亿 (500 million)) is kept as written.
_KEPT_OR_FIGURE = re.compile(
    rf"(?P<kept>[\d.,]*[{HAN_CLASS}]+(?:[^\S\n]?[(（][^()（）\n]*[)）])?)"
    r"|(?<=\d\.)\d+|\d{3,}"
)


@dataclass(frozen=True)
class Sample:
    """One sample article cut into its furniture and its body.

    ``head`` and ``tail`` are kept in the sample's own format (HTML lines for html,
    paragraphs otherwise); ``body`` is the plain text of each body paragraph; ``record``
    is the jsonl record the article came from, if any."""

    fmt: str
    name: str
    head: list[str]
    body: list[str]
    tail: list[str]
    record: dict[str, Any] | None = None


def read_samples(source: Path) -> list[Sample]:
    """Every sample article under ``source``, skipping ``gold/`` and hidden files."""
    samples = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).parts
        fmt = path.suffix.lower().lstrip(".")
        if (not path.is_file() or fmt not in FORMATS or relative[0] == "gold"
                or any(part.startswith(".") for part in relative)):
            continue
        text = _decode(path.read_bytes())
        if fmt == "jsonl":
            for line in text.splitlines():
                if line.strip():
                    record = json.loads(line)
                    paragraphs = _paragraphs(record["text"])
                    samples.append(_sample("jsonl", str(record["id"]), paragraphs, paragraphs,
                                           record))
        elif fmt == "html":
            lines = text.split("\n")  # these pages hold one element a line
            samples.append(_sample("html", path.stem, lines,
                                   [_html_line_text(line) for line in lines]))
        else:
            paragraphs = _paragraphs(text)
            samples.append(_sample(fmt, path.stem, paragraphs, paragraphs))
    return samples


def _sample(fmt: str, name: str, pieces: list[str], plain: list[str],
            record: dict[str, Any] | None = None) -> Sample:
    """Cut ``pieces`` (paragraphs, or HTML lines) at the first and last prose paragraph, by
    their ``plain`` text: what lies outside is furniture, what lies between is body."""
    prose = [i for i, text in enumerate(plain) if is_prose(text)]
    if not prose:
        return Sample(fmt, name, pieces, [], [], record)
    first, last = prose[0], prose[-1]
    body = [text for text in plain[first:last + 1] if text]
    return Sample(fmt, name, pieces[:first], body, pieces[last + 1:], record)


def is_prose(paragraph: str) -> bool:
    """English article prose: a long line (not a list of links), not a disclaimer, not
    Chinese (a Chinese paragraph is a related-article teaser here)."""
    longest_line = max(len(line) for line in paragraph.split("\n"))
    return (longest_line >= PROSE_CHARS and not _FURNITURE.match(paragraph)
            and len(HAN_RE.findall(paragraph)) < len(paragraph) / 2)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")  # the one sample that is not UTF-8
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _paragraphs(text: str) -> list[str]:
    return [paragraph.strip() for paragraph in _BLANK_LINE.split(text) if paragraph.strip()]


def _html_line_text(line: str) -> str:
    return html.unescape(_TAG.sub("", line)).strip()


def body_units(samples: list[Sample]) -> list[list[str]]:
    """The body paragraphs of every sample, a short one (a subhead) joined to the paragraph
    after it, so a subhead never ends up last or alone."""
    units: list[list[str]] = []
    for sample in samples:
        pending: list[str] = []
        for paragraph in sample.body:
            pending.append(paragraph)
            if is_prose(paragraph):
                units.append(pending)
                pending = []
    return units


def build_corpus(source: Path, target: Path, articles: int = 1000, megabytes: float = 5.0,
                 seed: int = 0) -> list[Path]:
    """Write ``articles`` articles of about ``megabytes`` MB in all into ``target`` (which
    must be empty or missing) and return the files written, sorted."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise FileExistsError(f"{target} is not empty")
    samples = read_samples(source)
    units = body_units(samples)
    rng = random.Random(seed)
    # The first articles take one sample of each format, so every format is written.
    firsts = [next(sample for sample in samples if sample.fmt == fmt) for fmt in FORMATS]
    budget = megabytes * 1_000_000
    written = 0
    paths: list[Path] = []
    feed: list[str] = []
    for index in range(articles):
        sample = firsts[index] if index < len(firsts) else rng.choice(samples)
        size = (budget - written) / (articles - index) * rng.uniform(0.5, 1.5)
        content = _article(sample, index, _draw_body(units, sample, size, rng))
        written += len(content.encode("utf-8"))
        if sample.fmt == "jsonl":
            feed.append(content)
            if len(feed) == JSONL_RECORDS_PER_FILE:
                paths.append(_write_feed(target, index, feed))
                feed = []
        else:
            path = target / f"{index:04d}-{sample.name}.{sample.fmt}"
            path.write_text(content, encoding="utf-8")
            paths.append(path)
    if feed:
        paths.append(_write_feed(target, articles - 1, feed))
    return sorted(paths)


def _draw_body(units: list[list[str]], sample: Sample, size: float,
               rng: random.Random) -> list[str]:
    """Whole units in a random order, with their figures changed, until the article holds
    about ``size`` bytes (at least one unit)."""
    furniture = sum(len(piece.encode("utf-8")) + 2 for piece in sample.head + sample.tail)
    body: list[str] = []
    for unit in rng.sample(units, len(units)):
        body.extend(_vary_figures(paragraph, rng) for paragraph in unit)
        furniture += sum(len(paragraph.encode("utf-8")) + 2 for paragraph in unit)
        if furniture >= size:
            break
    return body


def _vary_figures(text: str, rng: random.Random) -> str:
    def vary(match: re.Match[str]) -> str:
        digits = match.group()
        if match.group("kept") or (len(digits) == 4 and digits[:2] in ("19", "20")):
            return digits
        low = 10 ** (len(digits) - 1) if digits[0] != "0" else 0
        return str(rng.randint(low, 10 ** len(digits) - 1)).zfill(len(digits))
    return _KEPT_OR_FIGURE.sub(vary, text)


def _article(sample: Sample, index: int, body: list[str]) -> str:
    """The article's file content (for jsonl, its line without the newline)."""
    if sample.fmt == "html":
        paragraphs = [f"<p>{html.escape(paragraph, quote=False)}</p>" for paragraph in body]
        return "\n".join(sample.head + paragraphs + sample.tail)
    text = "\n\n".join(sample.head + body + sample.tail)
    if sample.fmt == "jsonl":
        assert sample.record is not None
        record = {**sample.record, "id": f"{index:04d}-{sample.name}", "text": text}
        return json.dumps(record, ensure_ascii=False)
    return text + "\n"


def _write_feed(target: Path, index: int, lines: list[str]) -> Path:
    path = target / f"{index:04d}-feed.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def texts(paths: list[Path]) -> list[str]:
    """The plain text of every article in ``paths``, one per article (a jsonl file gives one
    per record): txt and md as written (Markdown markup and front matter kept), html with
    ``<head>``, scripts and tags stripped by regex and one paragraph per remaining line."""
    result: list[str] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "jsonl":
            result.extend(json.loads(line)["text"] for line in text.splitlines() if line.strip())
        elif fmt == "html":
            lines = (_html_line_text(line) for line in _HEAD_OR_SCRIPT.sub("", text).split("\n"))
            result.append("\n\n".join(line for line in lines if line))
        else:
            result.append(text)
    return result


def corpus_files(directory: Path) -> list[Path]:
    """The article files of a corpus built earlier, sorted."""
    return sorted(path for path in directory.iterdir()
                  if path.suffix.lower().lstrip(".") in FORMATS)


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python benchmarks/corpus_builder.py OUTDIR")
    source = Path(__file__).parents[1] / "corpus"
    paths = build_corpus(source, Path(sys.argv[1]))
    size = sum(path.stat().st_size for path in paths) / 1_000_000
    print(f"{len(texts(paths))} articles in {len(paths)} files, {size:.2f} MB in {sys.argv[1]}")


if __name__ == "__main__":
    main()
