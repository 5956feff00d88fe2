"""``--engine ray``: the same units, :func:`~pipeline.batch.work` and collector as the local
engine, with Ray Data between them, so both engines write the same bytes.

The driver lists the input files; Ray tasks cut them into units (a large jsonl feed is
read line by line where it lies); an actor pool annotates them (``map_batches`` with a
class, so each actor loads the models once); outcomes come back to the driver in input
order, and the driver writes every file. On a cluster the inputs must be where every node
can read them, and bipipe installed on every node; an actor skips an article already done
only if it can see ``DIR`` too (otherwise it redoes it, and the driver writes the same bytes).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections import Counter
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from .batch import BatchError, Outcome, failed, iter_input_files, units_of, work
from .ingest import Failure, Unit
from .settings import Settings


def ray_engine(
    paths: list[Path], out: Path, settings: Settings, counts: Counter[str]
) -> Iterator[Outcome]:
    try:
        import ray
        import ray.data
    except ImportError as error:
        raise BatchError("--engine ray needs Ray Data: pip install 'bipipe[ray]'") from error
    files = [{"path": str(path)} for path in iter_input_files(paths, out, counts)]
    if not files:
        return
    started_here = not ray.is_initialized()
    if started_here:
        try:
            # One CPU more than workers: the reading tasks are light and must not wait for
            # an actor to give up a core.
            ray.init(address=settings.ray_address, include_dashboard=False,
                     logging_level=logging.ERROR, log_to_driver=False,
                     num_cpus=None if settings.ray_address else settings.workers + 1)
        except Exception as error:  # no cluster at that address, a port in use, ...
            raise BatchError(f"cannot start or join Ray: {error}") from error
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # outputs in input order, as locally
    context.enable_progress_bars = False  # bipipe shows its own
    context.target_max_block_size = 1 << 20  # units reach the actors as they are read
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    try:
        dataset = (
            ray.data.from_items(files)
            .flat_map(partial(_units_of_file, settings=settings))
            .map_batches(Annotator, batch_size=1, batch_format="numpy",
                         compute=ray.data.ActorPoolStrategy(size=settings.workers),
                         fn_constructor_kwargs={"out": str(out), "settings": settings}))
        for row in dataset.iter_rows():
            yield Outcome(**json.loads(row["outcome"]))
    finally:
        if started_here:
            ray.shutdown()


def _units_of_file(row: dict[str, Any], settings: Settings) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for unit in units_of(Path(row["path"]), settings):
        if isinstance(unit, Failure):
            rows.append({"kind": "outcome", "payload": _encode(failed(unit))})
        else:
            rows.append({"kind": "unit", "payload": json.dumps(dataclasses.asdict(unit),
                                                               ensure_ascii=False)})
    return rows


class Annotator:
    """A Ray Data actor: loads the models at its first article, once, then annotates one
    unit per call."""

    def __init__(self, out: str, settings: Settings) -> None:
        self.out, self.settings = Path(out), settings

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        outcomes = []
        for kind, payload in zip(batch["kind"], batch["payload"], strict=True):
            if kind == "outcome":
                outcomes.append(str(payload))
            else:
                unit = Unit(**json.loads(str(payload)))
                outcomes.append(_encode(work(unit, self.out, self.settings)))
        return {"outcome": outcomes}


def _encode(outcome: Outcome) -> str:
    return json.dumps(dataclasses.asdict(outcome), ensure_ascii=False)

