"""The front desk's day in a real browser: sign in, see a new handoff arrive, read it, reply,
hand back, confirm a booking. The console is a real server process; Rasa is the stand-in unless
CONSOLE_TEST_RASA_URL points at a real one (see console_fixtures.py)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

import pytest
from playwright.sync_api import expect

from clinic.profile import load_profile

if TYPE_CHECKING:  # pytest imports the module through pytest_plugins
    from tests.browser.console_fixtures import ConsoleStore, ConsoleTab, RasaBackend

pytest_plugins = ["tests.browser.console_fixtures"]
pytestmark = pytest.mark.browser
NewId = Callable[[], str]


def test_staff_sign_in_and_see_the_queue(console_tab: ConsoleTab) -> None:
    console_tab.goto("/")
    expect(console_tab.page).to_have_url(re.compile(r"/login\?next=/$"))
    console_tab.sign_in()
    expect(console_tab.page.get_by_text(
        f"Signed in as {console_tab.server.display_name}")).to_be_visible()
    expect(console_tab.page.get_by_role("heading", name=re.compile("Booking requests"))) \
        .to_be_visible()


def test_a_wrong_password_is_refused_with_a_generic_message(console_tab: ConsoleTab) -> None:
    console_tab.goto("/login")
    console_tab.page.get_by_label("Username").fill(console_tab.server.username)
    console_tab.page.get_by_label("Password").fill("not the password at all")
    console_tab.page.get_by_role("button", name="Sign in").click()
    expect(console_tab.page.get_by_role("alert")).to_have_text(
        "The username or password is not correct.")
    expect(console_tab.page).to_have_url(re.compile(r"/login$"))


def test_a_new_handoff_appears_without_a_reload(signed_in_tab: ConsoleTab,
                                                console_store: ConsoleStore,
                                                console_new_id: NewId) -> None:
    page = signed_in_tab.page
    page.evaluate("window.__notReloaded = true")
    urgent = console_store.open_handoff(console_new_id(), urgency="urgent")
    emergency = console_store.open_handoff(console_new_id(), channel="whatsapp",
                                           urgency="emergency", reason="emergency")
    emergency_row = page.locator(f'#handoff-rows tr[data-id="{emergency.id}"]')
    expect(emergency_row).to_be_visible()
    expect(page.locator(f'#handoff-rows tr[data-id="{urgent.id}"]')).to_be_visible()
    # the urgency is written out (not colour alone), and the channel is shown
    expect(emergency_row.locator(".badge")).to_have_text("Emergency")
    expect(emergency_row).to_contain_text("WhatsApp")
    # most urgent first
    ids = page.locator("#handoff-rows tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert ids.index(emergency.id) < ids.index(urgent.id)
    assert page.evaluate("window.__notReloaded") is True


def test_open_a_handoff_and_read_its_transcript_and_summary(
        signed_in_tab: ConsoleTab, console_store: ConsoleStore, console_rasa: RasaBackend,
        console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    said_at = datetime(2030, 1, 7, 6, 5, tzinfo=timezone.utc)
    console_rasa.seed_user(conversation_id, "my back locked up when I lifted my son",
                           timestamp=said_at.timestamp())
    console_rasa.seed_bot(conversation_id, "I'm sorry to hear that. How bad is the pain?")
    handoff = console_store.open_handoff(conversation_id, urgency="urgent", summary={
        "complaint": "my back locked up when I lifted my son", "pain_score": 7,
        "red_flags": [], "urgency": "urgent", "mechanism": "lifting",
        "movement_tests": {"forward_lean": "pain"},
        "lines": ["Complaint: my back locked up when I lifted my son", "Pain: 7/10",
                  "Urgency: URGENT"]})
    page = signed_in_tab.page
    page.locator(f'#handoff-rows tr[data-id="{handoff.id}"]').get_by_role("link").click()
    expect(page.get_by_role("heading", name="Conversation handed to staff")).to_be_visible()
    transcript = page.locator("#transcript")
    visitor = transcript.locator(".msg-visitor").first
    expect(visitor).to_contain_text("my back locked up when I lifted my son")
    expect(visitor.locator(".msg-who")).to_have_text("Visitor")
    # shown in the clinic's time zone, not UTC
    local = said_at.astimezone(load_profile().tz).strftime("%d %b %H:%M")
    expect(visitor.locator("time")).to_have_text(local)
    assistant = transcript.locator(".msg-assistant").first
    expect(assistant).to_contain_text("How bad is the pain?")
    expect(assistant.locator(".msg-who")).to_have_text("Assistant")
    expect(page.locator("#summary-lines li")).to_have_text(
        ["Complaint: my back locked up when I lifted my son", "Pain: 7/10", "Urgency: URGENT"])
    fields = page.locator("#summary-fields")
    expect(fields).to_contain_text("Pain (0-10)")
    expect(fields).to_contain_text("forward lean: pain")


def test_new_visitor_messages_appear_while_the_conversation_is_open(
        signed_in_tab: ConsoleTab, console_store: ConsoleStore, console_rasa: RasaBackend,
        console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, "hello?")
    handoff = console_store.open_handoff(conversation_id)
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    visitor = signed_in_tab.page.locator("#transcript .msg-visitor")
    expect(visitor).to_have_count(1)
    console_rasa.seed_user(conversation_id, "is anyone there? it is getting worse")
    expect(visitor).to_have_count(2)
    expect(visitor.last).to_contain_text("is anyone there? it is getting worse")


def test_a_reply_reaches_the_visitor(signed_in_tab: ConsoleTab, console_store: ConsoleStore,
                                     console_rasa: RasaBackend, console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, "can I talk to a person")
    handoff = console_store.open_handoff(conversation_id)
    page = signed_in_tab.page
    author = signed_in_tab.server.display_name
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    page.get_by_label(re.compile("Reply to the visitor")).fill(
        "Hi, this is Sam from the front desk. How can I help?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#reply-status")).to_have_text("Sent.")
    staff_message = page.locator("#transcript .msg-staff").last
    expect(staff_message).to_contain_text("Hi, this is Sam from the front desk.")
    expect(staff_message.locator(".msg-who")).to_have_text(f"{author} (staff)")
    assert console_rasa.staff_events(conversation_id, "staff_reply") == [
        {"kind": "staff_reply", "author": author,
         "text": "Hi, this is Sam from the front desk. How can I help?"}]
    posts = console_rasa.recorded_posts(conversation_id)
    if posts is not None:  # the stand-in also shows how it was asked
        assert posts[-1].query["output_channel"] == "latest"
        assert posts[-1].query["execute_side_effects"] == "true"
        assert posts[-1].body[0]["metadata"] == {"from_staff": True}


def test_a_reply_without_javascript_posts_the_form(console_tab_without_js: ConsoleTab,
                                                   console_store: ConsoleStore,
                                                   console_rasa: RasaBackend,
                                                   console_new_id: NewId) -> None:
    tab = console_tab_without_js
    tab.sign_in()
    conversation_id = console_new_id()
    handoff = console_store.open_handoff(conversation_id)
    tab.goto(f"/handoffs/{handoff.id}")
    tab.page.get_by_label(re.compile("Reply to the visitor")).fill("Sent by the plain form")
    tab.page.get_by_role("button", name="Send reply").click()
    expect(tab.page.locator("#notice")).to_have_text("Reply sent.")
    expect(tab.page.locator("#transcript .msg-staff")).to_contain_text("Sent by the plain form")
    assert [r["text"] for r in console_rasa.staff_events(conversation_id, "staff_reply")] == \
        ["Sent by the plain form"]


def test_hand_back_resumes_the_assistant_and_closes_the_handoff(
        signed_in_tab: ConsoleTab, console_store: ConsoleStore, console_rasa: RasaBackend,
        console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, "thanks, that's all")
    handoff = console_store.open_handoff(conversation_id)
    page = signed_in_tab.page
    username = signed_in_tab.server.username
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    page.get_by_role("button", name="Hand back to the assistant").click()
    expect(page.locator("#notice")).to_have_text(
        "The conversation is back with the assistant; the visitor was told.")
    expect(page.locator("#item-status")).to_contain_text(f"Handed back by {username}")
    expect(page.locator("#reply-form")).to_have_count(0)
    events = console_rasa.events(conversation_id)
    assert "resume" in [e["event"] for e in events]
    assert any(e["event"] == "slot" and e.get("name") == "handoff_active"
               and e.get("value") is False for e in events)
    assert len(console_rasa.staff_events(conversation_id, "handoff_closed")) == 1
    closed = console_store.handoff(handoff.id)
    assert closed.status == "closed" and closed.closed_by == username
    signed_in_tab.goto("/")
    expect(page.locator(f'#handoff-rows tr[data-id="{handoff.id}"]')).to_have_count(0)


def test_confirm_a_booking(signed_in_tab: ConsoleTab, console_store: ConsoleStore,
                           console_rasa: RasaBackend, console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, "yes please book it")
    booking = console_store.request_booking(conversation_id, name="Thandi Booking")
    page = signed_in_tab.page
    username = signed_in_tab.server.username
    row = page.locator(f'#booking-rows tr[data-id="{booking.id}"]')
    expect(row).to_be_visible()  # arrives by polling: the queue was open before the insert
    expect(row).to_contain_text("Thandi Booking")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", name=f"Booking request {booking.reference}").first) \
        .to_be_visible()
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.locator("#notice")).to_have_text("Booking confirmed; the visitor was told.")
    expect(page.locator("#booking-status")).to_have_text("confirmed")
    decided = console_store.booking(booking.id)
    assert decided.status == "confirmed" and decided.decided_by == username
    updates = console_rasa.staff_events(conversation_id, "booking_update")
    assert len(updates) == 1 and updates[0]["status"] == "confirmed"
    assert booking.reference in updates[0]["text"]
    assert updates[0]["author"] == signed_in_tab.server.display_name
    signed_in_tab.goto("/audit")
    audit_row = page.locator('#audit-table tr[data-action="booking.confirm"]').filter(
        has_text=booking.id)
    expect(audit_row).to_have_count(1)
    expect(audit_row).to_contain_text("Confirmed booking")
    expect(audit_row).to_contain_text(username)


def test_the_audit_log_lists_sign_in_and_views(signed_in_tab: ConsoleTab,
                                               console_store: ConsoleStore,
                                               console_new_id: NewId) -> None:
    handoff = console_store.open_handoff(console_new_id())
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    signed_in_tab.page.get_by_role("link", name="Audit log").click()
    table = signed_in_tab.page.locator("#audit-table")
    expect(table.locator('tr[data-action="conversation.view"]').filter(has_text=handoff.id)) \
        .to_have_count(1)
    expect(table.locator('tr[data-action="login"]').first).to_be_visible()


def test_signing_out_ends_the_session(signed_in_tab: ConsoleTab) -> None:
    page = signed_in_tab.page
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#notice")).to_have_text("You have signed out.")
    signed_in_tab.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
