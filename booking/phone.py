"""Checking and normalising a contact number with the `phonenumbers` library."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import phonenumbers


@dataclass(frozen=True)
class PhoneCheck:
    e164: Optional[str] = None
    problem: Optional[str] = None


def normalise_phone(text: str, default_region: str) -> PhoneCheck:
    """`082 123 4567` (ZA) -> `+27821234567`; a clear message when it is not a valid number."""
    candidate = (text or "").strip().removeprefix("whatsapp:")
    try:
        number = phonenumbers.parse(candidate, default_region)
    except phonenumbers.NumberParseException:
        return PhoneCheck(problem="That doesn't look like a phone number. Could you type it "
                                  "again, for example 082 123 4567 or +27 82 123 4567?")
    if not phonenumbers.is_valid_number(number):
        return PhoneCheck(problem="That number doesn't seem to be complete or valid. Could "
                                  "you check it and type it again?")
    return PhoneCheck(e164=phonenumbers.format_number(number,
                                                      phonenumbers.PhoneNumberFormat.E164))
