"""py-spy flame graphs, for finding where a missed target's time goes (``--profile DIR``).

Each worker process is recorded from its start to its end; this process (the driver: intake,
the API, the simulated people) for the duration of each benchmark. Samples are taken only
while a thread holds the GIL, so the graphs show Python CPU time, not waiting.
"""

import os
import shutil
import signal
import subprocess
import sysconfig
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


def spy(pid: int, output: Path) -> subprocess.Popen[bytes]:
    """Record ``pid`` into the flame graph ``output`` until it exits or is interrupted."""
    beside = Path(sysconfig.get_paths()["scripts"]) / "py-spy"  # the venv's, as pip put it
    binary = str(beside) if beside.exists() else shutil.which("py-spy")
    if binary is None:
        raise RuntimeError("py-spy is missing: pip install -e '.[bench]'")
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--gil", "--nonblocking", "--format",
         "flamegraph", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def finish(recorder: subprocess.Popen[bytes]) -> None:
    """Stop a recording (py-spy writes its graph on SIGINT) and wait for the file."""
    if recorder.poll() is None:
        recorder.send_signal(signal.SIGINT)
    recorder.wait()


@asynccontextmanager
async def profiling(directory: Path | None, name: str) -> AsyncIterator[None]:
    """Record this process during the block into ``directory/<name>-driver.svg``."""
    if directory is None:
        yield
        return
    recorder = spy(os.getpid(), directory / f"{name}-driver.svg")
    try:
        yield
    finally:
        finish(recorder)
