from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from clinic.profile import DEFAULT_PATH, ProfileError, load_profile

TZ = ZoneInfo("Africa/Johannesburg")


@pytest.fixture
def sample() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "profile.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_the_shipped_profile_loads_and_is_marked_as_sample() -> None:
    profile = load_profile()
    assert profile.sample_data is True
    assert "sample" in profile.name.lower()
    assert profile.emergency.number


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2026, 11, 23, 7, 29), False),  # Monday, before opening
        (datetime(2026, 11, 23, 7, 30), True),  # Monday, opening minute
        (datetime(2026, 11, 23, 17, 59), True),
        (datetime(2026, 11, 23, 18, 0), False),  # closing minute is closed
        (datetime(2026, 11, 27, 16, 30), False),  # Friday closes at 16:00
        (datetime(2026, 11, 28, 9, 0), True),  # Saturday morning
        (datetime(2026, 11, 29, 10, 0), False),  # Sunday closed
    ],
)
def test_opening_hours_in_the_clinic_time_zone(local: datetime, expected: bool) -> None:
    assert load_profile().is_open(local.replace(tzinfo=TZ)) is expected


def test_is_open_converts_other_time_zones() -> None:
    # 06:00 UTC on a Monday is 08:00 in Johannesburg.
    assert load_profile().is_open(datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo("UTC")))


def test_next_opening_skips_a_closed_sunday() -> None:
    saturday_afternoon = datetime(2026, 11, 28, 13, 0, tzinfo=TZ)
    assert load_profile().next_opening(saturday_afternoon) == datetime(2026, 11, 30, 7, 30,
                                                                       tzinfo=TZ)


def test_a_changed_profile_changes_what_is_read(tmp_path: Path, sample: dict) -> None:
    sample["phone"] = "011 000 1234"
    assert load_profile(write(tmp_path, sample)).phone == "011 000 1234"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(time_zone="Mars/Olympus"), "time_zone"),
        (lambda d: d["opening_hours"].update(monday=[["18:00", "07:30"]]), "opening_hours"),
        (lambda d: d["opening_hours"].update(funday=[]), "funday"),
        (lambda d: d.pop("phone"), "phone"),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d["booking_policy"].update(min_notice_hours=-1), "min_notice_hours"),
    ],
)
def test_a_broken_profile_stops_with_the_field_named(tmp_path: Path, sample: dict, change,
                                                      message: str) -> None:
    change(sample)
    with pytest.raises(ProfileError, match=message):
        load_profile(write(tmp_path, sample))


def test_a_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "nope.yml")
