"""``make bench``: bipipe against the baselines a user would compare it with, in one run.

Builds (once, deterministically) a corpus of about 1,000 varied articles, about 5 MB, from
``corpus/``, then measures side by side:

- ``bipipe run`` with 1 and 2 workers, as a user runs it (a fresh process: model loading,
  reading and writing included): documents/s, MB/s, time to the first output file, and
  the peak resident memory of every process of the run;
- the bare default spaCy pipeline and a hand-written equivalent (spaCy + langdetect +
  jieba + CC-CEDICT) over the same texts, model loading excluded (``baselines.py``);
- the fragment detector alone against a plain regex scan for Han characters;
- dense worst cases for the entity and claim stages;
- ``bipipe report`` and each ``bipipe export`` over the 1-worker run's folder (``--views``
  measures only these, over a fresh run, and updates that part of ``results.json``).

It prints the ratios against the targets of issue 4 and writes ``benchmarks/results.json``.
Measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script, so this folder is on sys.path.
from baselines import Result, bare_spacy, detector, hand_written, regex_scan
from corpus_builder import build_corpus, corpus_files, texts

from pipeline.detect import _noun_phrase_offset

ROOT = Path(__file__).parents[1]
RESULTS = Path(__file__).parent / "results.json"
TARGETS = {  # issue 4: each measured ratio, and the least it may be
    "bipipe_vs_bare_spacy": 1.0,
    "bipipe_vs_hand_written": 1.5,
    "two_workers_vs_one": 1.7,
    "detector_vs_regex": 0.3,
}
LIMITS = {"peak_rss_mib_per_process": 600, "first_output_s": 3.0}


def bipipe_run(corpus: Path, workers: int, megabytes: float,
               keep: Path | None = None) -> dict[str, Any]:
    """One ``bipipe run`` in a fresh process, watched from outside; its output folder is
    removed after, unless it is ``keep``."""
    out = keep or Path(tempfile.mkdtemp(prefix=f"bipipe-bench-{workers}-"))
    command = [str(Path(sys.executable).parent / "bipipe"), "run", str(corpus), "--out",
               str(out), "--workers", str(workers), "--quiet", "--force"]
    started = time.perf_counter()
    run = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    first_output = None
    peaks: dict[int, int] = {}
    last_scan = 0.0
    while run.poll() is None:
        now = time.perf_counter()
        if first_output is None and next(out.glob("[!_.]*.json"), None) is not None:
            first_output = now - started
        if now - last_scan > 0.5:  # a high-water mark: sampling it now and then is enough
            last_scan = now
            for pid in [run.pid, *_descendants(run.pid)]:
                peaks[pid] = max(peaks.get(pid, 0), _peak_rss_kib(pid))
        time.sleep(0.02 if first_output is None else 0.2)
    seconds = time.perf_counter() - started
    stderr = run.stderr.read() if run.stderr else ""
    if run.returncode not in (0, 1):
        raise SystemExit(f"bipipe run failed ({run.returncode}): {stderr}")
    stats = json.loads((out / "_stats.json").read_text(encoding="utf-8"))
    if keep is None:
        shutil.rmtree(out)
    documents = stats["articles"]["total"]
    return {"workers": workers, "docs": documents, "seconds": round(seconds, 2),
            "docs_per_s": round(documents / seconds, 2),
            "mb_per_s": round(megabytes / seconds, 4),
            "first_output_s": round(first_output, 2) if first_output else None,
            "peak_rss_mib": sorted((round(kib / 1024) for kib in peaks.values() if kib),
                                   reverse=True),
            "failed": stats["articles"]["failed"],
            "stage_seconds": stats["seconds"]["stages"]}


def views(out: Path, articles: int) -> dict[str, dict[str, float]]:
    """``bipipe report`` and each ``bipipe export`` over a finished folder, each in a fresh
    process: seconds (loading included) and the process's peak resident memory."""
    from pipeline.export import FORMATS

    bipipe = str(Path(sys.executable).parent / "bipipe")
    scratch = Path(tempfile.mkdtemp(prefix="bipipe-bench-views-"))
    commands = {"report": ["report", str(out), "--out", str(scratch / "report")]}
    commands |= {f"export {to}": ["export", str(out), "--to", to, "--out",
                                  str(scratch / f"export.{to}")] for to in FORMATS}
    measured = {}
    for name, arguments in commands.items():
        started = time.perf_counter()
        process = subprocess.Popen([bipipe, *arguments], stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)  # wait4: this child's own peak RSS
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"bipipe {' '.join(arguments)} failed ({process.returncode})")
        measured[name] = {"seconds": round(seconds, 2),
                          "docs_per_s": round(articles / seconds, 1),
                          "peak_rss_mib": round(usage.ru_maxrss / 1024)}
        print(f"{name}: {seconds:.1f} s, {articles / seconds:.0f} docs/s, "
              f"peak RSS {usage.ru_maxrss / 1024:.0f} MiB")
    shutil.rmtree(scratch)
    return measured


