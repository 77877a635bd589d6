"""What the visitor has told the assistant so far, as one immutable value.

Every field is optional: the engine must give a safe answer at any point of the conversation.
`None` always means "not asked or not answered", never "no".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from triage.vocabulary import (
    PAIN_SCORE_MAX,
    PAIN_SCORE_MIN,
    TEST_QUESTION_PREFIX,
    Presence,
    TestAnswer,
)

if TYPE_CHECKING:
    from triage.knowledge import Knowledge


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Facts:
    """The visitor's answers. `limited_activities=None` means not asked; an empty set means none."""

    complaint: str | None = None
    mechanism: str | None = None
    duration: str | None = None
    recurrent: bool | None = None
    pain_score: int | None = None
    limited_activities: frozenset[str] | None = None
    movement_tests: Mapping[str, TestAnswer] = field(default_factory=_empty)
    findings: Mapping[str, Presence] = field(default_factory=_empty)
    screen_emergency: Presence | None = None
    screen_urgent: Presence | None = None

    def __post_init__(self) -> None:
        """Normalises types and freezes the mappings, so equal answers give equal facts."""
        _check_optional(self.complaint, str, "complaint")
        _check_optional(self.mechanism, str, "mechanism")
        _check_optional(self.duration, str, "duration")
        _check_optional(self.recurrent, bool, "recurrent")
        if self.pain_score is not None:
            if isinstance(self.pain_score, bool) or not isinstance(self.pain_score, int):
                raise ValueError(f"pain_score: expected a whole number, got {self.pain_score!r}")
            if not PAIN_SCORE_MIN <= self.pain_score <= PAIN_SCORE_MAX:
                raise ValueError(
                    f"pain_score: {self.pain_score} is outside {PAIN_SCORE_MIN}-{PAIN_SCORE_MAX}"
                )
        if self.limited_activities is not None:
            if isinstance(self.limited_activities, str):
                raise ValueError("limited_activities: expected a set of codes, not one string")
            object.__setattr__(self, "limited_activities", frozenset(self.limited_activities))
        tests = {
            str(k): _enum(TestAnswer, v, f"movement_tests[{k}]")
            for k, v in _items(self.movement_tests, "movement_tests")
        }
        object.__setattr__(self, "movement_tests", MappingProxyType(dict(sorted(tests.items()))))
        found = {
            str(k): _enum(Presence, v, f"findings[{k}]")
            for k, v in _items(self.findings, "findings")
        }
        object.__setattr__(self, "findings", MappingProxyType(dict(sorted(found.items()))))
        for name in ("screen_emergency", "screen_urgent"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, _enum(Presence, value, name))

    def __hash__(self) -> int:
        return hash(
            (
                self.complaint,
                self.mechanism,
                self.duration,
                self.recurrent,
                self.pain_score,
                self.limited_activities,
                tuple(self.movement_tests.items()),
                tuple(self.findings.items()),
                self.screen_emergency,
                self.screen_urgent,
            )
        )

    def presence(self, code: str) -> Presence | None:
        """What the visitor said about one finding, or None if it never came up."""
        return self.findings.get(code)

    @classmethod
    def from_plain(cls, data: Mapping[str, Any], knowledge: Knowledge | None = None) -> Facts:
        """Builds facts from chat-slot values (strings, lists, dicts), checking every code.

        Movement tests may come nested (`movement_tests: {forward_lean: pain}`) or as the chat
        slots (`test_forward_lean: pain`). Raises ValueError naming the bad field or code.
        """
        if knowledge is None:
            from triage.knowledge import default_knowledge

            knowledge = default_knowledge()
        if not isinstance(data, Mapping):
            raise ValueError(f"facts: expected a mapping, got {type(data).__name__}")
        names = {f.name for f in fields(cls)}
        tests: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for key, value in data.items():
            if key in names:
                values[key] = value
            elif isinstance(key, str) and key.startswith(TEST_QUESTION_PREFIX):
                if value is not None:
                    tests[key[len(TEST_QUESTION_PREFIX) :]] = value
            else:
                raise ValueError(f"facts: unknown field {key!r}")
        nested = values.pop("movement_tests", None) or {}
        for slot, answer in _items(nested, "movement_tests"):
            if slot in tests and tests[slot] != answer:
                raise ValueError(f"movement_tests[{slot}]: two different answers given")
            tests[slot] = answer
        facts = cls(
            complaint=_text(values.get("complaint")),
            mechanism=_code(values.get("mechanism"), "mechanism"),
            duration=_code(values.get("duration"), "duration"),
            recurrent=_flag(values.get("recurrent"), "recurrent"),
            pain_score=_score(values.get("pain_score")),
            limited_activities=_codes(values.get("limited_activities")),
            movement_tests=tests,
            findings=dict(_items(values.get("findings") or {}, "findings")),
            screen_emergency=_screen(values.get("screen_emergency"), "screen_emergency"),
            screen_urgent=_screen(values.get("screen_urgent"), "screen_urgent"),
        )
        check_codes(facts, knowledge)
        return facts


def check_codes(facts: Facts, knowledge: Knowledge) -> None:
    """Raises ValueError if the facts use a code the knowledge file does not declare."""
    _known(facts.mechanism, knowledge.mechanisms, "mechanism")
    _known(facts.duration, knowledge.durations, "duration")
    for code in sorted(facts.limited_activities or ()):
        _known(code, knowledge.activities, "limited_activities")
    for slot in facts.movement_tests:
        _known(slot, knowledge.movement_slots, "movement_tests")
    for code in facts.findings:
        _known(code, knowledge.finding_codes, "findings")


def _known(code: str | None, declared: Iterable[str], name: str) -> None:
    if code is not None and code not in declared:
        raise ValueError(f"{name}: unknown code {code!r}")


def _check_optional(value: object, kind: type, name: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise ValueError(f"{name}: expected {kind.__name__}, got {value!r}")


def _items(value: object, name: str) -> list[tuple[Any, Any]]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{name}: expected a mapping of code to answer, got {value!r}")
    return list(value.items())


def _enum(kind: Any, value: object, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise ValueError(f"{name}: {value!r} is not one of {allowed}") from None


def _text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"complaint: expected text, got {value!r}")
    return value.strip() or None


def _code(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{name}: expected a code, got {value!r}")
    return value


def _codes(value: object) -> frozenset[str] | None:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple, set, frozenset)) or not all(
        isinstance(item, str) for item in items
    ):
        raise ValueError(f"limited_activities: expected a list of codes, got {value!r}")
    return frozenset(items)


def _flag(value: object, name: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{name}: expected true or false, got {value!r}")


def _score(value: object) -> int | None:
    """A 0-10 pain score from an int, an integral float (Rasa float slots) or a digit string."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"pain_score: expected a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        raise ValueError(f"pain_score: expected a whole number, got {value!r}")
    if not PAIN_SCORE_MIN <= value <= PAIN_SCORE_MAX:
        raise ValueError(f"pain_score: {value} is outside {PAIN_SCORE_MIN}-{PAIN_SCORE_MAX}")
    return value


def _screen(value: object, name: str) -> Presence | None:
    """A screen answer: a presence code, or a yes/no boolean from an affirm/deny slot."""
    if value is None:
        return None
    if isinstance(value, bool):
        return Presence.PRESENT if value else Presence.ABSENT
    return _enum(Presence, value, name)
