"""``alignsim batch``: run an experiment file into a result store (resumable, extendable)."""

from __future__ import annotations

import argparse

NAME = "batch"
HELP = "run an experiment (sweep) into a result store; rerun to resume or extend"
DESCRIPTION = (
    "Run every design point x replication of an experiment file in chunks, in-process, in local "
    "worker processes or on a Dask cluster, into a result store folder (Parquet + manifest.json). "
    "Rerunning the same command finishes only missing chunks; a larger --replications runs only "
    "the new replications. Ends with the headline table (alignsim summary) and the store path."
)
ORDER = 40


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment file (experiments/*.toml) or its name")  # fmt: skip
    p.add_argument("--out", metavar="DIR", help="store folder (default: results/<experiment name>)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="worker processes (default: one per core, and at most that; 1 = in this "
                        "process)")  # fmt: skip
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler tcp://HOST:PORT, or 'local' for a LocalCluster")  # fmt: skip
    p.add_argument("--engine", choices=("array", "mesa"), default="array",
                   help="array engine (fast, default) or the Mesa model (same results)")  # fmt: skip
    p.add_argument("--chunk-size", type=int, metavar="N",
                   help="runs per chunk (default: adapts to the horizon and outputs, at most 20,000; memory grows with it)")  # fmt: skip
    p.add_argument("--replications", type=int, metavar="N",
                   help="replications per design point (default: the file's; more = extend)")  # fmt: skip
    p.add_argument("--trajectories", action="store_true",
                   help="also store every run's full monthly trajectory")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="discard an existing store made by another experiment or code version "
                        "(deletes only the files its manifest lists; never a folder that is not "
                        "a store)")  # fmt: skip
    p.add_argument("--pin-parameters", action="store_true",
                   help="draw no parameters: every run keeps its scenario's values, whatever the "
                        "file's [uncertainty] table says (docs/UNCERTAINTY.md)")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--no-summary", action="store_true", help="do not print the headline table")


#: Exit status when the output pipe closes (e.g. ``alignsim batch ... | head -1``): 128 + SIGPIPE.
EXIT_PIPE = 141


def run(args: argparse.Namespace) -> int:
    """The batch; if its output pipe closes, it stops with the store resumable and exit 141."""
    try:
        return _run(args)
    except BrokenPipeError:
        import os
        import sys

        devnull = os.open(os.devnull, os.O_WRONLY)  # no second error while Python exits
        for stream in (sys.stdout, sys.stderr):
            try:
                os.dup2(devnull, stream.fileno())
            except (OSError, ValueError):
                pass
        return EXIT_PIPE


def _run(args: argparse.Namespace) -> int:
    from sim.experiments.driver import run_experiment
    from sim.experiments.store import load
    from sim.results.headline import format_headline, store_headline, store_windows
    from sim.results.windows import guard_lines, horizon_guard

    store = run_experiment(
        args.experiment,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        engine=args.engine,
        chunk_size=args.chunk_size,
        replications=args.replications,
        trajectories=args.trajectories,
        force=args.force,
        quiet=args.quiet,
        pin_parameters=args.pin_parameters,
    )
    if not args.no_summary and not args.quiet:
        st = load(store)
        w = store_windows(st)
        print(format_headline(store_headline(st, w), w))
        print("\n".join(guard_lines(horizon_guard(st.runs, w, ["point"]), st.design)))
    if not args.quiet:
        print(f"store: {store}")
    return 0
