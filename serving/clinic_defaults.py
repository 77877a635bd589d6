"""The clinic's details as the starting value of their slots, set in the Rasa server itself.

action_session_start copies them from the clinic profile, but it runs on the action server:
when that server is down as a conversation starts, the disclaimer would read "I'm None's
assistant" and an emergency reply would lack the emergency number. With the profile's values
as the slots' initial values, every new tracker has them whatever the action server does.
"""

from __future__ import annotations

import logging
from typing import Dict

from rasa.shared.core.domain import Domain

from clinic.profile import ClinicProfile, cached_profile

logger = logging.getLogger(__name__)


def clinic_slot_values(profile: ClinicProfile) -> Dict[str, str]:
    """Slot name to value; the names are those of domain/core.yml and actions/names.py."""
    return {"clinic_name": profile.name, "clinic_phone": profile.phone,
            "emergency_text": profile.emergency.text}


def apply(domain: Domain, profile: ClinicProfile | None = None) -> None:
    """Sets the initial value of each clinic slot the domain declares."""
    values = clinic_slot_values(profile or cached_profile())
    for slot in domain.slots:
        if slot.name in values:
            slot.initial_value = values[slot.name]
            slot.value = values[slot.name]
    logger.info("server.clinic_defaults.applied slots=%d",
                sum(slot.name in values for slot in domain.slots))
