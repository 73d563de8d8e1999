"""``ombudsflow run`` from an empty folder: the real dev server and worker come up on free
ports, a report submitted through the command opens a case, the worker's and the web app's
metrics count it, SIGTERM stops everything, and the case is still there after a restart; and
when the server cannot start, the command says why.
"""

import contextlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.support.factories import report_data
from tests.support.metrics import Scrape
from tests.support.ports import free_port

START_TIMEOUT = 60.0
# The Temporal SDK's worker metrics a case's first steps record (its histograms in ms).
WORKER_METRICS = {
    "temporal_workflow_task_execution_latency_bucket",
    "temporal_workflow_task_schedule_to_start_latency_bucket",
    "temporal_workflow_task_replay_latency_bucket",
    "temporal_activity_execution_latency_bucket",
    "temporal_activity_schedule_to_start_latency_bucket",
    "temporal_activity_succeed_endtoend_latency_bucket",
    "temporal_sticky_cache_size",
    "temporal_worker_task_slots_available",
}
STOP_TIMEOUT = 45.0
COMMAND_TIMEOUT = 60.0


def refuses_connections(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


class Stack:
    """``ombudsflow run`` as a child process, its stdout read line by line in a thread."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env = folder, env
        self.log = (folder / "stack.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "commands.main", "run"], cwd=folder, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self.log, text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for_line(self, text: str) -> str:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if text in line:
                return line
        raise AssertionError(f"no {text!r} from the stack; its log:\n{self.stderr()}")

    def wait_for_web_app(self) -> None:
        """Until the web app answers: the banner comes once Temporal does, and the web app
        (which the CLI's case commands call) takes a moment more to listen."""
        health = f"{self.env['OMBUDSFLOW_PUBLIC_BASE_URL']}/api/v1/health"
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(health, timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"the web app never answered at {health}:\n{self.stderr()}")

    def worker_metrics(self, expected: set[str]) -> Scrape:
        """The worker's metrics once they have ``expected`` (a scrape shows what the SDK has
        recorded so far)."""
        url = f"http://{self.env['OMBUDSFLOW_WORKER_METRICS_ADDRESS']}/metrics"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            scraped = Scrape(httpx.get(url, timeout=10).text)
            if scraped.names() >= expected or time.monotonic() > deadline:
                return scraped
            time.sleep(0.2)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_TIMEOUT)
        finally:
            self.log.close()

    def stderr(self) -> str:
        self.log.flush()
        return (self.folder / "stack.log").read_text(errors="replace")

    def command(self, *argv: str, stdin: str = "", env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "commands.main", *argv], cwd=self.folder,
            env=self.env | (env or {}), input=stdin, capture_output=True, text=True,
            timeout=COMMAND_TIMEOUT, check=False,
        )

    def credentials(self) -> dict[str, dict[str, str]]:
        """The demo sign-ins and keys ``ombudsflow run`` created."""
        found: dict[str, dict[str, str]] = json.loads(
            (self.folder / "var" / "demo-credentials.json").read_text())
        return found


@pytest.fixture
def stack_env(tmp_path: Path) -> dict[str, str]:
    """This environment without any OMBUDSFLOW_* setting, plus free ports for Temporal and
    the web app, and a config directory (the CLI's sign-in) of the test's own."""
    web_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMBUDSFLOW_")}
    return env | {
        "OMBUDSFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}",
        "OMBUDSFLOW_TEMPORAL_UI_URL": f"http://127.0.0.1:{free_port()}",
        "OMBUDSFLOW_WEB_PORT": str(web_port),
        "OMBUDSFLOW_WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "OMBUDSFLOW_PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "OMBUDSFLOW_LOG_LEVEL": "WARNING",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }


def test_run_starts_the_dev_stack_stops_on_sigterm_and_keeps_cases(
    tmp_path: Path, stack_env: dict[str, str]
) -> None:
    (tmp_path / "report.json").write_text(json.dumps(report_data(external_ref="RUN-1")))
    grpc_port = int(stack_env["OMBUDSFLOW_TEMPORAL_ADDRESS"].rpartition(":")[2])

    stack = Stack(tmp_path, stack_env)
    try:
        stack.wait_for_line("Ombudsflow is running.")
        ui = stack.wait_for_line("Temporal UI")
        stack.wait_for_web_app()
        demo = stack.credentials()
        submitted = stack.command("report", "submit", "report.json", env={
            "OMBUDSFLOW_API_KEY": demo["api_keys"]["helpline-111"]})
        opened = re.search(r"^case (\S+) opened$", submitted.stdout, re.MULTILINE)
        assert opened, submitted.stdout + submitted.stderr
        case_id = opened.group(1)
        signed_in = stack.command("login", "cw.aktobe", "--password-stdin",
                                  stdin=demo["passwords"]["cw.aktobe"])
        assert signed_in.returncode == 0, signed_in.stderr
        shown = stack.command("case", "show", case_id)
        worker_metrics = stack.worker_metrics(WORKER_METRICS)
        web_metrics = Scrape(httpx.get(f"{stack_env['OMBUDSFLOW_PUBLIC_BASE_URL']}/metrics",
                                       timeout=10).text)
    finally:
        first_exit = stack.stop()

    assert stack_env["OMBUDSFLOW_PUBLIC_BASE_URL"] + "/temporal/namespaces/default/workflows" in ui
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    assert "¶10.2" in shown.stdout
    # The worker's metrics are the SDK's, on its own port, for the stack's task queue.
    assert worker_metrics.names(task_queue="ombudsflow-cases") >= WORKER_METRICS
    assert case_id not in worker_metrics.text
    # The web app's count the report by its route, and the case read by its template.
    assert web_metrics.value("ombudsflow_http_requests_total", method="POST",
                             route="/api/v1/reports", status="201") == 1
    assert web_metrics.value("ombudsflow_http_requests_total", method="GET",
                             route="/api/v1/cases/{case_id}", status="200") >= 1
    assert case_id not in web_metrics.text
    assert first_exit == 0, stack.stderr()
    assert refuses_connections(grpc_port)
    assert {p.name for p in (tmp_path / "var").iterdir()} >= {
        "keys.json", "temporal.db", "ombudsflow.db", "temporal.log", "mail"}

    again = Stack(tmp_path, stack_env)
    try:
        again.wait_for_line("Ombudsflow is running.")
        again.wait_for_web_app()
        after_restart = again.command("case", "show", case_id)
    finally:
        second_exit = again.stop()

    assert after_restart.returncode == 0 and after_restart.stderr == "", after_restart.stderr
    assert after_restart.stdout.startswith(f"case {case_id}: ")
    assert second_exit == 0, again.stderr()
    assert refuses_connections(grpc_port)


def test_run_says_why_when_the_dev_server_cannot_start(
    tmp_path: Path, stack_env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "commands.main", "run"], cwd=tmp_path,
            env=stack_env | {"OMBUDSFLOW_TEMPORAL_ADDRESS": f"127.0.0.1:{port}"},
            capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
        )

    assert result.returncode == 1
    assert result.stderr == (
        "error: the Temporal dev server exited with code 1; see var/temporal.log\n")
    assert "address already in use" in (tmp_path / "var" / "temporal.log").read_text()
