"""The document that flows through every stage, and the small typed records it holds.

Every record with ``start``/``end`` holds code-point offsets into ``Document.text`` and
satisfies ``text[start:end] == record.text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["txt", "md", "html", "jsonl", "stdin"]
BlockKind = Literal[
    "title", "byline", "summary", "heading", "paragraph", "qa", "attribution", "boilerplate"
]


# Span and Fragment are not frozen: a frozen dataclass sets each field through
# object.__setattr__, and building these records was a third of detection's time. Nothing
# assigns to them after construction (dataclasses.replace makes a new one); they hash by value.
@dataclass(slots=True, unsafe_hash=True)
class Span:
    start: int
    end: int
    text: str

    @classmethod
    def of(cls, text: str, start: int, end: int) -> Span:
        return cls(start, end, text[start:end])

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_json(cls, record: dict[str, Any] | None) -> Span | None:
        return None if record is None else cls(record["start"], record["end"], record["text"])


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    start: int
    end: int
    lang: str
    role: Literal["question", "answer"] | None = None

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> Block:
        return cls(record["kind"], record["start"], record["end"], record["lang"],
                   record.get("role"))

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "kind": self.kind, "start": self.start, "end": self.end, "lang": self.lang
        }
        if self.role is not None:
            record["role"] = self.role
        return record


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    pos: str
    pinyin: str
    gloss: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text,
            "pos": self.pos, "pinyin": self.pinyin, "gloss": self.gloss,
        }


@dataclass(slots=True, unsafe_hash=True)
class Fragment:
    """A run of Chinese inside English text; detection fills the first fields, gloss the rest."""

    start: int
    end: int
    text: str
    inline_gloss: Span | None = None
    paired_with: Span | None = None
    quoted: bool = False
    script: Literal["simplified", "traditional", "both"] = "both"
    simplified: str = ""
    traditional: str = ""
    pinyin: str = ""
    tokens: tuple[Token, ...] = ()
    dictionary_gloss: str | None = None
    senses: tuple[str, ...] = ()

    @classmethod
    def detected_from_json(cls, record: dict[str, Any]) -> Fragment:
        """The detection fields of a fragment record (gloss fields are recomputed)."""
        return cls(record["start"], record["end"], record["text"],
                   inline_gloss=Span.from_json(record.get("inline_gloss")),
                   paired_with=Span.from_json(record.get("paired_with")),
                   quoted=bool(record.get("quoted", False)))

    @property
    def gloss(self) -> str | None:
        if self.inline_gloss is not None:
            return self.inline_gloss.text
        return self.dictionary_gloss

    @property
    def gloss_source(self) -> Literal["inline", "dictionary"] | None:
        if self.inline_gloss is not None:
            return "inline"
        return "dictionary" if self.dictionary_gloss is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text,
            "script": self.script, "simplified": self.simplified,
            "traditional": self.traditional, "pinyin": self.pinyin,
            "tokens": [token.to_json() for token in self.tokens],
            "inline_gloss": self.inline_gloss.to_json() if self.inline_gloss else None,
            "paired_with": self.paired_with.to_json() if self.paired_with else None,
            "dictionary_gloss": self.dictionary_gloss, "senses": list(self.senses),
            "gloss": self.gloss, "gloss_source": self.gloss_source,
        }


@dataclass(frozen=True, slots=True)
class ForeignRun:
    """Han text that is not Chinese (it touches kana): kept out of the fragment list."""

    start: int
    end: int
    text: str
    lang: str
    inline_gloss: Span | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start, "end": self.end, "text": self.text, "lang": self.lang,
            "inline_gloss": self.inline_gloss.to_json() if self.inline_gloss else None,
        }


@dataclass(frozen=True, slots=True)
class Source:
    path: str | None
    sha256: str
    encoding: str
    format: Format
    line: int | None = None

    def to_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {
            "path": self.path, "sha256": self.sha256,
            "encoding": self.encoding, "format": self.format,
        }
        if self.line is not None:
            record["line"] = self.line
        return record


META_KEYS = ("title", "publisher", "published", "updated", "author")


@dataclass
class Document:
    """One article. Stages fill it in order; ``text`` never changes after ingest."""

    id: str
    text: str
    source: Source
    meta: dict[str, Any] = field(default_factory=lambda: dict.fromkeys(META_KEYS))
    blocks: list[Block] = field(default_factory=list)
    fragments: list[Fragment] = field(default_factory=list)
    foreign: list[ForeignRun] = field(default_factory=list)
    clean_text: str = ""
    clean_map: list[tuple[int, int, int]] = field(default_factory=list)
    # Inserted glosses [clean_start, clean_end, text_start, text_end]; not written out.
    clean_inserted: list[tuple[int, int, int, int]] = field(default_factory=list)
    entities: list[Any] = field(default_factory=list)  # entities.Entity
    boilerplate_entities: list[Any] = field(default_factory=list)
    claims: list[Any] = field(default_factory=list)  # claims.Claim
    stats: dict[str, Any] = field(default_factory=dict)

    def span(self, start: int, end: int) -> Span:
        return Span.of(self.text, start, end)
