from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from actions import dependencies
from store.db import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'clinic.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def deps(database: Database) -> Iterator[dependencies.Dependencies]:
    built = dependencies.build(database)
    dependencies.use(built)
    yield built
    dependencies.use(None)
