"""The whole product in a real browser: the real Rasa server, action server, front-desk
console and clinic website, started once for this module (issues: the conversation, the
widget, the front desk). Nothing here is a stand-in."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from scripts.services import ROOT
from store.db import Database
from store.models import Booking, BookingStatus, Handoff
from tests.browser.conftest import SCREENSHOTS
from tests.browser.widget_page import WidgetPage
from tests.integration.harness import Assistant, start_assistant

pytestmark = pytest.mark.browser
STAFF, STAFF_NAME = "sam", "Sam (front desk)"


@pytest.fixture(scope="module")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    running = start_assistant(tmp_path_factory.mktemp("product"), with_frontdesk=True,
                              extra_env={"CONSOLE_POLL_SECONDS": "1"})
    yield running
    running.stop()


@pytest.fixture(scope="module")
def staff_password(product: Assistant) -> str:
    password = secrets.token_urlsafe(18)
    created = subprocess.run(
        [sys.executable, "-m", "frontdesk", "create-staff", STAFF, "--name", STAFF_NAME,
         "--password-stdin"], input=password + "\n", text=True, capture_output=True,
        cwd=ROOT, env={**product.service("console").env}, timeout=120, check=False)
    assert created.returncode == 0, created.stderr
    return password


def widget_on(browser: Browser, product: Assistant, **context: object) -> WidgetPage:
    page = browser.new_context(**context).new_page()
    return WidgetPage(page, product.settings.web_url).goto().open()


def sign_in(page: Page, product: Assistant, password: str) -> None:
    page.goto(f"http://127.0.0.1:{product.settings.console_port}/login")
    page.get_by_label("Username").fill(STAFF)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Waiting for the front desk")).to_be_visible()


def test_an_assessment_by_buttons_survives_a_reload_and_a_rasa_restart(
        browser: Browser, product: Assistant) -> None:
    widget = widget_on(browser, product)
    widget.send("my back is in spasm")
    widget.wait_for_bot_text("quick safety check")
    widget.click_button("None of these")
    widget.wait_for_bot_text("do any of these apply")
    widget.click_button("None of these")
    widget.wait_for_bot_text("How did it start")
    widget.click_button("Lifting or bending")
    widget.wait_for_bot_text("making hard")
    widget.click_button("Bending")
    widget.wait_for_bot_text("scale of 0 to 10")
    widget.send("6")
    widget.wait_for_bot_text("Test 1 of 4")
    widget.wait_for_image("forward_lean")
    for expected, answer in [("Test 2 of 4", "Pain"), ("right side", "Fine"),
                             ("Test 3 of 4", "Tension"), ("turn to the right", "Fine"),
                             ("Test 4 of 4", "Fine"), ("into your leg", "Skip this test")]:
        widget.click_button(answer)
        widget.wait_for_bot_text(expected)
    widget.click_button("None of these")
    widget.wait_for_bot_text("Here's what your answers suggest")
    widget.wait_for_bot_text("physiotherapist confirms")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.page.screenshot(path=str(SCREENSHOTS / "real-assessment-desktop.png"))

    widget.page.reload()
    expect(widget.launcher).to_be_visible()
    if not widget.panel.is_visible():
        widget.open()
    widget.wait_for_bot_text("Test 1 of 4")  # the history is back after a reload

    product.restart("rasa")
    widget.send("thanks")
    widget.wait_for_bot_text("You're welcome")  # reconnected to the restarted server


def test_a_visitors_script_is_shown_as_text(browser: Browser, product: Assistant) -> None:
    widget = widget_on(browser, product)
    fired: list = []
    widget.page.on("dialog", lambda dialog: (fired.append(dialog.message), dialog.dismiss()))
    widget.send("<img src=x onerror=alert(1)>")
    widget.wait_for_user_text("<img src=x onerror=alert(1)>")
    widget.wait_for_bot_text("not a physiotherapist")  # the bot answered the text
    assert fired == []
    assert widget.log.locator('img[src="x"]').count() == 0


def test_the_assessment_works_at_a_phone_viewport(browser: Browser, product: Assistant) -> None:
    widget = widget_on(browser, product, viewport={"width": 390, "height": 844},
                       is_mobile=True, has_touch=True)
    box = widget.panel.bounding_box()
    assert box is not None and box["width"] == 390  # full screen on a phone
    widget.send("my back went this morning")
    widget.wait_for_bot_text("quick safety check")
    widget.click_button("None of these")
    widget.wait_for_bot_text("do any of these apply")
    widget.page.screenshot(path=str(SCREENSHOTS / "real-assessment-phone.png"))


def test_front_desk_handoff_reply_hand_back_and_booking(browser: Browser, product: Assistant,
                                                        staff_password: str) -> None:
    visitor = widget_on(browser, product)
    visitor.send("hello")
    visitor.wait_for_bot_text("not a physiotherapist")
    visitor.panel.locator(".cw-action--person").click()  # the header button, always there
    visitor.wait_for_bot_text("passing you to our front desk")
    session_id = visitor.session_id()

    db = Database(product.database_url)
    with db.session() as session:
        handoff = session.execute(select(Handoff).where(
            Handoff.conversation_id == session_id)).scalars().one()

    console = browser.new_context().new_page()
    sign_in(console, product, staff_password)
    row = console.locator(f'#handoff-rows tr[data-id="{handoff.id}"]')
    expect(row).to_be_visible()
    row.get_by_role("link").click()
    expect(console.locator("#transcript .msg-visitor").first).to_contain_text("hello")

    # While handed off the bot is silent; the visitor's words reach the console.
    visitor.send("my back is really bad today")
    expect(console.locator("#transcript .msg-visitor").last).to_contain_text(
        "my back is really bad today")
    console.get_by_label(re.compile("Reply to the visitor")).fill(
        "Hi, this is Sam from the front desk. How can I help?")
    console.get_by_role("button", name="Send reply").click()
    expect(console.locator("#reply-status")).to_have_text("Sent.")
    visitor.wait_for_staff_text("this is Sam from the front desk")
    assert not any("struggling" in t for t in visitor.texts())  # no bot reply meanwhile

    console.get_by_role("button", name="Hand back to the assistant").click()
    expect(console.locator("#notice")).to_contain_text("back with the assistant")

    # The bot is back: the visitor books an assessment.
    visitor.send("I want to book an assessment")
    visitor.wait_for_bot_text("What name")
    visitor.send("Thandi Mokoena")
    visitor.wait_for_bot_text("phone number")
    visitor.send("082 123 4567")
    visitor.wait_for_bot_text("When would suit you")
    visitor.send("next Tuesday at 10")
    visitor.wait_for_bot_text("Please check your booking request")
    visitor.click_button("Yes, send it")
    saved = visitor.wait_for_bot_text("Your reference is")
    reference = re.search(r"BK-[A-Z0-9]{6}", saved.inner_text()).group(0)  # type: ignore[union-attr]

    with db.session() as session:
        booking = session.execute(select(Booking).where(
            Booking.reference == reference)).scalars().one()
    assert booking.phone == "+27821234567"
    console.goto(f"http://127.0.0.1:{product.settings.console_port}/")
    booking_row = console.locator(f'#booking-rows tr[data-id="{booking.id}"]')
    expect(booking_row).to_contain_text("Thandi Mokoena")
    booking_row.get_by_role("link").click()
    console.get_by_role("button", name="Confirm booking").click()
    expect(console.locator("#booking-status")).to_have_text("confirmed")
    visitor.wait_for_staff_text(reference)  # the visitor is told
    with db.session() as session:
        assert session.get(Booking, booking.id).status == BookingStatus.confirmed
    db.dispose()


def book(product: Assistant, who: str, name: str) -> None:
    for text in ["I want to book an assessment", name, "082 555 1234", "next Tuesday at 11"]:
        product.send(who, text)


def test_a_booking_survives_a_restart_of_every_process(browser: Browser, product: Assistant,
                                                       staff_password: str) -> None:
    who = "restart-booker"
    book(product, who, "Lerato Dube")
    saved = " ".join(r.get("text") or "" for r in product.send(who, "yes"))
    reference = re.search(r"BK-[A-Z0-9]{6}", saved).group(0)  # type: ignore[union-attr]
    for name in ("actions", "rasa", "console", "web"):
        product.restart(name)
    db = Database(product.database_url)
    with db.session() as session:
        booking = session.execute(select(Booking).where(
            Booking.reference == reference)).scalars().one()
    db.dispose()
    console = browser.new_context().new_page()
    sign_in(console, product, staff_password)
    expect(console.locator(f'#booking-rows tr[data-id="{booking.id}"]')).to_contain_text(
        "Lerato Dube")
    events = product.tracker(who)["events"]  # the conversation survived too
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "yes"


def test_a_double_submitted_confirmation_makes_one_booking(product: Assistant) -> None:
    from concurrent.futures import ThreadPoolExecutor

    who = "double-tapper"
    book(product, who, "Sipho Ndlovu")
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda _: product.send(who, "yes"), range(2)))
    assert all(isinstance(r, list) for r in replies)
    db = Database(product.database_url)
    with db.session() as session:
        bookings = session.execute(select(Booking).where(
            Booking.conversation_id == who)).scalars().all()
    db.dispose()
    assert len(bookings) == 1
