"""Finds the rules that match a conversation without checking turns no rule reaches back to.

Rasa 3.6.21's RulePolicy keeps, for each prediction, the rules that match the conversation's
states, going back one turn at a time over the whole history; a rule's check for a turn older
than the rule itself always passes, yet it is made for every remaining rule and every turn,
reversing the rule's states each time. Here the search stops once the turn is older than
every remaining rule (nothing can drop out after that) and each rule's states are reversed
once. The rules found are the same set (a unit test compares them with Rasa's on generated
rules and conversations). About a tenth of the Rasa server's CPU per turn under load
(yappi); installed at server start (server_hooks.attach).

At the latest turn, a rule whose last state names a previous action can only match a
conversation whose previous action has that name; the rules are filed once by that name, so
the latest turn is checked only for the rules that can match it (a few of the hundreds; the
others fail that check anyway). The filing is kept on the policy, per lookup table (fixed
once the model is loaded; the server never trains).
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME

INDEX_ATTRIBUTE = "_physio_rules_by_previous_action"

_reversed: Dict[Text, List[State]] = {}


def reversed_rule_states(rule_key: Text) -> List[State]:
    states = _reversed.get(rule_key)
    if states is None:
        states = list(reversed(RulePolicy._rule_key_to_state(rule_key)))
        _reversed[rule_key] = states
    return states


def is_rule_applicable(self: RulePolicy, rule_key: Text, turn_index: int,
                       conversation_state: State) -> bool:
    """Rasa 3.6.21's `_is_rule_applicable`, with the rule's states reversed once."""
    rule_states = reversed_rule_states(rule_key)
    if turn_index >= len(rule_states):
        return True
    current_previous_action = conversation_state.get(PREVIOUS_ACTION)
    rule_previous_action = rule_states[turn_index].get(PREVIOUS_ACTION)
    if not rule_previous_action and not current_previous_action:
        return True
    if not rule_previous_action or not current_previous_action:
        return False
    return self._does_rule_match_state(rule_states[turn_index], conversation_state)


class RulesByPreviousAction:
    """The rule keys of one lookup table filed by the previous action their last state
    requires; `others` holds every rule whose last state requires no named action."""

    def __init__(self, lookup: Dict[Text, Any]) -> None:
        self.size = len(lookup)
        self.by_action: Dict[Text, FrozenSet[Text]] = {}
        filed: Dict[Text, Set[Text]] = {}
        others: Set[Text] = set()
        for key in lookup:
            action = required_previous_action(reversed_rule_states(key))
            if action is None:
                others.add(key)
            else:
                filed.setdefault(action, set()).add(key)
        self.others = frozenset(others)
        self.by_action = {action: frozenset(keys) for action, keys in filed.items()}

    def candidates(self, latest: State) -> Set[Text]:
        """A superset of the keys whose check against the latest state passes."""
        action = latest.get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
        return set(self.others.union(self.by_action.get(action, ())) if action else self.others)


def required_previous_action(reversed_states: List[State]) -> Any:
    """The action name a rule's last state requires (None when it requires none: no state,
    no previous action, or a value `_does_rule_match_state` does not compare by equality)."""
    if not reversed_states:
        return None
    value = reversed_states[0].get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
    if not value or value == SHOULD_NOT_BE_SET or not isinstance(value, str):
        return None
    return value


def rule_index(policy: Any, lookup: Dict[Text, Any]) -> RulesByPreviousAction:
    indexes: Dict[int, Tuple[Dict[Text, Any], RulesByPreviousAction]] = \
        policy.__dict__.setdefault(INDEX_ATTRIBUTE, {})
    kept = indexes.get(id(lookup))
    if kept is None or kept[0] is not lookup or kept[1].size != len(lookup):
        kept = (lookup, RulesByPreviousAction(lookup))
        indexes[id(lookup)] = kept
    return kept[1]


def get_possible_keys(self: RulePolicy, lookup: Dict[Text, Any],
                      states: List[State]) -> Set[Text]:
    """The rule keys of `lookup` that match `states`, as Rasa's `_get_possible_keys`."""
    possible_keys = (rule_index(self, lookup).candidates(states[-1]) if states
                     else set(lookup.keys()))
    for turn_index, state in enumerate(reversed(states)):
        if all(turn_index >= len(reversed_rule_states(key)) for key in possible_keys):
            break  # every check from here on passes (an empty set stays empty too)
        possible_keys = {key for key in possible_keys
                         if self._is_rule_applicable(key, turn_index, state)}
    return possible_keys


def install() -> None:
    RulePolicy._is_rule_applicable = is_rule_applicable  # type: ignore[method-assign]
    RulePolicy._get_possible_keys = get_possible_keys  # type: ignore[method-assign]
