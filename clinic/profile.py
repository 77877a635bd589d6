"""Loads and validates the clinic profile so a clinic changes its details without touching code.

A broken profile stops start-up with a message naming the field, rather than surfacing later as a
wrong phone number in front of a patient.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Extra, ValidationError, validator

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "config" / "clinic_profile.yml"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class ProfileError(ValueError):
    """The clinic profile file is missing or invalid."""


class _Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Emergency(_Strict):
    number: str
    text: str


class BookingPolicy(_Strict):
    appointment_minutes: int = 60
    min_notice_hours: int = 2
    max_days_ahead: int = 60
    text: str = ""

    @validator("appointment_minutes", "max_days_ahead")
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("must be positive")
        return value

    @validator("min_notice_hours")
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must not be negative")
        return value


class ClinicProfile(_Strict):
    sample_data: bool = False
    name: str
    phone: str
    whatsapp: Optional[str] = None
    address: str
    time_zone: str
    phone_region: str = "ZA"
    emergency: Emergency
    opening_hours: Dict[str, List[Tuple[str, str]]]
    booking_policy: BookingPolicy = BookingPolicy()
    privacy_notice_url: str = "/privacy"

    @validator("time_zone")
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @validator("phone_region")
    def _known_region(cls, value: str) -> str:
        import phonenumbers

        if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"unknown phone region {value!r}")
        return value.upper()

    @validator("opening_hours")
    def _valid_hours(cls, value: Dict[str, List[Tuple[str, str]]]) -> Dict:
        unknown = set(value) - set(WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s): {', '.join(sorted(unknown))}")
        for day, spans in value.items():
            for start, end in spans:
                if not (_HHMM.match(start) and _HHMM.match(end)):
                    raise ValueError(f"{day}: times must be HH:MM, got {start}-{end}")
                if start >= end:
                    raise ValueError(f"{day}: {start} is not before {end}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def spans_on(self, day: datetime) -> List[Tuple[time, time]]:
        """Opening spans on the weekday of `day` (local time)."""
        spans = self.opening_hours.get(WEEKDAYS[day.weekday()], [])
        return [(time.fromisoformat(s), time.fromisoformat(e)) for s, e in spans]

    def is_open(self, moment: datetime) -> bool:
        """Whether the front desk is staffed at `moment` (any tz-aware datetime)."""
        local = moment.astimezone(self.tz)
        return any(s <= local.time() < e for s, e in self.spans_on(local))

    def next_opening(self, moment: datetime) -> Optional[datetime]:
        """The next time the front desk opens after `moment`, within a week."""
        local = moment.astimezone(self.tz)
        for offset in range(8):
            day = local + timedelta(days=offset)
            for start, _ in self.spans_on(day):
                candidate = datetime.combine(day.date(), start, tzinfo=self.tz)
                if candidate > local:
                    return candidate
        return None

    def hours_text(self) -> str:
        """Opening hours in one short line per weekday, for chat and the console."""
        lines = []
        for day in WEEKDAYS:
            spans = self.opening_hours.get(day, [])
            hours = ", ".join(f"{s}-{e}" for s, e in spans) if spans else "closed"
            lines.append(f"{day.capitalize()[:3]} {hours}")
        return "\n".join(lines)


def load_profile(path: Optional[Path] = None) -> ClinicProfile:
    """Reads the profile from `path`, `$CLINIC_PROFILE`, or the packaged sample."""
    target = Path(path or os.environ.get("CLINIC_PROFILE") or DEFAULT_PATH)
    try:
        raw = yaml.safe_load(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"clinic profile {target}: cannot read ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ProfileError(f"clinic profile {target}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise ProfileError(f"clinic profile {target}: expected a mapping at the top level")
    try:
        return ClinicProfile(**raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"clinic profile {target}: {problems}") from exc


@lru_cache(maxsize=1)
def cached_profile() -> ClinicProfile:
    """The process-wide profile; loaded once, on first use (never at import time)."""
    return load_profile()
