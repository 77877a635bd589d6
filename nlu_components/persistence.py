"""Saving and loading our NLU components' fitted objects in Rasa's model storage."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Dict


def save_objects(directory: Path, **objects: Any) -> None:
    for name, value in objects.items():
        with open(directory / f"{name}.pkl", "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load_objects(directory: Path, *names: str) -> Dict[str, Any]:
    loaded = {}
    for name in names:
        path = directory / f"{name}.pkl"
        if not path.exists():
            raise FileNotFoundError(path)
        with open(path, "rb") as handle:
            loaded[name] = pickle.load(handle)  # noqa: S301 - our own model artefact
    return loaded
