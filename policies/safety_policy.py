"""A dialogue policy that puts emergency routing above everything else.

Why a policy and not rules: an emergency can be mentioned at any turn, inside or outside a form,
with any intent. Rules would need one per intent and would lose to a form's happy path. This
policy fires right after the visitor's message whenever the triage engine (through the
`urgency` slot) asks for escalation that has not been announced yet, and beats every other
prediction (no-user prediction, confidence 1.0, highest priority).

It also guards against the action server being down: if the visitor's message carries an
affirmed emergency red-flag entity but the triage slots were not updated, it answers with a
response the Rasa server renders by itself (`utter_emergency_offline`).
"""

from __future__ import annotations

from typing import Any, Dict, FrozenSet, List, Optional

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

ESCALATE_ACTION = "action_escalate"
OFFLINE_RESPONSE = "utter_emergency_offline"
RANK = {None: 0, "self_care": 0, "routine": 0, "urgent": 1, "emergency": 2}


def _emergency_codes() -> FrozenSet[str]:
    """Emergency red-flag codes, from the clinician-edited triage knowledge file."""
    from triage import TriageEngine

    red_flags = TriageEngine.from_file().knowledge.red_flags
    return frozenset(code for code, flag in red_flags.items() if flag.level == "emergency")


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=False
)
class SafetyPolicy(Policy):
    """Predicts escalation the moment the triage result calls for it."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        return {"priority": 7}

    def __init__(
        self,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        featurizer: Optional[Any] = None,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, featurizer)
        self._emergency_codes: Optional[FrozenSet[str]] = None

    @property
    def emergency_codes(self) -> FrozenSet[str]:
        if self._emergency_codes is None:
            self._emergency_codes = _emergency_codes()
        return self._emergency_codes

    def train(
        self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: Optional[Dict[str, Any]] = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        action = self.next_action(tracker)
        if action is None or action not in domain.action_names_or_texts:
            return self._prediction(self._default_predictions(domain))
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)

    def next_action(self, tracker: DialogueStateTracker) -> Optional[str]:
        """The action safety demands now, or None to let the other policies decide."""
        latest = tracker.latest_action_name
        if latest in (ESCALATE_ACTION, OFFLINE_RESPONSE):
            return ACTION_LISTEN_NAME
        # A session start that failed (action server down) leaves its own name as the latest
        # action instead of `action_listen`: the visitor's first message still counts.
        if latest not in (ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME) \
                or tracker.latest_message is None:
            return None
        if not tracker.latest_message.intent and not tracker.latest_message.text:
            return None  # conversation start, nothing said yet
        urgency = tracker.get_slot("urgency")
        announced = tracker.get_slot("escalated")
        if RANK.get(urgency, 0) > RANK.get(announced, 0):
            return ESCALATE_ACTION
        if urgency != "emergency" and self._mentions_emergency(tracker):
            return OFFLINE_RESPONSE
        return None

    def _mentions_emergency(self, tracker: DialogueStateTracker) -> bool:
        """An affirmed emergency sign the triage slots do not reflect (action server down)."""
        entities = tracker.latest_message.entities if tracker.latest_message else []
        return any(
            entity.get("entity") == "red_flag"
            and not entity.get("role")
            and entity.get("value") in self.emergency_codes
            for entity in entities
        )
