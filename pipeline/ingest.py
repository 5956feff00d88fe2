"""Stage 1, ingest: turn input bytes into articles with exact, newline-normalised text.

Decoding tries the byte-order marks first, then strict UTF-8, then charset-normalizer,
which covers GB18030/GBK, Big5 and the rest. Nothing but newlines is normalised, so every
later offset indexes the text a reader sees in the file.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .byline import iso_date
from .document import META_KEYS, Format, Source
from .errors import Errors, InputError
from .settings import Settings

SUFFIX_FORMATS: dict[str, Format] = {
    ".txt": "txt", ".md": "md", ".markdown": "md",
    ".html": "html", ".htm": "html", ".jsonl": "jsonl",
}
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL_ALLOWED = frozenset("\t\n\r\f\v")
_UNSAFE_ID = re.compile(r"[^\w.\-]+")


@dataclass(frozen=True)
class Article:
    """What ingest hands on: the text and where it came from, before any annotation."""

    id: str
    text: str
    source: Source
    meta: dict[str, Any]
    ingest_stats: dict[str, int] = field(default_factory=dict)
    """What ingest set aside, e.g. how much page text trafilatura did not extract."""


@dataclass(frozen=True)
class Failure:
    """An input (or one jsonl line) that could not become an article."""

    input: str
    id: str | None
    error: InputError


def safe_id(raw: str) -> str:
    """A file-name-safe id: no path separators, no leading dots, never empty, and short
    enough in UTF-8 bytes for any file system (a long one keeps a hash of the whole)."""
    cleaned = _UNSAFE_ID.sub("_", unicodedata.normalize("NFC", raw)).strip("_")
    cleaned = cleaned.lstrip(".") or "_"
    if len(cleaned.encode("utf-8")) <= _MAX_ID_BYTES:
        return cleaned
    digest = hashlib.sha256(cleaned.encode("utf-8")).hexdigest()[:12]
    head = cleaned.encode("utf-8")[:_MAX_ID_BYTES - 13].decode("utf-8", errors="ignore")
    return f"{head}-{digest}"


_MAX_ID_BYTES = 160  # leaves room for ".json" and the temporary file's prefix and suffix


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data``; return the text and the codec name. Raises :class:`InputError`."""
    if not data.strip():
        raise InputError(Errors.E001)
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _checked(data.decode(codec, errors="strict"), codec)
    utf16 = _sniff_utf16(data)
    if utf16 is not None:
        return _checked(data.decode(utf16), utf16)
    if b"\x00" in data:
        raise InputError(Errors.E002, detail="NUL bytes")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a stray bad byte is still UTF-8: another codec would garble all of
    # it. The U+FFFD characters left are counted in the article's stats.
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") <= max(1, len(lenient) // 1000):
        return _checked(lenient, "utf-8")
    return _checked(*_detect(data))


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM shows as NULs in every other byte of ASCII text."""
    if len(data) < 4 or len(data) % 2:
        return None
    even_nuls = data[0::2].count(0) / (len(data) / 2)
    odd_nuls = data[1::2].count(0) / (len(data) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def _detect(data: bytes) -> tuple[str, str]:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise InputError(Errors.E003, detail="no encoding fits")
    codec = codecs.lookup(best.encoding).name
    # GBK and GB2312 are subsets of GB18030; decoding with the superset loses nothing.
    if codec in {"gbk", "gb2312"}:
        codec = "gb18030"
    try:
        return data.decode(codec), codec
    except UnicodeDecodeError as error:
        raise InputError(Errors.E003, detail=str(error)) from error


def _checked(text: str, codec: str) -> tuple[str, str]:
    if not text.strip():
        raise InputError(Errors.E001)
    controls = sum(
        1 for char in text
        if unicodedata.category(char) == "Cc" and char not in _CONTROL_ALLOWED
    )
    if controls > max(2, len(text) // 100):
        raise InputError(Errors.E002, detail=f"{controls} control characters")
    return text, codecs.lookup(codec).name


def read_bytes(path: Path, settings: Settings) -> bytes:
    try:
        size = path.stat().st_size
        if size > settings.max_bytes:
            raise InputError(Errors.E004, size=size, limit=settings.max_bytes)
        return path.read_bytes()
    except FileNotFoundError as error:
        raise InputError(Errors.E009) from error
    except OSError as error:  # a folder, no permission, an I/O error
        raise InputError(Errors.E014, detail=error.strerror or str(error)) from error


def ingest_bytes(
    data: bytes, *, doc_id: str, fmt: Format, path: str | None, settings: Settings
) -> Iterator[Article | Failure]:
    """Articles from one input's bytes (several for jsonl); failures are yielded, not raised."""
    label = path or "-"
    if len(data) > settings.max_bytes:
        yield Failure(label, doc_id, InputError(Errors.E004, size=len(data),
                                                limit=settings.max_bytes))
        return
    try:
        text, encoding = decode(data)
    except InputError as error:
        yield Failure(label, doc_id, error)
        return
    digest = hashlib.sha256(data).hexdigest()
    if fmt == "jsonl":
        yield from _jsonl_articles(text, encoding, doc_id, path)
        return
    meta: dict[str, Any] = dict.fromkeys(META_KEYS)
    ingest_stats: dict[str, int] = {}
    if fmt == "html" or (fmt == "stdin" and _looks_like_html(text)):
        try:
            text, meta, ingest_stats = _html_text(text)
        except InputError as error:
            yield Failure(label, doc_id, error)
            return
    else:
        text = normalise_newlines(text)
        if fmt == "md":
            meta.update(front_matter_meta(text))
    if "\ufffd" in text:
        ingest_stats["replacement_chars"] = text.count("\ufffd")
    yield Article(doc_id, text, Source(path, digest, encoding, fmt), meta, ingest_stats)


