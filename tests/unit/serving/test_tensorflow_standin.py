"""A model without TensorFlow components is served without loading TensorFlow: Rasa imports
and starts with the stand-in, any real use of TensorFlow raises, a library probing for it finds
none; and the stand-in is used only when every component of the model is known to need none."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Iterable, List

import pytest

from serving import tensorflow_standin
from serving.tensorflow_standin import TENSORFLOW_FREE_COMPONENTS, decide

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import os, sys
from serving import tensorflow_standin as standin
assert standin.install()
import rasa.__main__, rasa.core.run, rasa.core.agent, rasa.engine.recipes.default_components
import rasa.utils.tensorflow.environment as tf_env
os.environ["TF_INTER_OP_PARALLELISM_THREADS"] = "1"
os.environ["TF_INTRA_OP_PARALLELISM_THREADS"] = "2"
tf_env.setup_tf_environment()  # what `rasa run` does at start, with our thread settings
import tensorflow as tf
assert isinstance(tf, standin._StandInModule), type(tf)
try:
    tf.config.list_physical_devices("GPU")  # what Rasa calls when a GPU is configured
except standin.TensorFlowNotLoaded as error:
    assert "tensorflow.config.list_physical_devices was called" in str(error), error
else:
    raise AssertionError("a TensorFlow call did not raise")
with open("/proc/self/maps") as maps:
    assert "libtensorflow" not in maps.read(), "the TensorFlow library was loaded"
try:
    tf.constant([1.0])
except standin.TensorFlowNotLoaded as error:
    assert "tensorflow.constant was called" in str(error), error
else:
    raise AssertionError("a TensorFlow call did not raise")
from rasa.utils.tensorflow.models import RasaModel  # a class made on a stood-in base
try:
    RasaModel.batch_to_model_data  # a plain attribute of Rasa's own class
    tf.keras.Model()
except standin.TensorFlowNotLoaded:
    pass
else:
    raise AssertionError("a Keras model was made")
import thinc.compat  # spaCy's layer library probes for TensorFlow
assert thinc.compat.has_tensorflow is False
try:
    import tensorflow.experimental.dlpack
except ImportError:
    pass
else:
    raise AssertionError("a module that is not stood in was found")
print("served without tensorflow")
"""


