"""Dependencies point one way (DESIGN.md): ui/cli -> services -> store -> domain; drivers and
labels import nothing from wms_tui. Each layer is imported alone in a fresh interpreter and the
modules it pulled in are inspected. The UI reaches the database only through services: its own
modules' imports are read (services import the store, so a loaded-modules check cannot say)."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PROBE = """
import importlib, json, pkgutil, sys
package = importlib.import_module(sys.argv[1])
for info in pkgutil.walk_packages(package.__path__, sys.argv[1] + "."):
    if ".migrations." not in info.name:  # Alembic scripts run only inside Alembic
        importlib.import_module(info.name)
print(json.dumps(sorted(sys.modules)))
"""

RULES = {
    "drivers": ("wms_tui", "textual", "sqlalchemy", "sqlmodel", "labels"),
    "labels": ("wms_tui", "textual", "sqlalchemy", "sqlmodel", "drivers"),
    "wms_tui.domain": ("wms_tui.store", "wms_tui.services", "wms_tui.ui", "wms_tui.cli", "sqlalchemy", "sqlmodel", "textual"),
    "wms_tui.store": ("wms_tui.services", "wms_tui.ui", "wms_tui.cli", "textual"),
    "wms_tui.services": ("wms_tui.ui", "wms_tui.cli", "textual", "wms_tui.sync", "wms_tui.central"),
    # Sync and the central service use services, store and domain; neither imports the other
    # (they meet only over HTTP), nor the UI.
    "wms_tui.sync": ("wms_tui.ui", "wms_tui.cli", "wms_tui.commands", "wms_tui.central", "textual", "starlette", "uvicorn"),
    "wms_tui.central": ("wms_tui.ui", "wms_tui.cli", "wms_tui.commands", "wms_tui.sync", "textual", "httpx"),
    "wms_tui.ui": ("wms_tui.cli", "wms_tui.commands", "wms_tui.bench"),
}

# What a module of wms_tui.ui may not import itself: it calls services (and gets its engine from
# wms_tui.runtime), it does not query.
UI_BANNED = ("wms_tui.store", "wms_tui.cli", "wms_tui.commands", "wms_tui.bench", "sqlalchemy", "sqlmodel")


@pytest.mark.parametrize("layer", RULES)
def test_layer_imports_point_one_way(layer):
    result = subprocess.run([sys.executable, "-c", PROBE, layer], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    offending = sorted(
        name for name in loaded for banned in RULES[layer] if name == banned or name.startswith(banned + ".")
    )
    assert offending == [], f"{layer} must not import {offending}"


def imported_names(path: Path) -> set[str]:
    """Every module a source file imports, at the top or inside a function ("from a import b"
    counts as a and as a.b: b may be a module)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_ui_modules_reach_the_database_only_through_services():
    modules = sorted((ROOT / "wms_tui" / "ui").rglob("*.py"))
    assert modules
    offending = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_names(path)
                                            for banned in UI_BANNED if name == banned or name.startswith(banned + "."))
        for path in modules
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_the_ui_rule_sees_a_store_import(tmp_path):
    module = tmp_path / "screen.py"
    module.write_text("def show():\n    from wms_tui.store import models\n    import sqlmodel\n")
    assert {"wms_tui.store", "wms_tui.store.models", "sqlmodel"} <= imported_names(module)
