"""Turns "next Tuesday morning" or "tomorrow after 3" into a checked appointment time.

Days and times of day are read by small rules (so "next Tuesday morning" and "after 3" mean
what a receptionist would take them to mean); explicit dates ("1 December", "2026-12-01") go
to `dateparser`. The result is checked against the clinic profile: opening hours, notice, how
far ahead, never in the past.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional, Tuple

import dateparser

from clinic.profile import WEEKDAYS, ClinicProfile

PARTS_OF_DAY = {"morning": time(9, 0), "midday": time(12, 0), "noon": time(12, 0),
                "lunchtime": time(12, 0), "afternoon": time(14, 0), "evening": time(17, 0)}
_MERIDIEM = r"\s*(am|pm|a\.m\.|p\.m\.)?"
# A bare number is a time only after a word like "at" ("at 3"), or with minutes or am/pm:
# "1 December" and "3 days" are not times.
_CLOCKS = [
    re.compile(r"\b(?:after|from|before|around|about|at|by)\s+(\d{1,2})(?:[:h.](\d{2}))?"
               + _MERIDIEM + r"(?![\w])", re.I),
    re.compile(r"\b(\d{1,2})[:h.](\d{2})" + _MERIDIEM + r"(?![\w])", re.I),
    re.compile(r"\b(\d{1,2})()\s*(am|pm|a\.m\.|p\.m\.)(?![\w])", re.I),
]


@dataclass(frozen=True)
class TimeCheck:
    """Either a start time (aware, clinic time zone) or a message saying what is wrong."""

    start: Optional[datetime] = None
    problem: Optional[str] = None


def _day(text: str, today: date) -> Optional[date]:
    lowered = text.lower()
    if "day after tomorrow" in lowered:
        return today + timedelta(days=2)
    if re.search(r"\btomorrow\b|\btmrw\b|\btomorow\b", lowered):
        return today + timedelta(days=1)
    if re.search(r"\btoday\b|\btonight\b|\bthis (morning|afternoon|evening)\b", lowered):
        return today
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}\b|\b{name[:3]}\b", lowered):
            ahead = (index - today.weekday()) % 7 or 7
            if "next week" in lowered and \
                    (today + timedelta(days=ahead)).isocalendar()[1] == today.isocalendar()[1]:
                ahead += 7  # "next week Friday" said on a Monday: not this Friday
            return today + timedelta(days=ahead)
    return None


def _clock(text: str) -> Tuple[Optional[time], bool]:
    """The time of day, and whether it was only a part of the day ("morning")."""
    for pattern in _CLOCKS:
        for match in pattern.finditer(text):
            hour_s, minute_s, meridiem = match.groups()
            hour, minute = int(hour_s), int(minute_s or 0)
            if minute > 59:
                continue
            if meridiem:
                if not 1 <= hour <= 12:
                    continue
                hour = hour % 12 + (12 if meridiem.replace(".", "").lower() == "pm" else 0)
            elif 1 <= hour <= 7:
                hour += 12  # "at 3" at a clinic means the afternoon
            if hour > 23:
                continue
            return time(hour, minute), False
    for word, moment in PARTS_OF_DAY.items():
        if word in text.lower():
            return moment, True
    return None, False


def parse_preferred_time(text: str, now: datetime, profile: ClinicProfile) -> TimeCheck:
    """Reads `text` relative to `now` (any aware datetime) in the clinic's time zone."""
    local_now = now.astimezone(profile.tz)
    day = _day(text, local_now.date())
    moment, vague = _clock(text)
    if day is None:
        parsed = dateparser.parse(
            text, languages=["en"],
            settings={"TIMEZONE": profile.time_zone, "RETURN_AS_TIMEZONE_AWARE": True,
                      "PREFER_DATES_FROM": "future", "DATE_ORDER": "DMY",
                      "RELATIVE_BASE": local_now.replace(tzinfo=None)})
        if parsed is None:
            return TimeCheck(problem="Sorry, I couldn't work out that day and time. Try "
                                     "something like \"tomorrow at 10\" or \"Friday morning\".")
        parsed = parsed.astimezone(profile.tz)
        day = parsed.date()
        if moment is None and (parsed.hour, parsed.minute) != (0, 0):
            moment = parsed.time()
    if moment is None:
        return TimeCheck(problem="What time of day suits you on "
                                 f"{day.strftime('%A %-d %B')}? For example 10:00 or "
                                 "\"in the afternoon\".")
    start = datetime.combine(day, moment, tzinfo=profile.tz)
    return check_time(start, local_now, profile, vague)


def _fmt(moment: datetime) -> str:
    return moment.strftime("%A %-d %B at %H:%M")


def check_time(start: datetime, now: datetime, profile: ClinicProfile,
               vague: bool = False) -> TimeCheck:
    """Checks a start time against notice, horizon and opening hours."""
    policy = profile.booking_policy
    length = timedelta(minutes=policy.appointment_minutes)
    if start < now:
        return TimeCheck(problem="That time has already passed. When else would suit you?")
    if start < now + timedelta(hours=policy.min_notice_hours):
        return TimeCheck(problem=f"We need at least {policy.min_notice_hours} hours' notice. "
                                 "Could you choose a later time?")
    if start.date() > (now + timedelta(days=policy.max_days_ahead)).date():
        return TimeCheck(problem=f"We take bookings up to {policy.max_days_ahead} days ahead. "
                                 "Could you choose an earlier day?")
    spans = profile.spans_on(start)
    if not spans:
        return TimeCheck(problem=f"We're closed on {start.strftime('%A')}s. "
                                 f"Our hours are:\n{profile.hours_text()}")
    for open_at, close_at in spans:
        first = datetime.combine(start.date(), open_at, tzinfo=profile.tz)
        last = datetime.combine(start.date(), close_at, tzinfo=profile.tz) - length
        if vague and start < first <= last:
            start = first  # "morning" on a day we open later: the first slot
        if first <= start <= last:
            return TimeCheck(start=start)
    hours = ", ".join(f"{o.strftime('%H:%M')}-{c.strftime('%H:%M')}" for o, c in spans)
    return TimeCheck(problem=f"On {start.strftime('%A')} we're open {hours}, and an "
                             f"appointment takes {policy.appointment_minutes} minutes. "
                             "Which time in those hours suits you?")
