"""Layers import only downwards: the foundation imports none of the others, the contracts only
the foundation, and so on up to the entry points. A module that reaches up (the web app into
the workflows, the foundation into the CLI) fails here, naming the import."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
# Each package with the packages below it that it may import (besides itself).
MAY_IMPORT = {
    "ombudsflow": set(),
    "schemas": {"ombudsflow"},
    "store": {"ombudsflow", "schemas"},
    "activities": {"ombudsflow", "schemas", "store"},
    "workflows": {"ombudsflow", "schemas", "activities"},
    "cases": {"ombudsflow", "schemas", "store", "activities"},
    "workers": {"ombudsflow", "schemas", "store", "activities", "workflows"},
    "web": {"ombudsflow", "schemas", "store", "activities", "cases"},
    "commands": {"ombudsflow", "schemas", "store", "activities", "workflows", "cases",
                 "workers", "web"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(MAY_IMPORT)


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_a_package_imports_only_the_layers_below_it(package: str) -> None:
    reaching_up = {
        f"{path.relative_to(ROOT)} imports {imported}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for imported in _imports(path) - MAY_IMPORT[package] - {package}
    }
    assert not reaching_up, sorted(reaching_up)
