from pathlib import Path

import pytest

from tests.ui.floorkit import build_template


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    return build_template(tmp_path_factory.mktemp("floor-template"))
