"""Rendering bot messages as Graph API messages: text, reply buttons, lists, numbered text."""

from __future__ import annotations

from typing import List

import pytest

from channels import texts
from channels.cloud_messages import (
    NotAWhatsAppNumber,
    image_or_link,
    recipient,
    render_choice,
    render_text,
)
from channels.options import LinkButton, Option
from tests.standins.graph_api import validate_message

TO = "27821234567"


def options(count: int, title: str = "Option number {n}") -> List[Option]:
    return [Option(title.format(n=n), f"/choose{{\"n\": {n}}}") for n in range(1, count + 1)]


@pytest.mark.parametrize(("count", "style", "kind"), [
    (1, "buttons", "button"),
    (3, "buttons", "button"),
    (4, "list", "list"),
    (10, "list", "list"),
    (11, "numbered", "text"),
])
def test_choice_style_by_number_of_options(count: int, style: str, kind: str) -> None:
    rendered = render_choice(TO, "Which one?", options(count))
    assert rendered.style == style
    assert len(rendered.messages) == 1
    message = rendered.messages[0]
    assert validate_message(message) is None  # the documented limits hold
    assert (message["interactive"]["type"] if message["type"] == "interactive"
            else message["type"]) == kind
    assert [o.payload for o in rendered.offered] == [o.payload for o in options(count)]


def test_reply_buttons_carry_payloads_as_ids_and_short_titles() -> None:
    offered = [Option("Check my back", "/check_my_back"),
               Option("Book an appointment for an assessment", "/book"),
               Option("Talk to a person", "/human_handoff")]
    rendered = render_choice(TO, "Hi! How can I help?", offered)
    interactive = rendered.messages[0]["interactive"]
    assert interactive["body"] == {"text": "Hi! How can I help?"}
    buttons = interactive["action"]["buttons"]
    assert [b["reply"]["id"] for b in buttons] == ["/check_my_back", "/book", "/human_handoff"]
    assert [b["reply"]["title"] for b in buttons] == [
        "Check my back", "Book appt for…", "Talk to a person"]
    assert [o.label for o in rendered.offered] == [None, "Book appt for…", None]


def test_list_rows_keep_the_full_title_in_the_description() -> None:
    offered = options(5, "When I bend forward to pick something up {n}")
    rendered = render_choice(TO, "When does it hurt?", offered)
    action = rendered.messages[0]["interactive"]["action"]
    assert action["button"] == texts.LIST_BUTTON_LABEL
    rows = action["sections"][0]["rows"]
    assert all(len(row["title"]) <= 24 for row in rows)
    assert len({row["title"] for row in rows}) == 5
    assert rows[0]["description"] == "When I bend forward to pick something up 1"
    short = render_choice(TO, "Pick", [Option("Fits", "/a"), Option("B", "/b"),
                                       Option("C", "/c"), Option("D", "/d")])
    assert "description" not in short.messages[0]["interactive"]["action"]["sections"][0][
        "rows"][0]


def test_eleven_options_become_numbered_text() -> None:
    rendered = render_choice(TO, "Pick one", options(11))
    body = rendered.messages[0]["text"]["body"]
    assert body.startswith("Pick one\n\n1. Option number 1\n2. Option number 2")
    assert body.endswith("11. Option number 11")


def test_payload_too_long_for_a_reply_id_falls_back_to_numbered_text() -> None:
    offered = [Option("Yes", "/inform" + "x" * 300), Option("No", "/deny")]
    assert render_choice(TO, "Sure?", offered).style == "numbered"


def test_duplicate_payloads_fall_back_to_numbered_text() -> None:
    offered = [Option("Yes", "/affirm"), Option("Yes please", "/affirm")]
    assert render_choice(TO, "Sure?", offered).style == "numbered"


def test_long_text_goes_first_and_the_body_fits() -> None:
    text = " ".join(f"Sentence number {n} about your back." for n in range(60))
    rendered = render_choice(TO, text, options(2))
    assert [m["type"] for m in rendered.messages] == ["text", "interactive"]
    assert all(validate_message(m) is None for m in rendered.messages)
    sent = rendered.messages[0]["text"]["body"] + " " + rendered.messages[1]["interactive"][
        "body"]["text"]
    assert sent.split() == text.split()


def test_choice_without_text_gets_a_prompt() -> None:
    rendered = render_choice(TO, "", options(2))
    assert rendered.messages[0]["interactive"]["body"]["text"] == texts.CHOOSE_PROMPT


def test_link_buttons_become_lines_of_text() -> None:
    rendered = render_choice(TO, "More about us", [],
                             [LinkButton("Website", "https://clinic.example")])
    assert rendered.style == "text"
    assert rendered.messages[0]["text"]["body"] == "More about us\n\nWebsite: https://clinic.example"


def test_text_is_split_at_the_whatsapp_limit() -> None:
    messages = render_text(TO, "word " * 2000)
    assert len(messages) == 3
    assert all(validate_message(m) is None for m in messages)


@pytest.mark.parametrize(("url", "kind"), [
    ("https://clinic.example/images/tests/forward_lean.png", "image"),
    ("https://clinic.example/images/tests/forward_lean.JPG", "image"),
    ("https://clinic.example/picture", "image"),
    ("https://clinic.example/images/tests/forward_lean.svg", "text"),  # WhatsApp: JPEG/PNG only
    ("https://clinic.example/anim.gif?v=1", "text"),
])
def test_images_by_link(url: str, kind: str) -> None:
    message = image_or_link(TO, url)
    assert message["type"] == kind
    assert validate_message(message) is None
    if kind == "image":
        assert message["image"] == {"link": url}
    else:
        assert message["text"] == {"preview_url": True, "body": url}


@pytest.mark.parametrize(("conversation_id", "expected"), [
    ("+27821234567", "27821234567"), ("27821234567", "27821234567"),
    ("+27 82 123 4567", "27821234567")])
def test_recipient(conversation_id: str, expected: str) -> None:
    assert recipient(conversation_id) == expected


@pytest.mark.parametrize("conversation_id", ["whatsapp:+27821234567", "abc", "+12", "socket-1"])
def test_recipient_refuses_other_ids(conversation_id: str) -> None:
    with pytest.raises(NotAWhatsAppNumber):
        recipient(conversation_id)
