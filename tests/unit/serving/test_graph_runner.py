"""Our graph run calls the same nodes, in the same order, with the same inputs, and returns
the same results and errors as Rasa's dask run."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import pytest
from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

from serving import graph_runner

RASA_RUNNER_SHA256 = "78a7d146c5c06d4cfd29638bbb20192183bfcd8cc69d2cb2be198c8e87a4c134"
CALLS: List[Text] = []


class Step(GraphComponent):
    """Writes down that it ran and what it got; fails when its config says so."""

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.name = config["name"]
        self.fails = config.get("fails")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> Step:
        return cls(config)

    def run(self, **needs: Any) -> Text:
        CALLS.append(self.name)
        if self.fails == "runtime":
            raise RuntimeError(f"{self.name} broke")
        inputs = ",".join(f"{key}={needs[key]}" for key in sorted(needs))
        return f"{self.name}({inputs})"


def node(name: Text, needs: Dict[Text, Text], target: bool = False,
         fails: Optional[Text] = None) -> SchemaNode:
    return SchemaNode(needs=needs, uses=Step, constructor_name="create", fn="run",
                      config={"name": name, "fails": fails}, eager=True, is_target=target)


SCHEMA = GraphSchema({
    "tokens": node("tokens", {"text": "__message__"}),
    "entities": node("entities", {"tokens": "tokens"}),
    "features": node("features", {"tokens": "tokens"}),
    "intent": node("intent", {"features": "features", "entities": "entities"}),
    "policy_a": node("policy_a", {"intent": "intent", "tracker": "__tracker__"}),
    "policy_b": node("policy_b", {"tracker": "__tracker__"}),
    "ensemble": node("ensemble", {"a": "policy_a", "b": "policy_b"}, target=True),
    "parsed": node("parsed", {"intent": "intent"}, target=True),
    "orphan": node("orphan", {"missing": "__not_given__"}),
    "broken": node("broken", {"tokens": "tokens"}, fails="runtime"),
})


@pytest.fixture()
def runners(tmp_path: Path) -> List[DaskGraphRunner]:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(SCHEMA, "model")
    return [DaskGraphRunner(SCHEMA, storage, context) for _ in range(2)]


def run_with(run: Any, runner: DaskGraphRunner, inputs: Optional[Dict[Text, Any]],
             targets: Optional[List[Text]]) -> Dict[str, Any]:
    CALLS.clear()
    try:
        outcome: Any = run(runner, inputs, targets)
    except Exception as error:  # the error is what is compared
        outcome = (type(error).__name__, str(error))
    return {"outcome": outcome, "calls": list(CALLS)}


@pytest.mark.parametrize("inputs, targets", [
    ({"__message__": "hi", "__tracker__": "t1"}, None),
    ({"__message__": "hi", "__tracker__": "t1"}, ["parsed"]),
    ({"__message__": "back pain", "__tracker__": "t2"}, ["ensemble", "parsed"]),
    ({"__message__": "hi", "__tracker__": "t1"}, ["policy_b"]),
    ({"__message__": "hi"}, ["parsed"]),
    ({"__message__": "hi"}, ["ensemble"]),               # a need nobody provides
    ({"__message__": "hi"}, ["orphan"]),                 # the same, on its own
    ({"__message__": "tokens"}, ["parsed"]),             # an input value naming a node
    ({"__message__": "hi", "intent": "given"}, ["parsed"]),  # an input replacing a node
    ({"__message__": "hi"}, ["broken", "parsed"]),       # a node that raises
    (None, ["policy_b"]),
])
def test_the_same_calls_order_results_and_errors(runners: List[DaskGraphRunner],
                                                 inputs: Optional[Dict[Text, Any]],
                                                 targets: Optional[List[Text]]) -> None:
    rasas_runner, our_runner = runners
    rasas = run_with(graph_runner.RASAS_RUN, rasas_runner, inputs, targets)
    for _ in range(2):  # the second run uses the plan kept from the first
        assert run_with(graph_runner.run, our_runner, inputs, targets) == rasas


def test_a_run_gives_the_nodes_outputs(runners: List[DaskGraphRunner]) -> None:
    result = graph_runner.run(runners[1], {"__message__": "hi"}, ["parsed"])
    assert result == {"parsed": "parsed(intent=intent(entities=entities(tokens=tokens(text=hi))"
                                ",features=features(tokens=tokens(text=hi))))"}


def test_a_plan_is_kept_per_targets_and_inputs(runners: List[DaskGraphRunner]) -> None:
    runner = runners[1]
    graph_runner.run(runner, {"__message__": "a"}, ["parsed"])
    graph_runner.run(runner, {"__message__": "b"}, ["parsed"])
    graph_runner.run(runner, {"__message__": "a", "__tracker__": "t"}, ["ensemble"])
    assert len(runner.__dict__[graph_runner.PLANS]) == 2


def test_a_cycle_is_refused() -> None:
    graph = {"a": (object(), "b"), "b": (object(), "a")}
    with pytest.raises(Exception, match="cycle"):
        graph_runner.execution_order(graph, ["a", "b"])


def test_rasas_runner_is_the_one_this_was_written_against() -> None:
    """Fails when a Rasa upgrade changes the runner: check the module against it again."""
    source = inspect.getsource(DaskGraphRunner)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == RASA_RUNNER_SHA256, digest
