"""``python -m bench``: every benchmark in one run, then the table of figures against targets.

Sizes default to the full run of ``make bench`` (about 8 minutes on 2 cores); ``--smoke``
shrinks everything to seconds. ``--profile DIR`` records py-spy flame graphs of the workers
(and of this process) while each benchmark runs.
"""

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import secrets
import sqlite3
import subprocess
import time
from collections.abc import Awaitable, Callable
from importlib import metadata
from pathlib import Path

from bench import board, calls, intake, replay, scale, throughput
from bench.figures import Figure, read_before, table, write
from bench.profile import profiling
from bench.stack import running_stack
from commands.devstack import temporal_binary
from ombudsflow.codec import KeyRing
from ombudsflow.config import Settings
from ombudsflow.logging import configure_logging

BENCHMARKS = ("calls", "replay", "throughput", "intake", "board", "scale")
# The figures BENCHMARKS.md last recorded, to compare with: replace it with a run's --json
# when a change is kept.
BEFORE = Path(__file__).parent / "before.json"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=int, default=1_000,
                        help="open cases to start (about 5 per second settle on 2 cores)")
    parser.add_argument("--board-cases", type=int, default=100_000,
                        help="cases written into the board's store")
    parser.add_argument("--cases", type=int, default=60, help="cases per throughput run")
    parser.add_argument("--concurrency", type=int, default=20, help="cases in flight")
    parser.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds")
    parser.add_argument("--rates", default="1,5", help="intake rates, reports per second")
    parser.add_argument("--duration", type=float, default=60, help="seconds per intake rate")
    parser.add_argument("--requests", type=int, default=40, help="reads per board figure")
    parser.add_argument("--replays", type=int, default=10, help="timed replays")
    parser.add_argument("--calls", type=int, default=300, help="calls per run of a call's figure")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the case store: a SQLite file, or a fresh database on the "
                             "PostgreSQL server at 127.0.0.1:5432 (production's)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes per task queue, bare and case alike (2, as the "
                             "production compose file runs: one Python process is the ceiling "
                             "on 2 cores)")
    parser.add_argument("--max-cached-workflows", type=int,
                        default=Settings().worker_max_cached_workflows)
    parser.add_argument("--only", default=",".join(BENCHMARKS),
                        help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    parser.add_argument("--profile", type=Path, help="write py-spy flame graphs here")
    parser.add_argument("--json", type=Path, help="also write the figures here, as JSON")
    parser.add_argument("--before", type=Path, default=BEFORE,
                        help="an earlier run's --json, printed beside today's figures "
                             f"(default {BEFORE}; '' for none)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks it runs")
    args = parser.parse_args()
    args.scenario = replay.SCENARIO
    if args.smoke:
        args.scale, args.board_cases, args.cases, args.concurrency = 6, 300, 2, 2
        args.rounds, args.rates, args.duration, args.requests, args.replays = 1, "2", 2, 2, 1
        args.calls = 5
        args.scenario = "not_confirmed"
    return args


async def run(args: argparse.Namespace) -> list[Figure]:
    only = set(args.only.split(","))
    figures: list[Figure] = []
    if "calls" in only:
        figures += await _timed("calls", lambda: asyncio.to_thread(calls.measure,
                                                                    calls=args.calls))
    if "replay" in only:
        key_id = "bench-" + secrets.token_hex(4)
        keyring = KeyRing(active=key_id, keys={key_id: secrets.token_bytes(32)})
        figures += await _timed("replay", lambda: replay.measure(
            keyring, scenario=args.scenario, repeats=args.replays))
    async with running_stack(profile=args.profile, worker_processes=args.workers,
                             store=args.store) as stack:
        steps: dict[str, Callable[[], Awaitable[list[Figure]]]] = {
            "throughput": lambda: throughput.measure(
                stack, cases=args.cases, concurrency=args.concurrency, rounds=args.rounds),
            "intake": lambda: intake.measure(
                stack, rates=[float(r) for r in args.rates.split(",")],
                duration=args.duration),
            "board": lambda: board.measure(stack, cases=args.board_cases,
                                           requests=args.requests),
            "scale": lambda: scale.measure(stack, cases=args.scale,
                                           concurrency=args.concurrency * 2,
                                           max_cached_workflows=args.max_cached_workflows),
        }
        for name, step in steps.items():
            if name in only:
                async with profiling(args.profile, name):
                    figures += await _timed(name, step)
    return figures


async def _timed(name: str, step: Callable[[], Awaitable[list[Figure]]]) -> list[Figure]:
    began = time.perf_counter()
    figures = await step()
    write(f"  {name}: {time.perf_counter() - began:.0f} s")
    return figures


def machine(args: argparse.Namespace) -> str:
    """What the figures were measured on, and how the stack was laid out."""
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) \
        if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    server = subprocess.run([str(temporal_binary()), "--version"], capture_output=True,
                            text=True, check=True).stdout.strip()
    return "\n".join([
        f"machine: {os.cpu_count()} cores, {memory:.1f} GiB, {model}, {platform.system()} "
        f"{platform.release()}",
        f"software: Python {platform.python_version()}, temporalio "
        f"{metadata.version('temporalio')}, {server}, SQLite {sqlite3.sqlite_version}",
        f"layout: store on {args.store}, {args.workers} worker process(es) per task queue, "
        f"{args.max_cached_workflows:,} workflows cached in the scale run",
        f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ])


def main() -> None:
    args = arguments()
    configure_logging("WARNING")
    write(machine(args))
    began = time.perf_counter()
    figures = asyncio.run(run(args))
    write(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{time.perf_counter() - began:.0f} s in all")
    write(table(figures, read_before(args.before) if args.before.name else None))
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(f) for f in figures], indent=2))


if __name__ == "__main__":
    main()
