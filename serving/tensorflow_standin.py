"""Serves a model that uses no TensorFlow without loading TensorFlow.

Rasa 3.6 imports TensorFlow in every process that serves a model, whatever the model:
`rasa.core.agent` -> `policies.policy` -> featurizers -> `nlu.extractors.extractor` ->
`utils.train_utils` -> `utils.tensorflow.callback`, and the default component registry
imports every TensorFlow model class. This assistant's model uses none of it (logistic
regressions, rules, memoization, our spaCy pipeline), yet TensorFlow's import alone took
about 500 MB at its peak on these machines (`libtensorflow_cc` is mapped and relocated), most
of the Rasa process's memory.

When every component of the model to serve is one known to run without TensorFlow, a
stand-in takes the place of the modules Rasa imports from TensorFlow and Keras: what Rasa
does with them at import time (names to subclass and to annotate with) works, and any real
use (a call) raises `TensorFlowNotLoaded`, naming what was called, so nothing is computed on a
fake. The only calls answered are the thread settings Rasa applies at start from
`TF_INTER_OP_PARALLELISM_THREADS` / `TF_INTRA_OP_PARALLELISM_THREADS`: with no TensorFlow
there are no TensorFlow threads to size. Any other TensorFlow module (a library probing for
TensorFlow, as thinc does with `tensorflow.experimental.dlpack`) is not found, as if
TensorFlow were not installed.

TensorFlow is loaded as usual when a component is not on the list, when the model comes from
a model server or remote storage, when the model cannot be read, or when
`RASA_LOAD_TENSORFLOW=1`. A model with TensorFlow components swapped in later through
`PUT /model` fails to load with `TensorFlowNotLoaded`: restart the server to serve it.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any, FrozenSet, Mapping, Optional, Sequence

import yaml

FORCE_VARIABLE = "RASA_LOAD_TENSORFLOW"

# Graph components that run without TensorFlow (Rasa 3.6.21's code, read; and ours, which
# import none), each by the class path the model's metadata names.
TENSORFLOW_FREE_COMPONENTS: FrozenSet[str] = frozenset({
    "rasa.core.policies.ensemble.DefaultPolicyPredictionEnsemble",
    "rasa.core.policies.memoization.AugmentedMemoizationPolicy",
    "rasa.core.policies.memoization.MemoizationPolicy",
    "rasa.core.policies.rule_policy.RulePolicy",
    "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
    "rasa.graph_components.providers.domain_provider.DomainProvider",
    "rasa.graph_components.providers.rule_only_provider.RuleOnlyDataProvider",
    "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
    "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
    "rasa.nlu.extractors.entity_synonyms.EntitySynonymMapper",
    "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    "clinical_nlp.rasa_component.ClinicalEntityExtractor",
    "nlu_components.linear_intent_classifier.LinearIntentClassifier",
    "nlu_components.retrieval_selector.LinearResponseSelector",
    "policies.safety_policy.SafetyPolicy",
})

# The TensorFlow and Keras modules Rasa 3.6.21 imports when it starts a server (found by
# recording every import of them; a unit test checks the list is still enough).
STOOD_IN_MODULES: FrozenSet[str] = frozenset({
    "keras", "keras.utils", "keras.utils.control_flow_util",
    "tensorflow", "tensorflow.keras", "tensorflow.keras.backend", "tensorflow.keras.utils",
    "tensorflow.python", "tensorflow.python.eager", "tensorflow.python.eager.wrap_function",
    "tensorflow.types", "tensorflow.types.experimental",
})
TOP_LEVEL = frozenset(name.split(".")[0] for name in STOOD_IN_MODULES)


class TensorFlowNotLoaded(RuntimeError):
    """Something tried to use TensorFlow in a server started without it."""


class _StandInType(type):
    """The type of every stood-in name: an attribute is another stand-in; a call raises."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return stand_in(f"{cls.__qualname__}.{name}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.__dict__.get("_stands_in"):
            raise TensorFlowNotLoaded(
                f"{cls.__qualname__} was called, but this Rasa server runs without "
                f"TensorFlow (its model uses none). Restart it to serve a model that needs "
                f"TensorFlow, or set {FORCE_VARIABLE}=1.")
        return super().__call__(*args, **kwargs)  # a class that subclasses a stand-in


def stand_in(qualified_name: str) -> type:
    """A class standing in for a TensorFlow name: it can be subclassed and annotated with."""
    return _StandInType(qualified_name, (), {"_stands_in": True, "__qualname__": qualified_name,
                                             "__module__": qualified_name.rsplit(".", 1)[0]})


def _no_threads_to_size(_threads: int) -> None:
    """Rasa sizes TensorFlow's thread pools at start; without TensorFlow there are none."""


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        value = stand_in(f"{self.__name__}.{name}")
        setattr(self, name, value)
        return value


