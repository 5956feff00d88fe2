"""``make bench``: throughput and peak memory of the full pipeline over ``corpus/``.

Measured here, never asserted in tests. Model loading (jieba, CC-CEDICT, OpenCC) is timed
separately from steady-state processing.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from pipeline.core import annotate
from pipeline.ingest import SUFFIX_FORMATS, Article, ingest_bytes, ingest_path
from pipeline.settings import DEFAULT_SETTINGS
from pipeline.write import dumps, to_record


def load_articles(corpus: Path) -> list[Article]:
    articles = []
    for path in sorted(corpus.rglob("*")):
        if path.suffix.lower() in SUFFIX_FORMATS:
            articles.extend(a for a in ingest_path(path, DEFAULT_SETTINGS)
                            if isinstance(a, Article))
    return articles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=Path("corpus"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    articles = load_articles(args.corpus)
    started = time.perf_counter()
    annotate(articles[0])
    warmup = time.perf_counter() - started
    chars = sum(len(article.text) for article in articles) * args.rounds
    started = time.perf_counter()
    for _ in range(args.rounds):
        for article in articles:
            dumps(to_record(annotate(article)))
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    documents = len(articles) * args.rounds
    print(f"first document (loads jieba, CC-CEDICT, OpenCC): {warmup:.2f} s")
    print(f"{documents} documents, {chars:,} chars in {elapsed:.2f} s: "
          f"{documents / elapsed:.1f} docs/s, {chars / elapsed / 1000:.0f}k chars/s")
    print(f"peak resident memory: {peak_mib:.0f} MiB")
    # Worst cases for the company and claim stages: back-to-back names, pairs and amounts.
    for piece in ("Hong Kong Stock Exchange (HKEX) ", "StepFun (阶跃星辰) ",
                  "3 to 4 billion yuan, 1,000 ", "Alpha rose 5%; Beta fell 3%; "):
        for size in (50_000, 200_000):
            text = piece * (size // len(piece))
            (article,) = ingest_bytes(text.encode("utf-8"), doc_id="dense", fmt="txt",
                                      path=None, settings=DEFAULT_SETTINGS)
            assert isinstance(article, Article)
            started = time.perf_counter()
            annotate(article)
            print(f"dense {piece.strip()!r} x {size // 1000} KB: "
                  f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
