"""How big a fault run is: ``SHORT`` for ``make test``, ``FULL`` for ``make faults``."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    cases: int  # cases in flight at once
    kills: int  # worker processes killed with SIGKILL, one every `kill_every` seconds
    kill_every: float
    server_down: float  # seconds the Temporal server stays stopped
    smtp_outage: float
    db_outage: float
    racing: int  # copies of one report submitted at once
    fuzz_examples: int  # generated requests per API operation and phase
    fuzz_as: tuple[str, ...]  # the people signed in for a fuzzing run each (demo users)


SHORT = Size(cases=6, kills=2, kill_every=2.5, server_down=2.0, smtp_outage=5.0,
             db_outage=5.0, racing=20, fuzz_examples=5, fuzz_as=("sv.committee",))
FULL = Size(cases=100, kills=20, kill_every=4.0, server_down=10.0, smtp_outage=240.0,
            db_outage=120.0, racing=20, fuzz_examples=30,
            fuzz_as=("cw.aktobe", "sv.committee"))
