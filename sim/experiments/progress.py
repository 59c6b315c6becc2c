"""Progress of long work on stderr, shared by batch, sensitivity, audit, validate and calibrate.

On a terminal: a transient rich bar (done of total, rate, elapsed, time left) that disappears
when the work ends, leaving one line. Elsewhere (a log file, a pipe, CI): a plain line at most every
``interval`` seconds and one at the end, never one per chunk. ``quiet`` prints nothing.

    with Progress(total, label="runs") as p:
        for chunk in work:
            ...
            p.advance(len(chunk))
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import IO, Any

#: Seconds between two plain progress lines (not a terminal).
INTERVAL = 5.0


def _duration(seconds: float) -> str:
    if seconds != seconds or seconds == float("inf"):  # NaN or unknown
        return "?"
    s = int(round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """A progress bar with ETA on a terminal; a line every few seconds otherwise.

    Args:
        total: units of work in all (runs, particles, variants, stages).
        done: units already done when this session starts (a resumed or extended batch).
        quiet: print nothing.
        label: what a unit is, e.g. ``runs``.
        interval: seconds between plain lines when stderr is not a terminal.
        stream: where to write (default stderr).
        tty: force the terminal (True) or plain (False) form; default: ask the stream.
        clock: a monotonic clock (tests pass a fake one).
    """

    def __init__(self, total: int, done: int = 0, quiet: bool = False, *, label: str = "runs",
                 interval: float = INTERVAL, stream: IO[str] | None = None,
                 tty: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.total, self.done, self.quiet, self.label = int(total), int(done), quiet, label
        self.interval, self.clock = interval, clock
        self.stream = stream if stream is not None else sys.stderr
        self.t0 = clock()
        self.start_done = self.done
        self.last_line = self.t0
        self.lines = 0  # plain lines written
        self.bar: Any = None
        self.closed = False
        #: True once a write found the output pipe closed (the caller re-raises when done)
        self.broken = False
        if quiet:
            return
        is_tty = tty if tty is not None else bool(getattr(self.stream, "isatty", lambda: False)())
        if is_tty:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self.bar = RichProgress(
                TextColumn(f"[bold]{label}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=True,
            )
            self.task = self.bar.add_task(label, total=self.total, completed=self.done, rate="")
            self.bar.start()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def rate(self) -> float:
        """Units per second in this session."""
        dt = self.clock() - self.t0
        return (self.done - self.start_done) / dt if dt > 0 else 0.0

    def eta(self) -> float:
        """Seconds left at the current rate (NaN before any unit is done)."""
        r = self.rate()
        return (self.total - self.done) / r if r > 0 else float("nan")

    def line(self) -> str:
        """The plain progress line."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        return (f"  {self.label}: {self.done:,}/{self.total:,} ({pct:.0f}%), "
                f"{self.rate():,.1f}/s, elapsed {_duration(self.clock() - self.t0)}, "
                f"left {_duration(self.eta())}")  # fmt: skip

    def advance(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.done += int(n)
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.update(
                self.task, completed=self.done, rate=f"{self.rate():,.1f} {self.label}/s"
            )
            return
        now = self.clock()
        if now - self.last_line >= self.interval and self.done < self.total:
            self._write(self.line())
            self.last_line = now

    def log(self, message: str) -> None:
        """A message above the bar (or a plain line), unless quiet."""
        if self.quiet:
            return
        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            print(message, file=self.stream, flush=True)

    def _write(self, text: str) -> None:
        try:
            print(text, file=self.stream, flush=True)
        except BrokenPipeError:
            # the reader went away (``| head -1``): stop writing, let the caller finish its
            # files first and then report the closed pipe (see ``broken``)
            self.broken = True
            self.quiet = True
            return
        self.lines += 1

    def close(self) -> None:
        """Remove the bar (on a terminal) and write the final line."""
        if self.closed:
            return
        self.closed = True
        if self.bar is not None:
            self.bar.stop()  # the bar goes; one line stays to say what was done, how fast
        if not self.quiet and self.done > self.start_done:
            self._write(self.line())
