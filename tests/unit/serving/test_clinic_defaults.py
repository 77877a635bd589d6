"""New conversations carry the clinic's details even when the action server never answers."""

from __future__ import annotations

from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from clinic.profile import load_profile
from serving import clinic_defaults

ROOT = Path(__file__).resolve().parents[3]


def test_a_new_tracker_starts_with_the_clinic_details() -> None:
    domain = Domain.load(str(ROOT / "domain"))
    profile = load_profile()
    clinic_defaults.apply(domain, profile)
    tracker = DialogueStateTracker.from_events("visitor", [], domain.slots)
    assert tracker.get_slot("clinic_name") == profile.name
    assert tracker.get_slot("clinic_phone") == profile.phone
    assert profile.emergency.number in tracker.get_slot("emergency_text")


def test_every_clinic_slot_is_declared_in_the_domain() -> None:
    domain = Domain.load(str(ROOT / "domain"))
    declared = {slot.name for slot in domain.slots}
    assert set(clinic_defaults.clinic_slot_values(load_profile())) <= declared