def _views_only(corpus: Path, articles: int, megabytes: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bipipe-bench-views-run-"))
    bipipe_run(corpus, 2, megabytes, keep=folder)
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.exists() else {}
    results["views"] = views(folder, articles)
    results["views_measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    shutil.rmtree(folder)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)} (views only)")


def _descendants(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(entry.parent.name)
            children.extend([child, *_descendants(child)])
    return children


def _peak_rss_kib(pid: int) -> int:
    """The process's high-water mark of resident memory (Linux), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _paired_scans(texts: list[str], rounds: int) -> dict[str, Result]:
    """The regex scan and the detector, one right after the other, ``rounds`` times; the
    round with the median ratio counts (each takes a fraction of a second, so a single run
    is at the mercy of the machine). The detector forgets the clauses it parsed before
    each round: every round is a first pass over the corpus, as in a batch."""
    pairs = []
    for _ in range(rounds):
        _noun_phrase_offset.cache_clear()
        regex, found = regex_scan(texts, None), detector(texts, None)
        pairs.append((found["mb_per_s"] / regex["mb_per_s"], regex, found))
    _, regex, found = sorted(pairs, key=lambda pair: pair[0])[len(pairs) // 2]
    return {"regex_scan": regex, "detector": found}


def _rounded(result: Result) -> dict[str, float]:
    return {key: round(value, 4) for key, value in result.items()}


def _show(name: str, result: dict[str, float], articles: int) -> None:
    print(f"{name:>12}: {result['docs_per_s']:9.2f} docs/s {result['mb_per_s']:9.3f} MB/s"
          f" over {articles} articles (load {result['load_seconds']:.1f} s, not counted)")


def dense_cases() -> dict[str, float]:
    """Worst cases for the company and claim stages: back-to-back names, pairs, amounts."""
    from pipeline.core import annotate
    from pipeline.ingest import Article, ingest_bytes
    from pipeline.settings import DEFAULT_SETTINGS

    results = {}
    for piece in ("Hong Kong Stock Exchange (HKEX) ", "StepFun (阶跃星辰) ",
                  "3 to 4 billion yuan, 1,000 ", "Alpha rose 5%; Beta fell 3%; "):
        text = piece * (200_000 // len(piece))
        (article,) = ingest_bytes(text.encode("utf-8"), doc_id="dense", fmt="txt", path=None,
                                  settings=DEFAULT_SETTINGS)
        assert isinstance(article, Article)
        started = time.perf_counter()
        annotate(article)
        results[f"{piece.strip()} x 200 KB"] = round(time.perf_counter() - started, 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "benchmarks" / ".corpus",
                        help="where the generated corpus lives (built when missing)")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--megabytes", type=float, default=5.0)
    parser.add_argument("--spacy-sample", type=int, default=200,
                        help="articles the two spaCy baselines run over (rates are compared; "
                             "over all 1,000 they take about 18 minutes here)")
    parser.add_argument("--scan-rounds", type=int, default=7,
                        help="runs of the regex scan and the detector; the median counts")
    parser.add_argument("--views", action="store_true",
                        help="measure only bipipe report and the exports (over a fresh run)")
    args = parser.parse_args()
    paths = corpus_files(args.corpus) if args.corpus.is_dir() else []
    if not paths:
        paths = build_corpus(ROOT / "corpus", args.corpus, args.articles, args.megabytes)
    articles = texts(paths)
    megabytes = sum(len(text.encode("utf-8")) for text in articles) / 1_000_000
    print(f"corpus: {len(articles)} articles, {megabytes:.2f} MB of text in {args.corpus}")
    if args.views:
        _views_only(args.corpus, len(articles), megabytes)
        return

    kept = Path(tempfile.mkdtemp(prefix="bipipe-bench-1-"))
    runs = [bipipe_run(args.corpus, 1, megabytes, keep=kept),
            bipipe_run(args.corpus, 2, megabytes)]
    measured_views = views(kept, len(articles))
    shutil.rmtree(kept)
    for run in runs:
        print(f"bipipe, {run['workers']} worker(s): {run['docs_per_s']:7.2f} docs/s "
              f"{run['mb_per_s']:.3f} MB/s, first output {run['first_output_s']} s, "
              f"peak RSS per process {run['peak_rss_mib']} MiB")
    baselines = {}
    sample = articles[:args.spacy_sample]
    for name, baseline in (("bare_spacy", bare_spacy), ("hand_written", hand_written)):
        baselines[name] = _rounded(baseline(sample, None))
        _show(name, baselines[name], len(sample))
    scans = _paired_scans(articles, args.scan_rounds)
    for name in ("regex_scan", "detector"):
        baselines[name] = _rounded(scans[name])
        _show(name, baselines[name], len(articles))
    one, two = runs
    ratios = {
        "bipipe_vs_bare_spacy": one["docs_per_s"] / baselines["bare_spacy"]["docs_per_s"],
        "bipipe_vs_hand_written": one["docs_per_s"] / baselines["hand_written"]["docs_per_s"],
        "two_workers_vs_one": two["docs_per_s"] / one["docs_per_s"],
        "detector_vs_regex": baselines["detector"]["mb_per_s"]
        / baselines["regex_scan"]["mb_per_s"],
    }
    checks = {name: {"measured": round(value, 3), "target": TARGETS[name],
                     "met": value >= TARGETS[name]} for name, value in ratios.items()}
    peak = max(max(run["peak_rss_mib"]) for run in runs)
    first = max(run["first_output_s"] or float("inf") for run in runs)
    checks["peak_rss_mib_per_process"] = {"measured": peak, "target": "<= 600",
                                          "met": peak <= LIMITS["peak_rss_mib_per_process"]}
    checks["first_output_s"] = {"measured": first, "target": "<= 3.0",
                                "met": first <= LIMITS["first_output_s"]}
    print("\ntargets (bipipe with 1 worker, model loading included, against baselines "
          "with loading excluded):")
    for name, check in checks.items():
        print(f"  {name:>26}: {check['measured']:>8} (target {check['target']}) "
              f"{'met' if check['met'] else 'NOT MET'}")
    dense = dense_cases()
    for name, seconds in dense.items():
        print(f"dense {name}: {seconds} s")
    results = {
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "corpus": {"articles": len(articles), "megabytes_of_text": round(megabytes, 3)},
        "bipipe": runs, "baselines": baselines, "checks": checks, "dense_seconds": dense,
        "views": measured_views,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
