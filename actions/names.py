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

# Facts the guided assessment collects.
COMPLAINT = "complaint"
SCREEN_EMERGENCY = "screen_emergency"
SCREEN_URGENT = "screen_urgent"
MECHANISM = "mechanism"
DURATION = "duration"
PAIN_SCORE = "pain_score"
LIMITED_ACTIVITIES = "limited_activities"
LEG_SYMPTOMS = "leg_symptoms"
TEST_SLOTS = (
    "test_forward_lean",
    "test_side_bend_left",
    "test_side_bend_right",
    "test_rotation_left",
    "test_rotation_right",
    "test_pelvic_tilt",
)
NOTHING = "none"  # the answer "none of these" in list slots
REQUESTED_SLOT = "requested_slot"
HANDOFF_ACTIVE = "handoff_active"

ASSESSMENT_FORM = "assessment_form"
ACTION_ESCALATE = "action_escalate"

# Responses sent from inside actions or predicted by SafetyPolicy, so no story or rule names
# them. scripts/validate_data.py accepts Rasa's "not used in any story or rule" warning for
# exactly these, and a unit test checks each exists in the domain.
RESPONSES_SENT_BY_CODE = (
    UTTER_DISCLAIMER,
    UTTER_NO_MORE,
    "utter_emergency_offline",
    "utter_default",  # Rasa's own action_default_fallback
)
