"""What the console refuses, in a real browser: signed-out requests, forged requests (wrong
CSRF token) and script in what a visitor wrote. Plus the warnings staff must not miss."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Callable

import pytest
from playwright.sync_api import expect

if TYPE_CHECKING:  # pytest imports the module through pytest_plugins
    from tests.browser.console_fixtures import ConsoleStore, ConsoleTab, RasaBackend

pytest_plugins = ["tests.browser.console_fixtures"]
pytestmark = pytest.mark.browser
NewId = Callable[[], str]
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="window.__xss = 1; alert(2)">'


def _nothing_changed(store: ConsoleStore, rasa: RasaBackend, conversation_id: str,
                     handoff_id: str, booking_id: str) -> None:
    assert store.handoff(handoff_id).status == "open"
    booking = store.booking(booking_id)
    assert booking.status == "requested" and booking.decided_by is None
    for kind in ("staff_reply", "handoff_closed", "booking_update"):
        assert rasa.staff_events(conversation_id, kind) == [], kind


@pytest.mark.parametrize("path", ["/", "/audit", "/handoffs/{h}", "/bookings/{b}"])
def test_signed_out_pages_redirect_to_the_login(console_tab: ConsoleTab,
                                                console_store: ConsoleStore,
                                                console_new_id: NewId, path: str) -> None:
    conversation_id = console_new_id()
    target = path.format(h=console_store.open_handoff(conversation_id).id,
                         b=console_store.request_booking(conversation_id).id)
    console_tab.goto(target)
    expect(console_tab.page).to_have_url(re.compile(r"/login\?next=" + re.escape(target) + "$"))
    expect(console_tab.page.get_by_role("heading", name="Sign in to the front desk")) \
        .to_be_visible()


def test_signed_out_json_and_posts_are_refused(console_tab: ConsoleTab,
                                               console_store: ConsoleStore,
                                               console_rasa: RasaBackend,
                                               console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    handoff = console_store.open_handoff(conversation_id)
    booking = console_store.request_booking(conversation_id)
    request, base = console_tab.page.request, console_tab.server.url
    for path in ("/api/queue", f"/api/handoffs/{handoff.id}/transcript",
                 f"/api/bookings/{booking.id}/transcript"):
        reply = request.get(base + path)
        assert reply.status == 401, path
        assert reply.json()["error"] == "unauthenticated"
    form = {"csrf_token": "anything", "text": "hello"}
    for path in (f"/handoffs/{handoff.id}/reply", f"/handoffs/{handoff.id}/hand-back",
                 f"/bookings/{booking.id}/confirm", f"/bookings/{booking.id}/decline"):
        assert request.post(base + path, form=form, max_redirects=0).status == 403, path
    api = request.post(base + f"/api/handoffs/{handoff.id}/reply", data={"text": "hello"},
                       headers={"X-CSRF-Token": "anything"})
    assert api.status == 401
    _nothing_changed(console_store, console_rasa, conversation_id, handoff.id, booking.id)


def test_a_wrong_csrf_token_is_refused_and_changes_nothing(signed_in_tab: ConsoleTab,
                                                           console_store: ConsoleStore,
                                                           console_rasa: RasaBackend,
                                                           console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    handoff = console_store.open_handoff(conversation_id)
    booking = console_store.request_booking(conversation_id)
    page, base = signed_in_tab.page, signed_in_tab.server.url
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    good = signed_in_tab.csrf_token()
    wrong = "x" * len(good)
    for path in (f"/handoffs/{handoff.id}/reply", f"/handoffs/{handoff.id}/hand-back",
                 f"/bookings/{booking.id}/confirm", f"/bookings/{booking.id}/decline",
                 "/logout"):
        for token in (wrong, ""):
            reply = page.request.post(base + path, form={"csrf_token": token, "text": "hi"},
                                      max_redirects=0)
            assert reply.status == 403, (path, token)
    api = page.request.post(base + f"/api/handoffs/{handoff.id}/reply", data={"text": "hi"},
                            headers={"X-CSRF-Token": wrong})
    assert api.status == 403 and api.json()["error"] == "csrf"
    # a tampered form in the page itself is refused the same way
    page.locator('#hand-back-form input[name="csrf_token"]').evaluate(
        "(input) => { input.value = 'forged-token-value'; }")
    with page.expect_response(re.compile(r"/hand-back$")) as refused:
        page.get_by_role("button", name="Hand back to the assistant").click()
    assert refused.value.status == 403
    expect(page.get_by_role("heading", name="Form expired")).to_be_visible()
    _nothing_changed(console_store, console_rasa, conversation_id, handoff.id, booking.id)
    # the session is still good: the right token works
    accepted = page.request.post(base + f"/api/handoffs/{handoff.id}/reply",
                                 data={"text": "with the right token"},
                                 headers={"X-CSRF-Token": good})
    assert accepted.status == 200
    assert [r["text"] for r in console_rasa.staff_events(conversation_id, "staff_reply")] == \
        ["with the right token"]


def test_script_in_a_visitors_message_is_shown_as_text(signed_in_tab: ConsoleTab,
                                                       console_store: ConsoleStore,
                                                       console_rasa: RasaBackend,
                                                       console_new_id: NewId) -> None:
    page = signed_in_tab.page
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, SCRIPT)
    console_rasa.seed_user(conversation_id, IMG)
    # inserted while the queue is open, so the row is drawn by the page's script
    handoff = console_store.open_handoff(conversation_id, summary={
        "complaint": SCRIPT, "urgency": "urgent", "lines": [f"Complaint: {IMG}"],
        "contact": {"name": IMG}})
    row = page.locator(f'#handoff-rows tr[data-id="{handoff.id}"]')
    expect(row.locator(".headline")).to_have_text(SCRIPT)
    row.get_by_role("link").click()
    transcript = page.locator("#transcript")
    expect(transcript.locator(".msg-text").nth(0)).to_have_text(SCRIPT)
    expect(transcript.locator(".msg-text").nth(1)).to_have_text(IMG)
    expect(page.locator("#summary-lines li")).to_have_text([f"Complaint: {IMG}"])
    expect(page.locator("#summary-fields")).to_contain_text(SCRIPT)
    # a message arriving while the page is open is added by the script, also as text
    console_rasa.seed_user(conversation_id, "<b>bold?</b>" + SCRIPT)
    expect(transcript.locator(".msg-text").nth(2)).to_have_text("<b>bold?</b>" + SCRIPT)
    # and what staff type is text too
    page.get_by_label(re.compile("Reply to the visitor")).fill(IMG)
    page.get_by_role("button", name="Send reply").click()
    expect(transcript.locator(".msg-staff .msg-text").last).to_have_text(IMG)
    assert transcript.locator("script, img, b").count() == 0
    assert page.locator("main img, main script").count() == 0
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert signed_in_tab.dialogs == []


def test_whatsapp_window_warning_and_delivery_failures(signed_in_tab: ConsoleTab,
                                                       console_store: ConsoleStore,
                                                       console_new_id: NewId) -> None:
    stale = "whatsapp:+2782" + console_new_id()[-7:]
    console_store.visitor_last_wrote(stale, "twilio_whatsapp",
                                     datetime.now(timezone.utc) - timedelta(hours=30))
    console_store.delivery_failed(stale, "twilio_whatsapp",
                                  "63016: outside the allowed window <b>x</b>")
    handoff = console_store.open_handoff(stale, channel="twilio_whatsapp")
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    warning = signed_in_tab.page.locator("#whatsapp-warning")
    expect(warning).to_contain_text("WhatsApp 24-hour window")
    expect(warning).to_contain_text("refuses free-form replies")
    expect(signed_in_tab.page.locator("#delivery-failures li")).to_contain_text(
        "63016: outside the allowed window <b>x</b>")

    fresh = "+2783" + console_new_id()[-7:]
    console_store.visitor_last_wrote(fresh, "whatsapp", datetime.now(timezone.utc))
    recent = console_store.open_handoff(fresh, channel="whatsapp")
    signed_in_tab.goto(f"/handoffs/{recent.id}")
    expect(signed_in_tab.page.get_by_role("heading", name="Conversation handed to staff")) \
        .to_be_visible()
    expect(signed_in_tab.page.locator("#whatsapp-warning")).to_have_count(0)
    expect(signed_in_tab.page.locator("#delivery-failures")).to_have_count(0)


def test_a_reply_rasa_refuses_is_not_shown_as_sent(signed_in_tab: ConsoleTab,
                                                   console_store: ConsoleStore,
                                                   console_rasa: RasaBackend,
                                                   console_new_id: NewId) -> None:
    conversation_id = console_new_id()
    console_rasa.seed_user(conversation_id, "hello?")
    handoff = console_store.open_handoff(conversation_id)
    signed_in_tab.goto(f"/handoffs/{handoff.id}")
    if not console_rasa.fail_posts(503):
        pytest.skip("a real Rasa cannot be told to fail")
    page = signed_in_tab.page
    try:
        page.get_by_label(re.compile("Reply to the visitor")).fill("Are you still there?")
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator("#reply-status")).to_have_text(
            "Not sent. The assistant's server failed (HTTP 503). The reply was not sent.")
        expect(page.get_by_label(re.compile("Reply to the visitor"))).to_have_value(
            "Are you still there?")
        hand_back = page.get_by_role("button", name="Hand back to the assistant")
        hand_back.click()
        expect(page.locator("#error")).to_contain_text("The conversation is still with staff.")
    finally:
        console_rasa.fail_posts(None)
    expect(page.locator("#transcript .msg-staff")).to_have_count(0)
    assert console_store.handoff(handoff.id).status == "open"
    assert console_rasa.staff_events(conversation_id, "staff_reply") == []
