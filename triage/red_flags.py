"""Red flags: warning signs that need a doctor before any physiotherapy (NICE NG59, GIRFT CES).

Only an affirmed sign raises a flag. A "yes" to a screen question counts even when the visitor
does not say which sign. An unsure answer raises nothing but is remembered, so the visitor is told
what to do if the sign appears.
"""

from __future__ import annotations

from dataclasses import dataclass

from triage.assessment import Reason, join_sources
from triage.facts import Facts
from triage.knowledge import Knowledge
from triage.texts import render
from triage.vocabulary import LEVELS, SCREEN_QUESTIONS, Level, Presence, Urgency, urgency_for_level


@dataclass(frozen=True)
class RedFlagResult:
    """The present flags (emergency first), the levels they reach, and unsure levels."""

    flags: tuple[str, ...]
    levels: frozenset[Level]
    unsure_levels: frozenset[Level]
    reasons: tuple[Reason, ...]

    @property
    def urgency(self) -> Urgency | None:
        """The urgency the flags force, or None when there is no flag."""
        for level in LEVELS:
            if level in self.levels:
                return urgency_for_level(level)
        return None


def screen_answer(facts: Facts, level: Level) -> Presence | None:
    """The visitor's answer to the screen question of `level`."""
    return facts.screen_emergency if level == "emergency" else facts.screen_urgent


def find_red_flags(facts: Facts, knowledge: Knowledge) -> RedFlagResult:
    """Collects present and unsure warning signs, level by level."""
    flags: list[str] = []
    levels: set[Level] = set()
    unsure: set[Level] = set()
    reasons: list[Reason] = []
    for level in LEVELS:
        screen = knowledge.screens[level]
        for code, flag in knowledge.red_flags.items():
            if flag.level != level:
                continue
            presence = facts.presence(code)
            source = join_sources(flag.source)
            if presence is Presence.PRESENT:
                flags.append(code)
                levels.add(level)
                text = render(screen.reason_flag, {"label": flag.label})
                reasons.append(Reason("red_flag", code, text, source))
            elif presence is Presence.UNSURE:
                unsure.add(level)
                text = render(screen.reason_unsure, {"label": flag.label})
                reasons.append(Reason("warning_sign_unsure", code, text, source))
        answer = screen_answer(facts, level)
        source = join_sources(screen.source)
        if answer is Presence.PRESENT:
            flags.append(screen.flag)
            levels.add(level)
            reasons.append(Reason("red_flag", screen.flag, screen.reason_screen, source))
        elif answer is Presence.UNSURE:
            unsure.add(level)
            code = SCREEN_QUESTIONS[level]
            reasons.append(Reason("warning_sign_unsure", code, screen.reason_screen_unsure, source))
    return RedFlagResult(tuple(flags), frozenset(levels), frozenset(unsure), tuple(reasons))