def _module(name: str) -> types.ModuleType:
    module = _StandInModule(name)
    if name == "tensorflow":
        config = _StandInModule("tensorflow.config")  # anything else in it still raises
        config.threading = types.SimpleNamespace(  # type: ignore[attr-defined]
            set_inter_op_parallelism_threads=_no_threads_to_size,
            set_intra_op_parallelism_threads=_no_threads_to_size)
        module.config = config  # type: ignore[attr-defined]
    return module


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the stood-in modules; any other TensorFlow or Keras module is not found."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None
                  ) -> Optional[importlib.machinery.ModuleSpec]:
        if fullname.split(".")[0] not in TOP_LEVEL:
            return None
        if fullname not in STOOD_IN_MODULES:
            raise ModuleNotFoundError(f"No module named {fullname!r} (this Rasa server runs "
                                      "without TensorFlow)", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _module(spec.name)
        module.__path__ = []  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the names are made when asked for."""


def install() -> bool:
    """Puts the stand-in first on the import path; False (nothing done) when TensorFlow is
    already imported in this process."""
    if any(name in sys.modules for name in TOP_LEVEL):
        return False
    if not any(isinstance(finder, _StandInFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StandInFinder())
    return True


def model_components(archive: Path) -> FrozenSet[str]:
    """The class paths of the components a trained model runs (its predict graph), read from
    the archive's metadata. Raises OSError, KeyError or ValueError on an unreadable model."""
    with tarfile.open(archive, "r:gz") as tar:
        member = next((m for m in tar.getmembers()
                       if m.name.lstrip("/").lstrip("./") == "metadata.json"), None)
        if member is None:
            raise KeyError(f"no metadata.json in {archive}")
        handle = tar.extractfile(member)
        if handle is None:
            raise KeyError(f"metadata.json in {archive} is not a file")
        metadata = json.load(handle)
    nodes = metadata["predict_schema"]["nodes"]
    return frozenset(node["uses"] for node in nodes.values())


@dataclass(frozen=True)
class Decision:
    stand_in: bool
    reason: str


def _run_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """`rasa run`'s own arguments (Rasa's parser, which imports no TensorFlow)."""
    from rasa.cli.arguments.run import set_run_arguments

    parser = argparse.ArgumentParser(add_help=False)
    set_run_arguments(parser)
    known, _ = parser.parse_known_args(list(argv))
    return known


def _uses_model_server(endpoints: Optional[str]) -> bool:
    if not endpoints or not Path(endpoints).is_file():
        return False
    config = yaml.safe_load(Path(endpoints).read_text()) or {}
    return isinstance(config, dict) and bool(config.get("models"))


def decide(run_argv: Sequence[str], env: Mapping[str, str]) -> Decision:
    """Whether the server `rasa run <run_argv>` starts can do without TensorFlow."""
    if env.get(FORCE_VARIABLE, "").strip() in ("1", "true", "yes"):
        return Decision(False, f"{FORCE_VARIABLE} is set")
    try:
        args = _run_arguments(run_argv)
    except SystemExit:
        return Decision(False, "the command line could not be read")
    if args.remote_storage:
        return Decision(False, "the model comes from remote storage")
    try:
        if _uses_model_server(args.endpoints):
            return Decision(False, "the model comes from a model server")
    except (OSError, yaml.YAMLError):
        return Decision(False, "the endpoints file could not be read")
    from rasa.exceptions import ModelNotFound
    from rasa.model import get_local_model

    path = getattr(args, "model-as-positional-argument", None) or args.model
    try:
        archive = Path(get_local_model(path))
        components = model_components(archive)
    except (ModelNotFound, OSError, KeyError, ValueError, tarfile.TarError) as exc:
        return Decision(False, f"the model could not be read ({type(exc).__name__})")
    unknown = sorted(components - TENSORFLOW_FREE_COMPONENTS)
    if unknown:
        return Decision(False, f"the model uses {', '.join(unknown)}")
    return Decision(True, f"the model {archive.name} uses no TensorFlow")


_applied: Optional[Decision] = None


def apply(run_argv: Sequence[str], env: Mapping[str, str]) -> Decision:
    """Decides for `rasa run <run_argv>` and installs the stand-in when it can do without
    TensorFlow; remembered for the start-up log (`applied`)."""
    global _applied
    decision = decide(run_argv, env)
    if decision.stand_in and not install():
        decision = Decision(False, "TensorFlow was already imported")
    _applied = decision
    return decision


def applied() -> Optional[Decision]:
    """What `apply` decided in this process (None: a plain `rasa run`)."""
    return _applied
