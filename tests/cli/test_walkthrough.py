"""The README's walk-through and examples/README.md, run as written against ``ombudsflow run``
in an empty folder, with the demo sign-ins and keys it prints: every command succeeds, as the
person signed in. Only what a reader fills in is filled in: the demo keys, the password typed
at the prompt (given on stdin here), and the case number the report opened.

And what ``ombudsflow run`` leaves in var/ is its user's alone."""

import re
import shlex
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_devstack import COMMAND_TIMEOUT, Stack, stack_env  # noqa: F401

ROOT = Path(__file__).parents[2]
EXAMPLE_CASE = "AKT-2026-000001"
PLACEHOLDER = re.compile(r"<([a-z0-9-]+) key>")


def walk_through(readme: Path) -> list[str]:
    """The commands of the ``sh`` block that signs in, as lines a shell runs: continuation
    lines joined, comments and the lines of terminal 1 and the venv dropped."""
    blocks = re.findall(r"```sh\n(.*?)```", readme.read_text(), re.DOTALL)
    block = next(b for b in blocks if "ombudsflow login" in b)
    lines = block.replace("\\\n", " ").splitlines()
    commands = [line.split("  #")[0].strip() for line in lines]
    return [c for c in commands if c and not c.startswith(("make ", ". ", "source "))]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("readme", ["README.md", "examples/README.md"])
def test_the_walk_through_works_as_written_with_the_demo_users(
    readme: str, tmp_path: Path, stack_env: dict[str, str]  # noqa: F811
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    commands = walk_through(ROOT / readme)
    bin_dir = str(Path(sys.executable).parent)  # where `ombudsflow` is installed
    env = stack_env | {"PATH": f"{bin_dir}:{stack_env['PATH']}"}

    stack = Stack(tmp_path, env)
    try:
        stack.wait_for_line("Ombudsflow is running.")
        stack.wait_for_web_app()
        demo = stack.credentials()
        case_id, exports, ran = EXAMPLE_CASE, [], []
        for command in commands:
            line = PLACEHOLDER.sub(lambda m: demo["api_keys"][m.group(1)], command)
            line = line.replace(EXAMPLE_CASE, case_id)
            if line.startswith("export "):  # kept for the commands after it, as in a terminal
                exports.append(line)
                continue
            words = shlex.split(line)
            password = ""
            if words[:2] == ["ombudsflow", "login"]:  # what the person types at the prompt
                line += " --password-stdin"
                password = demo["passwords"][words[2]]
            done = subprocess.run(
                ["bash", "-c", "\n".join([*exports, line])], cwd=tmp_path, env=env,
                input=password, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
                check=False)
            ran.append((command, done))
            assert (done.returncode, done.stderr) == (0, ""), f"{command}\n{done.stdout}"
            opened = re.search(r"^case (\S+) opened$", done.stdout, re.MULTILINE)
            case_id = opened.group(1) if opened else case_id
        var = tmp_path / "var"
        modes = {p.name: mode(p) for p in var.iterdir() if p.name.endswith((".db", "-wal", "-shm"))}
        var_mode = mode(var)
    finally:
        assert stack.stop() == 0, stack.stderr()

    shown = next(done.stdout for command, done in ran if command.startswith("ombudsflow case show"))
    assert re.search(rf"^case {case_id}: .*, received 2026-11-20 09:30 \(UTC\+05:00\)$", shown,
                     re.MULTILINE), shown
    assert re.search(r"^¶10\.2 +preventive_talk +done .* cw\.aktobe$", shown, re.MULTILINE), shown
    assert var_mode == 0o700
    assert {"ombudsflow.db", "temporal.db"} <= set(modes)
    assert set(modes.values()) == {0o600}, modes
