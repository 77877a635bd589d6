"""The visitors of the scale-out runs: realistic ten-turn conversations (the assessment, a
question in the middle, button payloads, a booking), each turn of which gets a bot reply."""

from __future__ import annotations

import re
import secrets
from typing import List

from tests.support.load import Conversation

TURNS = 10
BOOKING_EVERY = 10  # one conversation in ten books an assessment
REFERENCE = re.compile(r"\bBK-[A-Z0-9]{6}\b")

ASSESSMENTS = [
    ["my back locked up when I picked up my son", "no", "none of these", "bending and sitting",
     "about a 7", "it hurt", "felt tight", "skip", "fine", "fine"],
    ["hi", "my lower back has been sore since I lifted a box", "/deny", "/deny",
     '/describe_pain{"activity": "bending"}', "5", '/describe_pain{"test_result": "pain"}',
     '/describe_pain{"test_result": "tension"}', "/skip_test", "should I use heat?"],
    ["my back is in spasm", "no", "no", '/describe_pain{"mechanism": "lifting"}', "/deny", "5",
     "should I use heat?", "it was fine", "pain", "tension"],
]
FIRST_NAMES = ["Thandi", "Pieter", "Aisha", "Sipho", "Lerato", "Johan", "Nomvula", "Ahmed",
               "Chantelle", "Bongani", "Priya", "Willem", "Zanele", "Ruan", "Fatima"]
SURNAMES = ["Mokoena", "Botha", "Patel", "Dlamini", "Khumalo", "van der Merwe", "Naidoo",
            "Ndlovu", "Smit", "Adams", "Mahlangu", "Pillay", "Fourie", "Jacobs", "Zulu"]


def booking_script(name: str, phone: str) -> List[str]:
    return ["my back is really stiff", "/deny", "/deny", "I want to book an assessment", name,
            phone, "next Tuesday at 10", "yes", "thanks", "bye"]


def visitors(count: int, run: str) -> List[Conversation]:
    """`count` conversations with ids `so-<run>-<n>`; every tenth one books, with a name and
    phone number of its own (so a booking can only match the conversation that made it)."""
    conversations = []
    for n in range(count):
        sender = f"so-{run}-{n:03d}"
        if n % BOOKING_EVERY == BOOKING_EVERY // 2:
            k = n // BOOKING_EVERY
            name = f"{FIRST_NAMES[k % 15]} {SURNAMES[(7 * (k % 15) + k // 15) % 15]}"  # unique
            phone = f"082 {100 + k:03d} {secrets.randbelow(10_000):04d}"
            conversations.append(Conversation(sender, booking_script(name, phone),
                                              booking={"name": name, "phone": phone},
                                              offset=n % 2))
        else:
            conversations.append(Conversation(sender, ASSESSMENTS[n % len(ASSESSMENTS)],
                                              offset=n % 2))
    assert all(len(c.texts) == TURNS for c in conversations)
    return conversations


def e164(phone: str) -> str:
    """082 123 4567 -> +27821234567 (South African numbers, as the booking form stores them)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "+27" + digits[1:]
