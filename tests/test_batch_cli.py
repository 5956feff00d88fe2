"""The batch CLI: failures are reported and recorded, good outputs written atomically."""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

import pytest

from pipeline.batch import run_batch
from pipeline.settings import Settings
from pipeline.write import validate

GOOD = (
    "Six dragons of Chinese AI\n\n"
    "The pace of industry淘汰 (elimination) was faster than anyone anticipated.\n\n"
    "StepFun (阶跃星辰), known in the industry as one of the giants, raised money.\n"
)


def make_inputs(root: Path) -> Path:
    src = root / "in"
    (src / "nested").mkdir(parents=True)
    (src / "good.txt").write_text(GOOD, encoding="utf-8")
    (src / "empty.txt").write_bytes(b"")
    rng = random.Random(7)
    (src / "binary.txt").write_bytes(b"\x00\x00" + bytes(rng.randrange(256) for _ in range(2000)))
    (src / "big.txt").write_bytes(b"a " * 3000)
    (src / "feed.jsonl").write_text(
        "{broken\n" + json.dumps({"id": "feed-good", "text": GOOD}) + "\n", encoding="utf-8")
    (src / "paper.pdf").write_bytes(b"%PDF-1.4 not really")
    (src / "nested" / "deep.md").write_text("# A nested title\n\nThe 彻底 change came.\n",
                                            encoding="utf-8")
    return src


