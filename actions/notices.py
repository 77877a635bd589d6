"""The texts that send a visitor to emergency or urgent care, built from the engine's result."""

from __future__ import annotations

from typing import List

from clinic.profile import ClinicProfile
from triage import Assessment, TriageEngine


def escalation_messages(engine: TriageEngine, assessment: Assessment,
                        profile: ClinicProfile) -> List[str]:
    """First the instruction (with the clinic's emergency number), then why."""
    urgency = assessment.urgency.value
    instruction = " ".join(item.text for item in assessment.advice_do)
    if urgency == "emergency":
        headline = f"⚠️ Please get emergency care now: {profile.emergency.text}."
    else:
        headline = ("⚠️ Please see a doctor today. If you can't get an appointment today, "
                    f"go to an emergency unit ({profile.emergency.text}).")
    why = " ".join(engine.explain(assessment)[:1])
    messages = [headline]
    if instruction:
        messages.append(instruction)
    if why:
        messages.append(why)
    return messages
