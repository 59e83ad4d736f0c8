"""The console is a UI: it reaches the database only through the services (no store, no SQL)."""

import ast
from pathlib import Path

import wms_tui.ui.console

ALLOWED = ("wms_tui.runtime", "wms_tui.services", "wms_tui.domain", "wms_tui.ui.console", "wms_tui.config")
BANNED = ("sqlalchemy", "sqlmodel", "labels", "drivers")


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_console_modules_import_only_runtime_services_and_domain():
    folder = Path(wms_tui.ui.console.__file__).parent
    offending = {
        f"{path.name}: {name}"
        for path in folder.glob("*.py")
        for name in imported(path)
        if (name.startswith("wms_tui.") and not name.startswith(ALLOWED)) or name.split(".")[0] in BANNED
    }
    assert offending == set()