def errors_of(out: Path) -> list[dict[str, object]]:
    lines = (out / "_errors.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


EXPECTED_ERRORS = {"empty.txt": "[E001]", "binary.txt": "[E002]", "big.txt": "[E004]",
                   "feed.jsonl:1": "[E005]"}


def assert_one_line_per_failure(err: str) -> None:
    error_lines = [line for line in err.splitlines() if line.startswith("bipipe: error:")]
    assert len(error_lines) == len(EXPECTED_ERRORS), err
    for name, code in EXPECTED_ERRORS.items():
        assert sum(f"/{name}: {code}" in line for line in error_lines) == 1, name


def test_run_batch_logs_one_line_per_failure(tmp_path: Path) -> None:
    src = make_inputs(tmp_path)
    log = io.StringIO()
    summary = run_batch([src], tmp_path / "out", Settings(max_bytes=5000), log=log)
    assert not summary.ok
    assert_one_line_per_failure(log.getvalue())


def test_cli_error_lines_follow_sys_stderr(tmp_path: Path, run_cli) -> None:
    src = make_inputs(tmp_path)
    result = run_cli("run", str(src), "--out", str(tmp_path / "out"), "--max-bytes", "5000")
    assert "bipipe: 3 written, 4 failed" in result.err
    assert_one_line_per_failure(result.err)


def test_batch_reports_each_failure(tmp_path: Path, run_cli) -> None:
    src = make_inputs(tmp_path)
    out = tmp_path / "out"
    result = run_cli("run", str(src), "--out", str(out), "--max-bytes", "5000")
    assert result.code == 1
    assert "3 written, 4 failed" in result.err
    records = errors_of(out)
    assert {Path(str(r["input"])).name: r["code"] for r in records} == {
        "empty.txt": "E001", "binary.txt": "E002", "big.txt": "E004", "feed.jsonl:1": "E005"}
    for record in records:
        assert set(record) == {"input", "id", "code", "reason"}
        assert str(record["reason"]).startswith(f"[{record['code']}]")
    written = sorted(p.name for p in out.glob("*.json") if not p.name.startswith("_"))
    assert written == ["deep.json", "feed-good.json", "good.json"]
    for name in written:
        record = json.loads((out / name).read_text(encoding="utf-8"))
        validate(record)
        assert "淘汰" not in record["clean_text"] and "彻底" not in record["clean_text"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["written"] == 3 and stats["articles"]["failed"] == 4
    assert stats["errors"] == {"E001": 1, "E002": 1, "E004": 1, "E005": 1}
    assert stats["inputs"]["ignored_other_files"] == 1


def test_real_20_mib_file_is_rejected(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "huge.txt").write_bytes(b"a " * (10 * 1024 * 1024))
    out = tmp_path / "out"
    result = run_cli("run", str(src), "--out", str(out))
    assert result.code == 1
    assert "1 failed" in result.err
    records = errors_of(out)
    assert [r["code"] for r in records] == ["E004"]
    assert str(records[0]["input"]).endswith("huge.txt")


def test_two_runs_are_byte_identical(tmp_path: Path, run_cli) -> None:
    src = make_inputs(tmp_path)
    first, second = tmp_path / "one", tmp_path / "two"
    run_cli("run", str(src), "--out", str(first), "--max-bytes", "5000")
    run_cli("run", str(src), "--out", str(second), "--max-bytes", "5000")
    names = sorted(p.name for p in first.glob("*.json") if not p.name.startswith("_"))
    assert names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_resume_skips_done(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    (src / "b.txt").write_text(GOOD.replace("Six", "Seven"), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("run", str(src), "--out", str(out)).code == 0
    (src / "b.txt").write_text(GOOD.replace("Six", "Eight"), encoding="utf-8")
    assert run_cli("run", str(src), "--out", str(out)).code == 0  # resuming is the default
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["skipped_done"] == 1
    assert stats["articles"]["written"] == 1
    assert "Eight" in json.loads((out / "b.json").read_text(encoding="utf-8"))["text"]
    assert run_cli("run", str(src), "--out", str(out), "--force").code == 0
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["written"] == 2 and stats["articles"]["skipped_done"] == 0


@pytest.mark.parametrize("damage", ["older schema", "missing field"])
def test_resume_redoes_an_output_the_schema_rejects(tmp_path: Path, run_cli,
                                                    damage: str) -> None:
    """An output left by an older bipipe with the same version number, or edited by hand,
    is redone, not skipped (skipping one crashed the run when its fields had moved)."""
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli("run", str(src), "--out", str(out)).code == 0
    written = (out / "a.json").read_text(encoding="utf-8")
    record = json.loads(written)
    if damage == "older schema":
        record["schema_version"] = "1.0"
    else:
        del record["entities"]
    (out / "a.json").write_text(json.dumps(record), encoding="utf-8")
    assert run_cli("run", str(src), "--out", str(out)).code == 0
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["written"] == 1 and stats["articles"]["skipped_done"] == 0
    assert (out / "a.json").read_text(encoding="utf-8") == written


def test_stdin(monkeypatch: pytest.MonkeyPatch, run_cli) -> None:
    stream = io.TextIOWrapper(io.BytesIO(GOOD.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stream)
    result = run_cli("run", "-")
    assert result.code == 0
    record = json.loads(result.out)
    validate(record)
    assert record["id"] == "stdin"
    assert record["source"]["format"] == "stdin"
    assert "industry elimination was" in record["clean_text"]


def test_duplicate_ids_fail_with_e007(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in"
    for folder in ("x", "y"):
        (src / folder).mkdir(parents=True)
        (src / folder / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("run", str(src), "--out", str(out))
    assert result.code == 1
    records = errors_of(out)
    assert [(r["code"], r["id"]) for r in records] == [("E007", "a")]
    assert str(Path("y") / "a.txt") in str(records[0]["input"])
    assert (out / "a.json").exists()


def test_jsonl_id_cannot_escape_out_dir(tmp_path: Path, run_cli) -> None:
    src = tmp_path / "in"
    src.mkdir()
    lines = [json.dumps({"id": "../evil", "text": GOOD}), json.dumps({"id": "..", "text": GOOD})]
    (src / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "sub" / "out"
    assert run_cli("run", str(src), "--out", str(out)).code == 0
    outputs = [p for p in out.glob("*.json") if p.name != "_stats.json"]
    assert len(outputs) == 2
    for path in outputs:
        assert path.parent == out
        assert not path.name.startswith(".")
        record = json.loads(path.read_text(encoding="utf-8"))
        assert "/" not in record["id"] and record["id"] not in (".", "..")
    assert not list((tmp_path / "sub").glob("*.json"))



def test_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    """Hash seeds differ between processes; langdetect is seeded; nothing else may vary."""
    import os
    import subprocess

    source = tmp_path / "in"
    source.mkdir()
    (source / "a.txt").write_text(
        GOOD + "\nDies ist ein ganz normaler deutscher Absatz über Märkte, Geld und Banken.\n",
        encoding="utf-8")
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "pipeline", "run", str(source), "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outputs.append((out / "a.json").read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["blocks"][-1]["lang"] == "de"


def test_a_jsonl_feed_larger_than_the_limit_is_streamed_record_by_record(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    records = [json.dumps({"id": f"item-{n}", "text": GOOD}, ensure_ascii=False)
               for n in range(40)]
    records.insert(5, json.dumps({"id": "huge", "text": "a " * 4000}))
    feed.write_text("\n".join(records) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch([feed], out, Settings(max_bytes=6000), log=io.StringIO())
    assert summary.counts["written"] == 40
    (error,) = errors_of(out)
    assert error["input"] == f"{feed}:6" and error["code"] == "E004"
    assert json.loads((out / "item-39.json").read_text(encoding="utf-8"))["source"]["line"] == 41
