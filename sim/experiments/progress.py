"""Progress of a batch on stderr: a rich progress bar on a terminal, a log line per 10% otherwise."""

from __future__ import annotations

import sys
import time
from typing import Any


class Progress:
    """A rich progress bar (runs done, runs/s, time left) on a terminal; log lines otherwise.

    Args:
        total: runs in the batch.
        done: runs already done when this session starts (a resumed or extended batch).
        quiet: print nothing.
    """

    def __init__(self, total: int, done: int, quiet: bool) -> None:
        self.total, self.done, self.quiet = total, done, quiet
        self.t0 = time.perf_counter()
        self.start_done = done
        self.bar: Any = None
        self.last_log = -1
        if quiet:
            return
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("[bold]runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]} runs/s"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=False,
            )
            self.task = self.bar.add_task("runs", total=total, completed=done, rate="-")
            self.bar.start()

    def advance(self, n: int) -> None:
        """Count ``n`` more runs done."""
        self.done += n
        dt = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / dt if dt > 0 else 0.0
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done, rate=f"{rate:,.0f}")
        elif not self.quiet:
            pct = int(100 * self.done / max(self.total, 1)) // 10
            if pct != self.last_log:
                self.last_log = pct
                left = (self.total - self.done) / rate if rate > 0 else float("nan")
                print(f"  {self.done:,}/{self.total:,} runs, {rate:,.0f} runs/s, "
                      f"{left:,.0f} s left", file=sys.stderr, flush=True)  # fmt: skip

    def close(self) -> None:
        """Stop the bar (leaving it on screen)."""
        if self.bar is not None:
            self.bar.stop()
