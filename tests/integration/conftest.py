from __future__ import annotations

from typing import Iterator

import pytest

from tests.integration.harness import Assistant, start_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    running = start_assistant(tmp_path_factory.mktemp("assistant"))
    yield running
    running.stop()


def pytest_collection_modifyitems(items: list) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