def test_rasa_imports_and_starts_with_the_stand_in_and_any_real_use_raises() -> None:
    """In a fresh interpreter (this one may have imported TensorFlow): fails when Rasa
    imports a TensorFlow module the stand-in does not cover, or uses one at import."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=300,
                          env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                               "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "served without tensorflow" in done.stdout


def test_install_does_nothing_where_tensorflow_is_already_imported(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorflow", object())
    before = list(sys.meta_path)
    assert tensorflow_standin.install() is False
    assert sys.meta_path == before


def test_a_stand_in_can_be_subclassed_and_its_calls_raise() -> None:
    base = tensorflow_standin.stand_in("tensorflow.keras.Model")

    class Model(base):  # type: ignore[misc, valid-type]
        def answer(self) -> int:
            return 42

    assert Model().answer() == 42
    with pytest.raises(tensorflow_standin.TensorFlowNotLoaded, match=r"keras\.Model was called"):
        base()
    with pytest.raises(tensorflow_standin.TensorFlowNotLoaded,
                       match=r"keras\.layers\.Dense was called"):
        tensorflow_standin.stand_in("tensorflow.keras").layers.Dense(3)


def model_archive(path: Path, components: Iterable[str]) -> Path:
    """A model archive holding only the metadata Rasa writes (its predict graph's nodes)."""
    metadata = {"predict_schema": {"nodes": {
        f"node{i}": {"uses": name, "fn": "process"} for i, name in enumerate(components)}}}
    data = json.dumps(metadata).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("/metadata.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


OURS = sorted(TENSORFLOW_FREE_COMPONENTS)
DIET = "rasa.nlu.classifiers.diet_classifier.DIETClassifier"


def argv(*extra: str) -> List[str]:
    return ["--enable-api", "--port", "5005", *extra]


@pytest.mark.parametrize(("components", "stand_in", "reason"), [
    (OURS, True, "uses no TensorFlow"),
    (OURS[:3], True, "uses no TensorFlow"),
    ([*OURS, DIET], False, f"the model uses {DIET}"),
    (["rasa.core.policies.ted_policy.TEDPolicy", DIET], False,
     f"uses rasa.core.policies.ted_policy.TEDPolicy, {DIET}"),
])
def test_the_stand_in_is_used_only_when_every_component_is_known_free(
        tmp_path: Path, components: List[str], stand_in: bool, reason: str) -> None:
    archive = model_archive(tmp_path / "models" / "m.tar.gz", components)
    decision = decide(argv("--model", str(archive)), {})
    assert decision.stand_in is stand_in
    assert reason in decision.reason


def test_a_models_folder_means_its_newest_model_as_rasa_takes_it(tmp_path: Path) -> None:
    old = model_archive(tmp_path / "models" / "old.tar.gz", [DIET])
    new = model_archive(tmp_path / "models" / "new.tar.gz", OURS)
    os.utime(old, (1_000_000, 1_000_000))
    assert decide(argv("--model", str(tmp_path / "models")), {}).stand_in
    os.utime(old, None)
    os.utime(new, (1_000_000, 1_000_000))
    assert not decide(argv("-m", str(tmp_path / "models")), {}).stand_in


@pytest.mark.parametrize(("extra", "env", "reason"), [
    ([], {"RASA_LOAD_TENSORFLOW": "1"}, "RASA_LOAD_TENSORFLOW is set"),
    (["--remote-storage", "aws"], {}, "remote storage"),
    (["--endpoints", "{endpoints_with_model_server}"], {}, "a model server"),
    (["--model", "{missing}"], {}, "could not be read (ModelNotFound)"),
    (["--model", "{not_an_archive}"], {}, "could not be read"),
    (["--model", "{without_metadata}"], {}, "could not be read (KeyError)"),
])
def test_tensorflow_is_loaded_when_the_model_cannot_be_vouched_for(
        tmp_path: Path, extra: List[str], env: dict, reason: str) -> None:
    good = model_archive(tmp_path / "models" / "m.tar.gz", OURS)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("models:\n  url: http://models.example/model.tar.gz\n")
    garbage = tmp_path / "garbage.tar.gz"
    garbage.write_bytes(b"not a tar file")
    empty = tmp_path / "empty.tar.gz"
    with tarfile.open(empty, "w:gz"):
        pass
    places = {"endpoints_with_model_server": str(endpoints), "missing": str(tmp_path / "no"),
              "not_an_archive": str(garbage), "without_metadata": str(empty)}
    extra = [e.format(**places) for e in extra]
    if "--model" not in extra:
        extra += ["--model", str(good)]
    decision = decide(argv(*extra), env)
    assert decision.stand_in is False
    assert reason in decision.reason


def test_apply_remembers_its_decision_for_the_start_up_log(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tensorflow_standin, "_applied", None)
    monkeypatch.setattr(tensorflow_standin, "install", lambda: False)  # TF already here
    archive = model_archive(tmp_path / "m.tar.gz", OURS)
    decision = tensorflow_standin.apply(argv("--model", str(archive)), {})
    assert decision.stand_in is False and "already imported" in decision.reason
    assert tensorflow_standin.applied() == decision


def test_the_projects_pipeline_and_policies_are_all_known_free() -> None:
    """The project's config.yml, component by component, against the list: a component
    added to it that is not on the list would bring TensorFlow back silently."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    names = [c["name"] for c in config["pipeline"] + config["policies"]]
    short = {path.rsplit(".", 1)[1] for path in TENSORFLOW_FREE_COMPONENTS}
    missing = [n for n in names if n not in TENSORFLOW_FREE_COMPONENTS and n not in short]
    assert missing == []
