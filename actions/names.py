"""Slot, action and response names shared by the actions, so a typo fails at import, not in chat."""

# Clinic details (from the clinic profile).
CLINIC_NAME = "clinic_name"
CLINIC_PHONE = "clinic_phone"
EMERGENCY_TEXT = "emergency_text"
DISCLAIMER_SHOWN = "disclaimer_shown"

# Triage outputs.
URGENCY = "urgency"
ESCALATED = "escalated"
RED_FLAGS = "red_flags"
ASSESSMENT = "assessment"
STRAIN_GRADE = "strain_grade"
SEVERITY = "severity"
DIFFERENTIALS = "differentials"
FINDINGS = "findings"

CLINIC_SLOTS = (CLINIC_NAME, CLINIC_PHONE, EMERGENCY_TEXT)

# Responses.
UTTER_DISCLAIMER = "utter_disclaimer"
UTTER_NO_MORE = "utter_no_more"
FAQ_RESPONSE_PREFIX = "utter_faq/"
MORE_SUFFIX = "_more"