def ingest_path(path: Path, settings: Settings) -> Iterator[Article | Failure]:
    """Every article in one file (several for jsonl), read in this process."""
    for unit in expand(path, settings):
        yield unit if isinstance(unit, Failure) else ingest_unit(unit, settings)


@dataclass(frozen=True)
class Unit:
    """One article's worth of input for a worker: a whole file (txt, md, html), or one jsonl
    record that the reader already split off and decoded. Plain fields only, so a unit
    crosses to a worker process or a Ray actor cheaply."""

    path: str
    fmt: Format
    record: str | None = None
    """A jsonl record's line, decoded; None for a whole file, which the worker reads."""
    line: int = 0
    encoding: str = ""

    @property
    def label(self) -> str:
        """How errors name it: the path, and the line for a jsonl record."""
        return f"{self.path}:{self.line}" if self.line else self.path


def expand(path: Path, settings: Settings) -> Iterator[Unit | Failure]:
    """The units of one input, streamed: a jsonl file is read line by line when it is over
    the size limit (one article may not be, a feed may), and whole otherwise, so that any
    encoding the file has is detected as for other files."""
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        yield Failure(str(path), None, InputError(Errors.E008, suffix=path.suffix))
        return
    if fmt != "jsonl":
        yield Unit(str(path), fmt)
        return
    if path.is_file() and path.stat().st_size > settings.max_bytes:
        yield from _jsonl_stream(path, settings)
        return
    try:
        text, encoding = decode(read_bytes(path, settings))
    except InputError as error:
        yield Failure(str(path), safe_id(path.stem), error)
        return
    for number, line in _jsonl_lines(text):
        yield Unit(str(path), "jsonl", line, number, encoding)


def ingest_unit(unit: Unit, settings: Settings) -> Article | Failure:
    """The article a unit holds, or why it cannot be one."""
    path = Path(unit.path)
    if unit.record is not None:
        # Only non-blank lines become units, so the record yields an article or a failure.
        return next(_jsonl_record(unit.record, unit.line, safe_id(path.stem), unit.path,
                                  unit.encoding))
    try:
        data = read_bytes(path, settings)
    except InputError as error:
        return Failure(unit.path, safe_id(path.stem), error)
    return next(ingest_bytes(data, doc_id=safe_id(path.stem), fmt=unit.fmt, path=unit.path,
                             settings=settings))


def _jsonl_stream(path: Path, settings: Settings) -> Iterator[Unit | Failure]:
    """Records of a large jsonl file, line by line, decoded as UTF-8 as JSON Lines requires."""
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            label = f"{path}:{number}"
            if len(raw) > settings.max_bytes:
                yield Failure(label, None, InputError(Errors.E004, size=len(raw),
                                                      limit=settings.max_bytes))
                continue
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield Failure(label, None, InputError(Errors.E003, detail=str(error)))
                continue
            if line.strip():
                yield Unit(str(path), "jsonl", line.rstrip("\r\n"), number, "utf-8")


FRONT_MATTER = re.compile(r"\A---\n(?P<body>(?:.*\n){0,40}?)---(?:\n|\Z)")
_FRONT_MATTER_KEYS = {"title": "title", "author": "author", "authors": "author",
                      "publisher": "publisher", "source": "publisher", "site": "publisher",
                      "date": "published", "published": "published", "updated": "updated",
                      "lastmod": "updated"}


