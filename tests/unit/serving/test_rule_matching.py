"""The rules found for a conversation are the ones Rasa's RulePolicy finds."""

from __future__ import annotations

import hashlib
import inspect
import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET

from serving import rule_matching

RASAS_GET_POSSIBLE_KEYS = RulePolicy._get_possible_keys
RASAS_IS_RULE_APPLICABLE = RulePolicy._is_rule_applicable
SOURCES_SHA256 = "2f6b2f5eebee8ecbc516865a521c3a2f2b2b19983284ee8b850b0d27f472c077"

# "" and SHOULD_NOT_BE_SET: rules whose last state requires no named previous action
actions = st.sampled_from(["action_listen", "utter_greet", "assessment_form", "action_triage",
                           "", SHOULD_NOT_BE_SET])
sub_states = {
    "user": st.fixed_dictionaries({}, optional={
        "intent": st.sampled_from(["greet", "deny", "describe_pain"]),
        "entities": st.sampled_from([("mechanism",), ("pain_score",), ()])}),
    "prev_action": st.fixed_dictionaries({"action_name": actions}),
    "active_loop": st.fixed_dictionaries({"name": st.sampled_from(
        ["assessment_form", SHOULD_NOT_BE_SET])}),
    "slots": st.fixed_dictionaries({}, optional={
        "urgency": st.sampled_from([(1.0, 0.0), (0.0, 1.0), SHOULD_NOT_BE_SET]),
        "consent": st.sampled_from([(1.0,), (0.0,)])}),
}
states = st.fixed_dictionaries({}, optional=sub_states)
conversation_states = st.fixed_dictionaries(
    {"prev_action": sub_states["prev_action"]},
    optional={k: v for k, v in sub_states.items() if k != "prev_action"})


class FakeRulePolicy:
    """Only what the two methods use: Rasa's static helpers."""

    _does_rule_match_state = staticmethod(RulePolicy._does_rule_match_state)
    _rule_key_to_state = staticmethod(RulePolicy._rule_key_to_state)


class Rasas(FakeRulePolicy):
    _is_rule_applicable = RASAS_IS_RULE_APPLICABLE
    _get_possible_keys = RASAS_GET_POSSIBLE_KEYS


class Ours(FakeRulePolicy):
    _is_rule_applicable = rule_matching.is_rule_applicable
    _get_possible_keys = rule_matching.get_possible_keys


def rule_key(rule: list) -> str:
    return json.dumps(rule, sort_keys=True)  # how Rasa stores a rule's states


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(states, min_size=1, max_size=4), max_size=12),
       st.lists(conversation_states, max_size=12))
def test_the_same_rules_match_as_in_rasa(rules: list, conversation: list) -> None:
    lookup = {rule_key(rule): "utter_x" for rule in rules}
    assert Ours()._get_possible_keys(lookup, conversation) == Rasas()._get_possible_keys(
        lookup, conversation)


def test_the_latest_turn_is_checked_only_for_rules_filed_under_its_previous_action() -> None:
    listen = {"prev_action": {"action_name": "action_listen"}}
    after_greet = {"prev_action": {"action_name": "utter_greet"}}
    no_action = {"user": {"intent": "greet"}}
    lookup = {rule_key([listen]): "a", rule_key([after_greet]): "b", rule_key([no_action]): "c"}
    index = rule_matching.RulesByPreviousAction(lookup)
    assert index.candidates(listen) == {rule_key([listen]), rule_key([no_action])}
    assert index.candidates({}) == {rule_key([no_action])}
    policy = Ours()
    assert rule_matching.rule_index(policy, lookup) is rule_matching.rule_index(policy, lookup)
    lookup[rule_key([listen, listen])] = "d"  # a changed table is filed again
    assert rule_key([listen, listen]) in rule_matching.rule_index(policy, lookup).candidates(
        listen)
    assert Ours()._get_possible_keys(lookup, []) == set(lookup)


def test_a_conversation_start_rule_needs_a_conversation_start() -> None:
    greeting = {"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}
    start_rule = rule_key([{}, greeting])
    lookup = {start_rule: "utter_greet"}
    at_start = [{}, greeting]
    later = [{"prev_action": {"action_name": "utter_greet"}}, greeting]
    for conversation, found in [(at_start, {start_rule}), (later, set())]:
        assert Ours()._get_possible_keys(lookup, conversation) == found
        assert Rasas()._get_possible_keys(lookup, conversation) == found


def test_rasas_methods_are_the_ones_rewritten() -> None:
    """Fail loudly if a Rasa upgrade changes what rule_matching.py repeats."""
    source = inspect.getsource(RASAS_IS_RULE_APPLICABLE) + inspect.getsource(
        RASAS_GET_POSSIBLE_KEYS)
    digest = hashlib.sha256(source.encode()).hexdigest()
    assert digest == SOURCES_SHA256, digest
