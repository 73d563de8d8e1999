"""``python -m faults``: run the fault scenarios and print the summary table.

    python -m faults [--short] [--store sqlite|postgresql] [SCENARIO ...]

Full size by default (``make faults``); ``--short`` is the size ``make test`` runs. The store
is PostgreSQL unless told otherwise (the database outage always is). Exit status 1 if a
scenario lost or doubled anything or went wrong otherwise; what, is listed under the table.
"""

import argparse
import asyncio
import logging
import sys
import time

from temporalio.runtime import LoggingConfig, Runtime, TelemetryConfig, TelemetryFilter

from faults.scenarios import SCENARIOS
from faults.sizes import FULL, SHORT
from faults.stack import StoreKind
from faults.tally import Outcome, table


async def run(names: list[str], *, short: bool, store: StoreKind) -> list[Outcome]:
    outcomes = []
    for name in names:
        started = time.monotonic()
        outcome = await SCENARIOS[name](SHORT if short else FULL, store)
        outcome.notes.append(f"ran {time.monotonic() - started:.0f} s")
        outcomes.append(outcome)
        _write(f"{outcome.scenario}: {'ok' if outcome.ok else 'FAILED'}")
        for line in outcome.notes:
            _write(f"  {line}")
        for line in outcome.problems:
            _write(f"  PROBLEM {line}")
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__.split("\n")[0])
    parser.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                        help=f"any of {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--short", action="store_true", help="the few-case size of make test")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="postgresql")
    args = parser.parse_args()
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"no scenario {', '.join(sorted(unknown))}")
    logging.basicConfig(level=logging.WARNING)
    # The client retries calls while a fault lasts, each retry a warning: keep the table legible.
    quiet = TelemetryFilter(core_level="ERROR", other_level="ERROR")
    Runtime.set_default(Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(filter=quiet))))
    outcomes = asyncio.run(run(args.scenarios or list(SCENARIOS), short=args.short,
                               store=args.store))
    _write("\n" + table(outcomes))
    return 0 if all(o.ok for o in outcomes) else 1


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
