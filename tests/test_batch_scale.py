"""Batch at scale: worker processes, a real kill -9 and a rerun, Ray Data, progress, exit
codes, the run-wide files and a feed that is never read into memory whole."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import pytest
from test_batch_cli import GOOD, make_inputs

from pipeline import batch
from pipeline.batch import iter_units, run_batch
from pipeline.settings import Settings

CORPUS = Path(__file__).parents[1] / "corpus"
RUN_FILES = ("corpus.jsonl", "entities.csv", "_errors.jsonl")


def article_outputs(out: Path) -> dict[str, bytes]:
    """Every file a run leaves, but the run's timing summary."""
    return {path.name: path.read_bytes() for path in sorted(out.iterdir())
            if path.name not in ("_stats.json", ".bipipe.lock")}


def sample_inputs(root: Path, count: int) -> Path:
    """Real articles of several formats, plus the bad inputs of the CLI tests."""
    src = make_inputs(root)
    articles = sorted(p for p in CORPUS.glob("*") if p.suffix in (".txt", ".md", ".html"))
    for path in articles[:count]:
        shutil.copy(path, src / path.name)
    return src


def test_outputs_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    src = sample_inputs(tmp_path, 4)
    one, two = tmp_path / "one", tmp_path / "two"
    summaries = [run_batch([src], out, Settings(max_bytes=5000, workers=workers),
                           log=io.StringIO()) for out, workers in ((one, 1), (two, 2))]
    assert [s.counts["failed"] for s in summaries] == [4, 4]
    assert article_outputs(one) == article_outputs(two)
    assert len([p for p in one.glob("*.json") if not p.name.startswith("_")]) == 7


def test_run_wide_files_describe_every_article(tmp_path: Path) -> None:
    src = sample_inputs(tmp_path, 3)
    out = tmp_path / "out"
    run_batch([src], out, Settings(max_bytes=5000), log=io.StringIO())
    written = sorted(p.stem for p in out.glob("*.json") if not p.name.startswith("_"))
    lines = (out / "corpus.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["id"] for r in records) == written
    for record in records:  # the same record as the article's own file
        assert record == json.loads((out / f"{record['id']}.json").read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO((out / "entities.csv").read_text(encoding="utf-8"))))
    mentions: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    for record in records:
        for entity in record["entities"]:
            mentions[entity["id"]] += len(entity["mentions"])
            articles[entity["id"]] += 1
    assert {row["id"]: int(row["mentions"]) for row in rows} == dict(mentions)
    assert {row["id"]: int(row["articles"]) for row in rows} == dict(articles)
    assert list(rows[0]) == ["id", "name", "type", "wikidata", "articles", "mentions"]
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["written"] == len(written)
    assert stats["errors"] == {"E001": 1, "E002": 1, "E004": 1, "E005": 1}
    assert stats["fragments"]["total"] == sum(len(r["fragments"]) for r in records)
    assert stats["claims"]["total"] == sum(len(r["claims"]) for r in records)
    assert stats["entities"]["mentions"] == sum(mentions.values())
    blocks = stats["blocks"]
    assert blocks["total"] == blocks["kept"] + sum(blocks["dropped"].values())
    assert blocks["dropped"]["boilerplate"] > 0
    assert set(stats["seconds"]["stages"]) >= {"read", "structure", "detect", "gloss",
                                               "clean", "entities", "claims", "write"}


