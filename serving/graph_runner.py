"""Runs the model's graph without building a dask task graph and scheduling it every time.

Rasa 3.6.21 runs the NLU pipeline and the policies (one graph run per message and one per
predicted action, four or five a turn) through `dask.get`: each run prunes the graph schema
again, builds a dask graph, orders it and schedules each node through dask's thread-pool
machinery, for a dozen nodes that run one after the other anyway. That was a tenth of the
Rasa server's CPU per turn under load (py-spy). Here the plan (the pruned graph, in the order
dask's single-threaded scheduler runs it) is worked out once per set of targets and inputs,
and each run calls the nodes in that order with the outputs of the nodes they need, as dask
hands them: `(node name, output)`, or the bare name of a need nobody provides (Rasa's node
then reports it). The nodes, their hooks and their errors are Rasa's; a unit test runs
graphs through both and compares the calls, their order and the results. Installed at server
start only (server_hooks.attach); training keeps Rasa's runner.
"""

from __future__ import annotations

import heapq
import logging
from typing import Any, Dict, FrozenSet, List, Optional, Sequence, Text, Tuple

import dask.order
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner

logger = logging.getLogger(__name__)

RASAS_RUN = DaskGraphRunner.run
PLANS = "_physio_plans"
PlanKey = Tuple[Tuple[Text, ...], FrozenSet[Text]]
Plan = Tuple[Dict[Text, Any], List[Text]]


def execution_order(graph: Dict[Text, Any], tasks: Sequence[Text]) -> List[Text]:
    """The tasks, each after the tasks it needs, ties broken by dask's own priorities."""
    priority = dask.order.order(graph)
    waiting_on = {name: {dep for dep in graph[name][1:] if dep in graph and dep in tasks}
                  for name in tasks}
    needed_by: Dict[Text, List[Text]] = {name: [] for name in tasks}
    for name, deps in waiting_on.items():
        for dep in deps:
            needed_by[dep].append(name)
    ready = [(priority[name], name) for name, deps in waiting_on.items() if not deps]
    heapq.heapify(ready)
    order: List[Text] = []
    while ready:
        _, name = heapq.heappop(ready)
        order.append(name)
        for dependent in needed_by[name]:
            waiting_on[dependent].discard(name)
            if not waiting_on[dependent]:
                heapq.heappush(ready, (priority[dependent], dependent))
    if len(order) != len(tasks):
        raise GraphRunError("the graph has a cycle")
    return order


def plan(runner: DaskGraphRunner, targets: List[Text],
         inputs: Optional[Dict[Text, Any]]) -> Plan:
    """The pruned graph (as Rasa builds it for dask) and its order, worked out once."""
    plans: Dict[PlanKey, Plan] = runner.__dict__.setdefault(PLANS, {})
    key = (tuple(targets), frozenset(inputs or ()))
    found = plans.get(key)
    if found is None:
        graph = runner._build_dask_graph(runner._graph_schema.minimal_graph_schema(targets))
        tasks = [name for name in graph if name not in (inputs or {})]  # an input replaces
        with_inputs = dict(graph)                                        # a node of its name
        runner._add_inputs_to_graph(inputs, with_inputs)
        found = (graph, execution_order(with_inputs, tasks))
        plans[key] = found
    return found


def run(self: DaskGraphRunner, inputs: Optional[Dict[Text, Any]] = None,
        targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    """Rasa 3.6.21's `DaskGraphRunner.run`: the same nodes, inputs and results."""
    run_targets = targets if targets else self._graph_schema.target_names
    graph, order = plan(self, run_targets, inputs)
    values: Dict[Text, Any] = {}
    if inputs:
        self._add_inputs_to_graph(inputs, dict(graph))  # Rasa's check of input names
        values.update({name: (name, value) for name, value in inputs.items()})
    logger.debug(f"Running graph with inputs: {inputs}, targets: {targets} "
                 f"and {self._execution_context}.")
    try:
        for name in order:
            node, *needs = graph[name]
            values[name] = node(*[values.get(need, need) for need in needs])
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error
    return dict(values[target] for target in run_targets)


def install() -> None:
    DaskGraphRunner.run = run  # type: ignore[method-assign]
