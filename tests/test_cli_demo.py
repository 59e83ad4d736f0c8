"""`wms-tui --demo COMMAND` works on the demo database, as does a documented WMS_CONFIG; a
command that refuses to run leaves no empty database file behind (issue 15, item 10)."""

import re
import shutil
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from wms_tui.cli import main


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A user data dir of its own, and no config file anywhere."""
    folder = tmp_path / "data"
    monkeypatch.setenv("WMS_DATA_DIR", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    monkeypatch.delenv("WMS_CONFIG", raising=False)
    return folder


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_demo_flag_points_every_command_at_the_demo_database(data_dir, demo_template):
    data_dir.mkdir()
    shutil.copy(demo_template, data_dir / "demo.db")
    stock = run("--demo", "stock", "SKU-00001")
    assert stock.exit_code == 0, stock.output
    assert "A-01" in stock.output or "STOCK" in stock.output
    assert run("--demo", "operators", "list").exit_code == 0
    status = run("--demo", "db", "status")
    assert status.exit_code == 0 and "up to date" in status.output, status.output
    assert not (data_dir / "wms.db").exists()  # the configured database was never touched


def test_wms_config_naming_the_demo_database_does_the_same(data_dir, demo_template, tmp_path):
    data_dir.mkdir()
    shutil.copy(demo_template, data_dir / "demo.db")
    config = tmp_path / "demo.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{data_dir / "demo.db"}"\n')
    result = run("stock", "SKU-00001", env={"WMS_CONFIG": str(config)})
    assert result.exit_code == 0 and result.output == run("--demo", "stock", "SKU-00001").output


@pytest.mark.parametrize("command", [("stock", "SKU-00001"), ("operators", "list"), ("db", "status"), ("db", "check"),
                                     ("report", "valuation")])
def test_a_refused_command_leaves_no_empty_database(data_dir, command):
    result = run(*command)
    assert result.exit_code == 1, result.output
    assert "no database at" in result.output and "db upgrade" in result.output
    assert not (data_dir / "wms.db").exists()
    demo = run("--demo", *command)
    assert demo.exit_code == 1 and "demo.db" in demo.output
    assert not (data_dir / "demo.db").exists()


def test_the_package_builds_without_deprecation_warnings():
    """The first `scripts/demo` installs the project: setuptools warns about a license given as
    a table (an SPDX string needs setuptools 77) and pip about a dependency named twice."""
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    assert isinstance(project["project"]["license"], str)
    assert "setuptools>=77" in project["build-system"]["requires"]
    names = [re.split(r"[<>=!;\[ ]", requirement)[0].lower() for requirement in project["project"]["dependencies"]]
    assert len(names) == len(set(names)), names