def front_matter_meta(text: str) -> dict[str, Any]:
    """Title, author and dates from a Markdown file's YAML front matter (simple
    ``key: value`` lines; the block itself stays in the text, labelled boilerplate)."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return {}
    found: dict[str, Any] = {}
    for line in match["body"].splitlines():
        key, _, value = line.partition(":")
        field_name = _FRONT_MATTER_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'")
        if field_name and value and field_name not in found:
            is_date = field_name in ("published", "updated")
            found[field_name] = _iso_date(value) if is_date else value
    return {key: value for key, value in found.items() if value}


def _looks_like_html(text: str) -> bool:
    head = text[:2048].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or "<body" in head


def _html_text(html: str) -> tuple[str, dict[str, Any], dict[str, int]]:
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True
    )
    fields: dict[str, Any] = {}
    if extracted is not None:
        fields = extracted if isinstance(extracted, dict) else extracted.as_dict()
    lines = [line.strip() for line in normalise_newlines(fields.get("text") or "").split("\n")]
    paragraphs = [line for line in lines if line]
    if not paragraphs:
        raise InputError(Errors.E011)
    title = (fields.get("title") or "").strip() or None
    # The title leads the text unless trafilatura kept it (maybe after a line of navigation).
    if title and title not in paragraphs[:5]:
        paragraphs.insert(0, title)
    meta: dict[str, Any] = dict.fromkeys(META_KEYS)
    meta.update(title=title, publisher=fields.get("sitename") or None,
                author=fields.get("author") or None,
                published=_iso_date(fields.get("date")),
                updated=_iso_date(_meta_tag(html, _UPDATED_TAGS)))
    text = "\n\n".join(paragraphs)
    # trafilatura drops navigation and footers; say how much, so nothing vanishes unseen.
    page_chars = len(trafilatura.html2txt(html) or "")
    return text, meta, {"html_page_chars": page_chars, "html_extracted_chars": len(text)}


_UPDATED_TAGS = ("article:modified_time", "og:updated_time", "dateModified", "last-modified")
_META_TAG = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_META_ATTR = re.compile(r"""(\w[\w:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _meta_tag(html: str, names: tuple[str, ...]) -> str | None:
    """The content of the first ``<meta>`` whose property/name/itemprop is in ``names``
    (trafilatura reports the published date but not the modified one)."""
    wanted = {name.lower() for name in names}
    for tag in _META_TAG.findall(html[:200_000]):
        attributes: dict[str, str] = {
            key.lower(): first or second for key, first, second in _META_ATTR.findall(tag)
        }
        keys = {attributes.get(key, "").lower() for key in ("property", "name", "itemprop")}
        if keys & wanted and attributes.get("content"):
            return attributes["content"]
    return None


def _iso_date(value: object) -> str | None:
    return iso_date(str(value)) if value else None


def _meta_value(key: str, value: Any) -> Any:
    """Other fields are kept as given; the contract's own keys are strings or null, dates
    in ``YYYY-MM-DD`` (a date that cannot be read becomes null rather than a bad record)."""
    if key in ("published", "updated"):
        return _iso_date(value)
    if key in META_KEYS:
        return None if value in (None, "") else str(value)
    return value


def _jsonl_articles(
    text: str, encoding: str, stem_id: str, path: str | None
) -> Iterator[Article | Failure]:
    for number, line in _jsonl_lines(text):
        yield from _jsonl_record(line, number, stem_id, path, encoding)


def _jsonl_lines(text: str) -> Iterator[tuple[int, str]]:
    """The non-blank lines of a decoded feed, numbered from 1 as editors count them."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            yield number, line


def _jsonl_record(
    line: str, number: int, stem_id: str, path: str | None, encoding: str
) -> Iterator[Article | Failure]:
    """One jsonl line: an article, a failure naming the line, or nothing if it is blank."""
    if not line.strip():
        return
    label = f"{path or '-'}:{number}"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        yield Failure(label, None, InputError(Errors.E005, line=number, detail=error.msg))
        return
    except RecursionError:
        yield Failure(label, None, InputError(Errors.E005, line=number, detail="nested too deep"))
        return
    if not isinstance(record, dict):
        yield Failure(label, None, InputError(Errors.E005, line=number,
                                              detail="not a JSON object"))
        return
    raw_id = record.pop("id", None)
    doc_id = safe_id(str(raw_id)) if raw_id not in (None, "") else f"{stem_id}-{number}"
    body = record.pop("text", None)
    if not isinstance(body, str) or not body.strip():
        yield Failure(label, doc_id, InputError(Errors.E006, line=number, field="text"))
        return
    meta: dict[str, Any] = dict.fromkeys(META_KEYS)
    for key, value in record.items():
        meta[key] = _meta_value(key, value)
    for key, value in record.items():  # "source": "Odaily" names the publisher
        alias = _FRONT_MATTER_KEYS.get(key)
        if alias and alias != key and meta.get(alias) is None:
            meta[alias] = _meta_value(alias, value)
    digest = hashlib.sha256(line.rstrip("\r").encode("utf-8")).hexdigest()
    source = Source(path, digest, encoding, "jsonl", line=number)
    yield Article(doc_id, normalise_newlines(body), source, meta)
