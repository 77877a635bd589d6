"""The memoization policy's lookup by text finds exactly what Rasa's compressed lookup finds."""

from __future__ import annotations

import hashlib
import inspect
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from serving import memo_lookup

sub_states = st.fixed_dictionaries({}, optional={
    "user": st.fixed_dictionaries({"intent": st.sampled_from(["greet", "deny", "affirm"])}),
    "prev_action": st.fixed_dictionaries(
        {"action_name": st.sampled_from(["action_listen", "utter_greet", "assessment_form"])}),
    "slots": st.fixed_dictionaries({"urgency": st.sampled_from([(1.0, 0.0), (0.0, 1.0)])}),
    "active_loop": st.fixed_dictionaries({"name": st.sampled_from(["assessment_form"])}),
})
histories = st.lists(sub_states, min_size=0, max_size=5)


def policy(tmp_path: Any, lookup: Dict[str, str], compression: bool = True
           ) -> MemoizationPolicy:
    config = {**MemoizationPolicy.get_default_config(),
              "enable_feature_string_compression": compression}
    return MemoizationPolicy(config, LocalModelStorage(tmp_path), Resource("memo"),
                             ExecutionContext(GraphSchema({}), "model"), lookup=lookup)


def learned(policy_: MemoizationPolicy, known: List[List[Dict]]) -> Dict[str, str]:
    """A lookup as training makes it: Rasa's own keys for the known histories."""
    return {policy_._create_feature_key(states): f"action_{i}"
            for i, states in enumerate(known)}


@settings(max_examples=300, deadline=None)
@given(st.lists(histories, max_size=6), histories)
def test_a_recall_is_rasas(tmp_path_factory: Any, known: List[List[Dict]],
                           asked: List[Dict]) -> None:
    memo = policy(tmp_path_factory.mktemp("m"), {})
    memo.lookup = learned(memo, known)
    assert memo_lookup.recall_states(memo, asked) == \
        memo_lookup.RASAS_RECALL_STATES(memo, asked)
    for states in known:
        assert memo_lookup.recall_states(memo, states) == \
            memo_lookup.RASAS_RECALL_STATES(memo, states)


def test_a_key_compress_does_not_make_is_never_found(tmp_path: Any) -> None:
    states = [{"user": {"intent": "greet"}}]
    text = memo_lookup.states_text(states)
    memo = policy(tmp_path, {})
    key = memo._create_feature_key(states)
    odd = memo_lookup.compressed(text)[:-4] + "AAAA"  # not base64 of zlib output of the text
    memo.lookup = {odd: "utter_odd", "not base64!": "utter_bad", text: "utter_plain"}
    assert memo_lookup.recall_states(memo, states) is None
    assert memo_lookup.RASAS_RECALL_STATES(memo, states) is None
    memo.lookup = {key: "utter_greet"}
    assert memo_lookup.recall_states(memo, states) == "utter_greet"


def test_without_compression_rasas_code_answers(tmp_path: Any) -> None:
    memo = policy(tmp_path, {}, compression=False)
    states = [{"user": {"intent": "greet"}}]
    memo.lookup = {memo._create_feature_key(states): "utter_greet"}
    assert memo_lookup.recall_states(memo, states) == "utter_greet"
    assert memo_lookup.PLAIN not in memo.__dict__


def test_the_texts_are_worked_out_once_per_lookup(tmp_path: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    memo = policy(tmp_path, {})
    states = [{"user": {"intent": "greet"}}]
    memo.lookup = {memo._create_feature_key(states): "utter_greet"}
    built: List[int] = []
    real = memo_lookup.by_text
    monkeypatch.setattr(memo_lookup, "by_text", lambda lookup: built.append(1) or real(lookup))
    for _ in range(3):
        assert memo_lookup.recall_states(memo, states) == "utter_greet"
    memo.lookup = {}  # a new lookup (a new model's): worked out again
    assert memo_lookup.recall_states(memo, states) is None
    assert built == [1, 1]


def test_installed_on_rasas_policy() -> None:
    saved = MemoizationPolicy._recall_states
    try:
        memo_lookup.install()
        assert MemoizationPolicy._recall_states is memo_lookup.recall_states
    finally:
        MemoizationPolicy._recall_states = saved  # type: ignore[method-assign]


def test_the_rasa_code_reproduced_is_rasa_3_6_21s() -> None:
    digests = {fn.__qualname__: hashlib.sha256(inspect.getsource(fn).encode()).hexdigest()[:12]
               for fn in (MemoizationPolicy._create_feature_key,
                          memo_lookup.RASAS_RECALL_STATES)}
    assert digests == {"MemoizationPolicy._create_feature_key": "b5ee00137684",
                       "MemoizationPolicy._recall_states": "549ef85ae8f5"}
