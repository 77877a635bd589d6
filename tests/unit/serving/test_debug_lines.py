"""Work for debug lines is skipped only where it can only go to a dropped line."""

from __future__ import annotations

import ast
import inspect
import logging
from types import ModuleType
from typing import Iterator, List

import pytest
import structlog
from rasa.core.policies import rule_policy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.utils.log_utils import configure_structlog

from serving import debug_lines


def uses_of_copy(module: ModuleType) -> Iterator[tuple]:
    """(line, attribute, the call it is an argument of) for each `copy.<attribute>`."""
    tree = ast.parse(inspect.getsource(module))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id == "copy":
            call = None
            parent = parents.get(node)
            while parent is not None:
                if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) \
                        and isinstance(parent.func.value, ast.Name):
                    call = f"{parent.func.value.id}.{parent.func.attr}"
                    if parent.func is not node:
                        break
                parent = parents.get(parent)
            yield node.lineno, node.attr, call


@pytest.mark.parametrize("module", debug_lines.MODULES, ids=lambda m: m.__name__)
def test_every_deep_copy_in_the_module_is_for_a_debug_line(module: ModuleType) -> None:
    """Fails if a Rasa upgrade deep-copies something in these modules for another use."""
    uses = list(uses_of_copy(module))
    assert uses, "no copy left to skip: take the module off the list"
    assert [use for use in uses if use[1:] != ("deepcopy", "structlogger.debug")] == []


@pytest.fixture()
def structlog_config() -> Iterator[None]:
    saved = structlog.get_config()
    try:
        yield
    finally:
        structlog.configure(**saved)


@pytest.mark.parametrize("level, copied", [(logging.DEBUG, True), (logging.INFO, False),
                                           (logging.WARNING, False), (logging.ERROR, False)])
def test_a_copy_is_made_only_when_debug_lines_are_written(structlog_config: None, level: int,
                                                          copied: bool) -> None:
    configure_structlog(level)  # Rasa's own set-up, as `rasa run --log-level` makes it
    value: List[dict] = [{"slot": "urgency"}]
    result = debug_lines.CopyForDebugLines().deepcopy(value)
    assert result == value
    assert (result is not value) is copied
    if copied:
        assert result[0] is not value[0]


def test_an_unknown_logging_set_up_gets_real_copies(structlog_config: None) -> None:
    structlog.configure(wrapper_class=structlog.stdlib.BoundLogger)
    value = {"a": [1]}
    assert debug_lines.CopyForDebugLines().deepcopy(value) is not value
    structlog.reset_defaults()
    assert debug_lines.CopyForDebugLines().deepcopy(value) is not value


def test_everything_else_is_the_copy_module() -> None:
    stand_in = debug_lines.CopyForDebugLines()
    value = {"a": [1]}
    duplicate = stand_in.copy(value)
    assert duplicate == value and duplicate is not value and duplicate["a"] is value["a"]
    assert stand_in.Error is __import__("copy").Error


def test_installed_in_the_four_modules_only() -> None:
    import copy

    import rasa.core.nlg.response as response

    saved = [module.copy for module in debug_lines.MODULES]
    assert "format_tracker_states" not in RulePolicy.__dict__  # Policy's, inherited
    try:
        debug_lines.install()
        assert all(isinstance(module.copy, debug_lines.CopyForDebugLines)
                   for module in debug_lines.MODULES)
        assert response.copy is copy  # its deep copy is the response itself: kept
        assert RulePolicy.format_tracker_states is debug_lines.format_tracker_states
        assert Policy.format_tracker_states is not debug_lines.format_tracker_states
    finally:
        for module, original in zip(debug_lines.MODULES, saved, strict=True):
            module.copy = original
        del RulePolicy.format_tracker_states


def test_the_formatted_states_only_ever_go_to_a_debug_line() -> None:
    """Rasa formats the states in one place, for its debug line: fail if that changes."""
    import pathlib

    import rasa

    callers = sorted(str(path.relative_to(pathlib.Path(rasa.__file__).parent))
                     for path in pathlib.Path(rasa.__file__).parent.rglob("*.py")
                     if "format_tracker_states(" in path.read_text(encoding="utf-8"))
    assert callers == ["core/policies/policy.py", "core/policies/rule_policy.py"]
    tree = ast.parse(inspect.getsource(rule_policy))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    targets = [node.targets[0].id for node in ast.walk(tree)
               if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
               and getattr(node.value.func, "attr", None) == "format_tracker_states"]
    assert targets == ["current_states"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "current_states" \
                and isinstance(node.ctx, ast.Load):
            parent = parents[node]
            while not (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute)
                       and getattr(parent.func.value, "id", None) == "structlogger"):
                parent = parents[parent]  # KeyError: used outside a structlogger call
            assert parent.func.attr == "debug"


@pytest.mark.parametrize("level, formatted", [(logging.DEBUG, True), (logging.INFO, False)])
def test_the_states_are_formatted_only_when_debug_lines_are_written(
        structlog_config: None, level: int, formatted: bool) -> None:
    configure_structlog(level)
    states = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    text = debug_lines.format_tracker_states(states)
    assert text == (Policy.format_tracker_states(states) if formatted else "")
    assert ("greet" in text) is formatted
