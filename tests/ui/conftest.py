from pathlib import Path

import pytest

from tests.ui.floorkit import build_template, runtime_on_copy


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("floor-template"))


@pytest.fixture
def runtime(demo_template, tmp_path):
    """The demo database copied for one test, as terminal HH1 (files may override)."""
    runtime = runtime_on_copy(demo_template, tmp_path)
    yield runtime
    runtime.close()
