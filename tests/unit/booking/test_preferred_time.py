"""Reading a preferred appointment time, table-driven. 'Now' is Tuesday 24 November 2026,
21:00 in Cape Town, with the sample clinic's hours (Mon-Thu 07:30-18:00, Fri -16:00,
Sat 08:00-12:00, Sun closed; one-hour appointments, two hours' notice, 60 days ahead)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from booking.phone import normalise_phone
from booking.preferred_time import check_time, parse_preferred_time
from clinic.profile import load_profile

TZ = ZoneInfo("Africa/Johannesburg")
NOW = datetime(2026, 11, 24, 21, 0, tzinfo=TZ)


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        ("next Tuesday morning", datetime(2026, 12, 1, 9, 0)),
        ("tomorrow after 3", datetime(2026, 11, 25, 15, 0)),
        ("tomorrow at 3pm", datetime(2026, 11, 25, 15, 0)),
        ("Friday at 10am", datetime(2026, 11, 27, 10, 0)),
        ("thursday 9.30", datetime(2026, 11, 26, 9, 30)),
        ("wed 14h00", datetime(2026, 11, 25, 14, 0)),
        ("1 December 11:00", datetime(2026, 12, 1, 11, 0)),
        ("1st of December at 2pm", datetime(2026, 12, 1, 14, 0)),
        ("in 3 days at 11", datetime(2026, 11, 27, 11, 0)),
        ("Saturday morning", datetime(2026, 11, 28, 9, 0)),
        ("tuesday", None),  # a day without a time: ask for the time
    ],
)
def test_times_people_say(said: str, expected: datetime | None) -> None:
    check = parse_preferred_time(said, NOW, load_profile())
    if expected is None:
        assert check.start is None and "What time" in (check.problem or "")
    else:
        assert check.problem is None
        assert check.start == expected.replace(tzinfo=TZ)


@pytest.mark.parametrize(
    ("said", "problem"),
    [
        ("Sunday at 10", "closed on Sundays"),
        ("tomorrow at 6am", "open 07:30-18:00"),
        ("Monday at 17:30", "appointment takes 60 minutes"),  # would end after closing
        ("Saturday afternoon", "open 08:00-12:00"),
        ("today at 16:00", "already passed"),
        ("1 March 2027 at 10:00", "60 days ahead"),
        ("whenever really", "couldn't work out"),
    ],
)
def test_times_that_cannot_be_booked_say_why(said: str, problem: str) -> None:
    check = parse_preferred_time(said, NOW, load_profile())
    assert check.start is None
    assert problem in (check.problem or "")


def test_short_notice_is_refused() -> None:
    profile = load_profile()
    monday_morning = datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    check = check_time(datetime(2026, 11, 30, 10, 0, tzinfo=TZ), monday_morning, profile)
    assert check.start is None and "notice" in (check.problem or "")


@pytest.mark.parametrize(
    ("typed", "e164"),
    [("082 123 4567", "+27821234567"), ("+27 82 123 4567", "+27821234567"),
     ("whatsapp:+27821234567", "+27821234567"), ("+44 20 7946 0958", "+442079460958"),
     ("(021) 555-0142", "+27215550142")],
)
def test_phone_numbers_are_normalised(typed: str, e164: str) -> None:
    assert normalise_phone(typed, "ZA").e164 == e164


@pytest.mark.parametrize("typed", ["12345", "hello", "", "021 5", "+27 82 123 4567 8"])
def test_invalid_phone_numbers_get_a_clear_message(typed: str) -> None:
    check = normalise_phone(typed, "ZA")
    assert check.e164 is None and check.problem
