"""Safety properties over generated facts (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.triage.conftest import EMERGENCY_FLAGS, SLOTS, URGENT_FLAGS
from tests.unit.triage.wording import claims
from triage import Facts, Mention, Presence, TestAnswer, TriageEngine, Urgency, merge_findings
from triage.knowledge import DEFAULT_PATH

ENGINE = TriageEngine.from_file(DEFAULT_PATH)
SECOND_ENGINE = TriageEngine.from_file(DEFAULT_PATH)  # separately loaded: no shared state
KNOWLEDGE = ENGINE.knowledge
FINDINGS = sorted(KNOWLEDGE.finding_codes)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


facts_strategy = st.builds(
    Facts,
    complaint=optional(st.text(max_size=20)),
    mechanism=optional(st.sampled_from(sorted(KNOWLEDGE.mechanisms))),
    duration=optional(st.sampled_from(sorted(KNOWLEDGE.durations))),
    recurrent=optional(st.booleans()),
    pain_score=optional(st.integers(0, 10)),
    limited_activities=optional(st.frozensets(st.sampled_from(sorted(KNOWLEDGE.activities)))),
    movement_tests=st.dictionaries(st.sampled_from(SLOTS), st.sampled_from(list(TestAnswer))),
    findings=st.dictionaries(st.sampled_from(FINDINGS), st.sampled_from(list(Presence))),
    screen_emergency=optional(st.sampled_from(list(Presence))),
    screen_urgent=optional(st.sampled_from(list(Presence))),
)


def replaced(facts: Facts, **changes: Any) -> Facts:
    values = {name: getattr(facts, name) for name in Facts.__dataclass_fields__}
    values.update(changes)
    return Facts(**values)


def with_finding(facts: Facts, code: str, presence: Presence) -> Facts:
    return replaced(facts, findings={**facts.findings, code: presence})


@FAST
@given(facts_strategy, st.sampled_from(EMERGENCY_FLAGS))
def test_any_emergency_flag_means_emergency(facts: Facts, code: str) -> None:
    assessment = ENGINE.assess(with_finding(facts, code, Presence.PRESENT))
    assert assessment.urgency is Urgency.EMERGENCY
    assert code in assessment.red_flags
    assert [item.id for item in assessment.advice_do] == ["get_emergency_care"]
    assert assessment.advice_dont == ()


@FAST
@given(facts_strategy)
def test_emergency_screen_yes_means_emergency(facts: Facts) -> None:
    assessment = ENGINE.assess(replaced(facts, screen_emergency=Presence.PRESENT))
    assert assessment.urgency is Urgency.EMERGENCY
    assert "emergency_screen_positive" in assessment.red_flags


@FAST
@given(facts_strategy, st.sampled_from(URGENT_FLAGS))
def test_urgency_never_below_urgent_with_an_urgent_flag(facts: Facts, code: str) -> None:
    assert ENGINE.assess(with_finding(facts, code, Presence.PRESENT)).urgency >= Urgency.URGENT


@FAST
@given(facts_strategy)
def test_assess_is_deterministic_and_ignores_dict_order(facts: Facts) -> None:
    first = ENGINE.assess(facts)
    assert ENGINE.assess(facts) == first
    reordered = replaced(
        facts,
        findings=dict(reversed(list(facts.findings.items()))),
        movement_tests=dict(reversed(list(facts.movement_tests.items()))),
        limited_activities=(
            None
            if facts.limited_activities is None
            else frozenset(sorted(facts.limited_activities, reverse=True))
        ),
    )
    assert SECOND_ENGINE.assess(reordered) == first


@FAST
@given(facts_strategy, st.sampled_from(SLOTS))
def test_adding_a_fine_test_never_raises_urgency(facts: Facts, slot: str) -> None:
    answers = dict(facts.movement_tests)
    if answers.get(slot) not in (None, TestAnswer.SKIPPED):
        answers.pop(slot)  # start from an unanswered (or skipped) test, then add "fine"
    before = ENGINE.assess(replaced(facts, movement_tests=answers)).urgency
    after = ENGINE.assess(replaced(facts, movement_tests={**answers, slot: TestAnswer.FINE}))
    assert after.urgency <= before


@FAST
@given(
    facts_strategy,
    st.dictionaries(st.sampled_from(FINDINGS), st.sampled_from([Presence.ABSENT, Presence.UNSURE])),
)
def test_unsure_or_absent_findings_never_add_red_flags(
    facts: Facts, extra: dict[str, Presence]
) -> None:
    base = replaced(
        facts,
        findings={k: v for k, v in facts.findings.items() if k not in extra},
    )
    before = ENGINE.assess(base)
    after = ENGINE.assess(replaced(base, findings={**base.findings, **extra}))
    assert after.red_flags == before.red_flags
    assert after.urgency is before.urgency


@FAST
@given(facts_strategy)
def test_red_flags_come_only_from_affirmed_signs_or_screens(facts: Facts) -> None:
    flags = set(ENGINE.assess(facts).red_flags)
    affirmed = {code for code, value in facts.findings.items() if value is Presence.PRESENT}
    screens = {
        "emergency_screen_positive"
        for answer in [facts.screen_emergency]
        if answer is Presence.PRESENT
    } | {"urgent_screen_positive" for answer in [facts.screen_urgent] if answer is Presence.PRESENT}
    assert flags == (affirmed & set(KNOWLEDGE.red_flags)) | screens
    levels = [KNOWLEDGE.flag_level(code) for code in ENGINE.assess(facts).red_flags]
    assert levels == sorted(levels, key=("emergency", "urgent").index)  # emergency first


@FAST
@given(facts_strategy)
def test_questions_stop_once_urgent_or_worse(facts: Facts) -> None:
    urgency = ENGINE.assess(facts).urgency
    questions = ENGINE.next_questions(facts)
    if urgency >= Urgency.URGENT:
        assert questions == ()
    else:
        order = [str(q.id) for q in KNOWLEDGE.questions]
        assert list(questions) == sorted(questions, key=order.index)


@FAST
@given(facts_strategy)
def test_outputs_are_json_safe_and_never_claim_a_condition(facts: Facts) -> None:
    assessment = ENGINE.assess(facts)
    slots = assessment.to_slots()
    assert json.loads(json.dumps(slots)) == slots
    texts = [
        *ENGINE.explain(assessment),
        *(r.text for r in assessment.reasons),
        *(i.text for i in assessment.advice_do + assessment.advice_dont),
        assessment.recommendation.text,
    ]
    assert all(text.strip() and not claims(text) for text in texts)
    assert all(r.source for r in assessment.reasons)


@FAST
@given(
    st.lists(
        st.tuples(st.sampled_from(FINDINGS[:3]), st.sampled_from([None, "negated", "uncertain"])),
        max_size=8,
    )
)
def test_merge_findings_follows_the_last_clear_statement(events: list[tuple[str, Any]]) -> None:
    merged = merge_findings({}, [Mention(code, role) for code, role in events])
    for code in {code for code, _ in events}:
        state: Presence | None = None
        for event_code, role in events:
            if event_code != code:
                continue
            if role is None:
                state = Presence.PRESENT
            elif role == "negated":
                state = Presence.ABSENT
            elif state is not Presence.PRESENT:
                state = Presence.UNSURE
        assert merged[code] is state