def test_a_rerun_after_kill_9_gives_the_complete_output(tmp_path: Path) -> None:
    """Kill the run (workers included) while it writes, rerun, and compare with a run
    that was never interrupted: nothing truncated, duplicated or lost."""
    src = sample_inputs(tmp_path, 10)
    reference, out = tmp_path / "reference", tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "run", str(src), "--max-bytes", "5000",
               "--quiet", "--workers", "2", "--out"]
    subprocess.run([*command, str(reference)], capture_output=True, check=False, timeout=600)
    run = subprocess.Popen([*command, str(out)], stderr=subprocess.PIPE,
                           start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("[!_]*.json"))) < 3:
        assert run.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    finished = list(out.glob("[!_]*.json"))
    assert 3 <= len(finished) < 12
    for path in finished:  # whatever is there is whole
        json.loads(path.read_text(encoding="utf-8"))
    assert not (out / "corpus.jsonl").exists()  # no run-wide file describes half a run
    rerun = subprocess.run([*command, str(out)], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 1  # the bad inputs of make_inputs
    assert article_outputs(out) == article_outputs(reference)
    assert not list(out.glob(".*.tmp"))
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    assert stats["articles"]["skipped_done"] == len(finished)


def test_a_worker_that_dies_costs_only_its_own_article(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_annotate = batch.annotate

    def annotate(article, settings, watch=None):  # type: ignore[no-untyped-def]
        if article.id == "poison":
            os._exit(9)  # what the kernel's OOM killer does to a worker
        return real_annotate(article, settings, watch)

    monkeypatch.setattr(batch, "annotate", annotate)  # forked workers inherit it
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "poison", "b", "c"):
        (src / f"{name}.txt").write_text(GOOD.replace("Six", name), encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch([src], out, Settings(workers=2), log=io.StringIO())
    assert summary.counts["written"] == 3
    assert [(f.id, f.code) for f in summary.failures] == [(None, "E015")]
    assert summary.failures[0].input.endswith("poison.txt")


def test_a_large_feed_is_never_read_whole(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    line = json.dumps({"text": GOOD * 20}, ensure_ascii=False) + "\n"
    with feed.open("w", encoding="utf-8") as stream:
        for _ in range(20_000):
            stream.write(line)
    assert feed.stat().st_size > 50_000_000
    tracemalloc.start()
    count = sum(1 for _ in iter_units([feed], tmp_path / "out", Settings(), Counter()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000
    assert peak < 2_000_000, peak


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_lines_in_a_log_nothing_when_quiet(tmp_path: Path) -> None:
    src = make_inputs(tmp_path)
    terminal, log, quiet = Terminal(), io.StringIO(), io.StringIO()
    run_batch([src], tmp_path / "a", Settings(max_bytes=5000), log=terminal)
    run_batch([src], tmp_path / "b", Settings(max_bytes=5000, progress_every=0), log=log)
    run_batch([src], tmp_path / "c", Settings(max_bytes=5000, quiet=True), log=quiet)
    assert "doc/s" in terminal.getvalue() and "errors=4" in terminal.getvalue()
    assert "bipipe: 7 articles: 3 written, 4 failed, 0 skipped;" in log.getvalue()
    assert "docs/s" in log.getvalue()
    for stream in (terminal, log, quiet):  # errors are shown in every mode
        assert stream.getvalue().count("bipipe: error:") == 4
    assert "articles:" not in quiet.getvalue()


def test_exit_codes(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    assert run_cli("run", str(src), "--out", str(tmp_path / "ok")).code == 0
    (src / "empty.txt").write_bytes(b"")
    assert run_cli("run", str(src), "--out", str(tmp_path / "some")).code == 1
    with pytest.raises(SystemExit) as usage:
        run_cli("run", str(src), "--out", str(tmp_path / "x"), "--workers", "0")
    assert usage.value.code == 2


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    fcntl = pytest.importorskip("fcntl")
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    with (out / ".bipipe.lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        result = run_cli("run", str(src), "--out", str(out))
    assert result.code == 2
    assert "another bipipe run is writing to" in result.err
    assert not (out / "a.json").exists()


def test_ray_engine_writes_the_same_bytes_as_the_local_engine(tmp_path: Path) -> None:
    pytest.importorskip("ray.data", reason="Ray is an extra: pip install '.[ray]'")
    src = sample_inputs(tmp_path, 2)
    local, distributed = tmp_path / "local", tmp_path / "ray"
    run_batch([src], local, Settings(max_bytes=5000), log=io.StringIO())
    summary = run_batch([src], distributed, Settings(max_bytes=5000, engine="ray", workers=2),
                        log=io.StringIO())
    assert summary.counts["written"] == 5 and summary.counts["failed"] == 4
    assert article_outputs(distributed) == article_outputs(local)
    stats = json.loads((distributed / "_stats.json").read_text(encoding="utf-8"))
    assert stats["engine"] == "ray"


def test_the_ray_engine_without_ray_is_a_usage_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(GOOD, encoding="utf-8")
    result = run_cli("run", str(src), "--out", str(tmp_path / "out"), "--engine", "ray")
    assert result.code == 2
    assert "pip install 'bipipe[ray]'" in result.err
