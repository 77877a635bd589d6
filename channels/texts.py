"""The fixed texts the WhatsApp channels send on their own, without asking Rasa."""

from __future__ import annotations

MEDIA_NOT_SUPPORTED = (
    "Thanks for sending that. I can only read typed messages, so I can't look at photos, "
    "voice notes, videos, locations, stickers or files. Please type what you'd like to tell "
    "me or ask, or tap one of the options I send."
)

TURN_FAILED = (
    "Sorry, something went wrong on our side and I couldn't answer your last message. "
    "Please try again in a few minutes; the clinic's front desk has been told. If this is an "
    "emergency, call your local emergency number now."
)

LIST_BUTTON_LABEL = "Choose an option"  # the list message's button (max 20 characters)
LIST_SECTION_TITLE = "Options"  # max 24 characters
CHOOSE_PROMPT = "Please choose one:"  # the body of a choice that came without text
