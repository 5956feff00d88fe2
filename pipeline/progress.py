"""What a long run shows while it goes: a progress bar on a terminal, a plain line every
few seconds in a log, nothing but errors with ``--quiet``."""

from __future__ import annotations

import time
from collections import Counter
from typing import TextIO


class Progress:
    def __init__(self, log: TextIO, *, quiet: bool, every: float) -> None:
        self.log, self.quiet, self.every = log, quiet, every
        self.started = self.last = time.perf_counter()
        self.bar = None
        if not quiet and log.isatty():
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: worker processes are forked
            self.bar = tqdm(file=log, unit=" doc", dynamic_ncols=True, smoothing=0.1,
                            desc="bipipe")

    def update(self, counts: Counter[str]) -> None:
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(counts["total"] - self.bar.n)
            self.bar.set_postfix(errors=counts["failed"], skipped=counts["skipped_done"],
                                 refresh=False)
            return
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            rate = counts["total"] / (now - self.started)
            print(f"bipipe: {counts['total']} articles: {counts['written']} written, "
                  f"{counts['failed']} failed, {counts['skipped_done']} skipped; "
                  f"{rate:.1f} docs/s", file=self.log, flush=True)

    def message(self, line: str) -> None:
        """An error line: always shown, above the bar when there is one."""
        if self.bar is not None:
            self.bar.write(line, file=self.log)
        else:
            print(line, file=self.log, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
