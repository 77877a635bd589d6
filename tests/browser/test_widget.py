"""The chat widget in a real Chromium, against the stand-in Rasa socket.io server."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest
from playwright.sync_api import Page, expect

from clinic.profile import load_profile
from tests.browser.conftest import AXE_JS, DESKTOP, PHONE, PageFactory, wait_until
from tests.browser.fake_rasa import GREETING, HANDOFF
from tests.browser.servers import FakeRasa, StaticSite, WebServer
from tests.browser.widget_page import WidgetPage

MOVEMENT_TESTS = [
    ("forward_lean", "Test 1 of 4: leaning forward"),
    ("side_bend", "Test 2 of 4: bending sideways"),
    ("rotation", "Test 3 of 4: turning"),
    ("pelvic_tilt", "Test 4 of 4: flat-back bend"),
]
STAFF_REPLY = {"kind": "staff_reply",
               "text": "Hi, this is Sam from the front desk. How can I help?",
               "author": "Sam (front desk)"}
XSS = "<img src=x onerror=alert(1)>"

# The element that has focus, looking through the widget's shadow root.
FOCUSED = """() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(),
    cls: el.className || "",
    label: el.getAttribute("aria-label") || "",
    text: (el.textContent || "").trim(),
    disabled: Boolean(el.disabled),
    ring: style.boxShadow !== "none" ||
      (style.outlineStyle !== "none" && style.outlineWidth !== "0px" &&
       style.outlineColor !== "rgba(0, 0, 0, 0)"),
  };
}"""


# Records each time the typing indicator is shown or hidden.
WATCH_TYPING = """() => {
  const el = document.getElementById("clinic-chat-widget").shadowRoot.querySelector(".cw-typing");
  window.typingChanges = [];
  new MutationObserver(() => window.typingChanges.push(el.hidden ? "hidden" : "shown"))
    .observe(el, {attributes: true, attributeFilter: ["hidden"]});
}"""


def focused(page: Page) -> Dict[str, Any]:
    return page.evaluate(FOCUSED) or {}


def tab_until(page: Page, wanted: Any, key: str = "Tab", presses: int = 40) -> Dict[str, Any]:
    """Presses `key` until the focused element matches `wanted` (a predicate)."""
    for _ in range(presses):
        page.keyboard.press(key)
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"{key} never reached the element; last focus: {focused(page)}")


def start_back_pain_flow(widget: WidgetPage) -> None:
    widget.send("My lower back hurts")
    widget.wait_for_user_text("My lower back hurts")
    widget.wait_for_bot_text("Would you like to try them?")


# ------------------------------------------------------------------ conversation


def test_quick_replies_drive_the_movement_tests_flow(widget: WidgetPage,
                                                     fake_rasa: FakeRasa) -> None:
    widget.open()
    greeting = widget.messages()
    clinic = load_profile().name  # the demo page shows the clinic profile's name
    assert [m.role for m in greeting] == ["bot"] and clinic in greeting[0].text

    start_back_pain_flow(widget)
    # Rasa splits the text at the blank line and puts the buttons on the last part.
    last_two = widget.messages()[-2:]
    assert last_two[0].text.startswith("I'm sorry your back hurts") and last_two[0].buttons == []
    assert [b["title"] for b in last_two[1].buttons] == ["Yes", "No"]

    widget.click_button("Yes")
    widget.wait_for_user_text("Yes")
    expect(widget.reply_button("Yes")).to_be_disabled()
    expect(widget.reply_button("Yes")).to_have_accessible_name("Yes (your answer)")
    expect(widget.reply_button("No")).to_be_disabled()

    answers = ["Yes, it hurt", "No, it was fine", "Yes, it hurt", "No, it was fine"]
    for (name, title), answer in zip(MOVEMENT_TESTS, answers, strict=True):
        widget.wait_for_image(name)
        step = widget.wait_for_bot_text(title)
        expect(step.locator("strong")).to_have_text(title)  # *bold* title
        expect(step.locator("li")).to_have_count(3)  # • bullets
        widget.wait_for_bot_text("Did you feel pain or tension")
        widget.click_button(answer)
        widget.wait_for_user_text(answer)

    summary = widget.wait_for_bot_text("that was the last test")
    link = summary.get_by_role("link")
    expect(link).to_have_attribute("href", "https://example.org/back-pain")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", re.compile("noopener"))

    assert fake_rasa.messages() == ["My lower back hurts", "/affirm"] + [
        '/describe_pain{"test":"' + name + '","result":"'
        + ("pain" if answer.startswith("Yes") else "fine") + '"}'
        for (name, _), answer in zip(MOVEMENT_TESTS, answers, strict=True)
    ]
    messages = widget.messages()
    user_texts = [m.text for m in messages if m.role == "user"]
    assert user_texts == ["My lower back hurts", "Yes", *answers]
    rows = [m.buttons for m in messages if m.buttons]
    assert all(b["disabled"] for row in rows[:-1] for b in row)  # answered rows are disabled
    assert not any(b["disabled"] for b in rows[-1])  # the open question is not
    assert [Path(m.images[0]).stem for m in messages if m.images] == [n for n, _ in MOVEMENT_TESTS]
    expect(widget.log.locator(".cw-msg time[datetime]")).to_have_count(len(messages))


def test_a_reload_keeps_the_session_and_the_history(widget: WidgetPage,
                                                    fake_rasa: FakeRasa) -> None:
    widget.open()
    start_back_pain_flow(widget)
    widget.click_button("Yes")
    widget.wait_for_image("forward_lean")
    widget.wait_for_bot_text("Did you feel pain or tension")
    before = widget.messages()
    session = widget.session_id()
    assert re.fullmatch(r"[0-9a-f]{32}", session)

    widget.page.reload()
    expect(widget.panel).to_be_visible()  # it was open, so it opens again
    widget.wait_for_image("forward_lean")
    assert widget.messages() == before
    assert widget.session_id() == session
    wait_until(lambda: fake_rasa.session_requests() == [session, session],
               what="a second session_request with the same id")

    widget.click_button("Yes, it hurt")  # the conversation goes on where it was
    widget.wait_for_image("side_bend")
    sent = [e["data"] for e in fake_rasa.events() if e["event"] == "user_uttered"]
    assert {d["session_id"] for d in sent} == {session}


def test_it_reconnects_after_a_server_restart(widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    widget.open()
    start_back_pain_flow(widget)
    session = widget.session_id()
    expect(widget.offline_notice).to_have_count(0)

    fake_rasa.stop()
    expect(widget.offline_notice).to_be_visible()
    expect(widget.offline_notice).to_contain_text("offline")
    expect(widget.panel.locator(".cw-status")).to_contain_text("Offline")

    widget.click_button("Yes")  # answered while the server is down
    expect(widget.log.locator(".cw-msg--user .cw-pending")).to_have_text("Not sent yet")
    expect(widget.offline_notice).to_contain_text("will be sent when the connection is back")

    fake_rasa.start()
    expect(widget.offline_notice).to_have_count(0)
    expect(widget.panel.locator(".cw-status")).to_contain_text("Online")
    widget.wait_for_image("forward_lean")  # the queued answer went out after the reconnect
    expect(widget.log.locator(".cw-pending")).to_have_count(0)
    events = fake_rasa.events()
    assert events[0] == {"event": "session_request", "data": {"session_id": session}}
    assert events[1] == {"event": "user_uttered",
                         "data": {"message": "/affirm", "session_id": session}}

    widget.click_button("No, it was fine")
    widget.wait_for_image("side_bend")


def test_it_says_so_while_the_network_is_down(widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    widget.open()
    widget.send("hello")
    widget.wait_for_bot_text("Sorry, I didn't understand")
    context = widget.page.context

    context.set_offline(True)
    expect(widget.offline_notice).to_be_visible()
    context.set_offline(False)
    expect(widget.offline_notice).to_have_count(0)

    widget.send("My lower back hurts")
    widget.wait_for_bot_text("Would you like to try them?")


def test_visitor_and_bot_text_are_shown_as_text_never_as_html(
        widget: WidgetPage, fake_rasa: FakeRasa, page: Page) -> None:
    dialogs: List[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    widget.open()
    widget.send(XSS)
    widget.wait_for_user_text(XSS)
    widget.wait_for_bot_text("Sorry, I didn't understand")  # the bot repeats it back

    assert XSS in widget.texts("user")
    assert any(XSS in text for text in widget.texts("bot"))
    expect(widget.log.locator("img")).to_have_count(0)
    assert fake_rasa.messages() == [XSS]
    assert dialogs == []


def test_simple_formatting_is_rendered_safely(widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    widget.open()
    widget.send("formatting please")
    text = widget.wait_for_bot_text("first bullet")

    expect(text.locator("strong")).to_have_text(["Bold words", "more bold"])
    expect(text.locator("li")).to_have_text(["first bullet", "second bullet"])
    expect(text.locator("br")).to_have_count(2)  # three lines in one paragraph
    links = text.get_by_role("link")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "https://example.org/exercises", "https://example.org/privacy"]
    expect(links.first).to_have_attribute("rel", re.compile("noopener"))
    expect(links.nth(1)).to_contain_text("labelled link")
    expect(text).to_contain_text("Not a link: javascript:alert(1)")
    # The full stop after the URL stays text, after the link.
    assert links.first.evaluate("(a) => a.nextSibling.textContent") == "."


def test_typing_indicator_shows_until_the_reply(widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    widget.open()
    expect(widget.typing_indicator).to_be_hidden()
    widget.send("wait for me")
    expect(widget.typing_indicator).to_be_visible()
    fake_rasa.release()
    widget.wait_for_bot_text("Thanks for waiting")
    expect(widget.typing_indicator).to_be_hidden()


def test_typing_indicator_gives_up_after_its_timeout(
        page: Page, web_server: WebServer, fake_rasa: FakeRasa) -> None:
    # The page's own settings stay; the config object adds a short typing timeout.
    page.add_init_script("window.ClinicChatConfig = {typingTimeoutMs: 500};")
    widget = WidgetPage(page, web_server.base_url).goto()
    widget.open()
    page.evaluate(WATCH_TYPING)
    widget.send("wait for me")
    # Shown when the message went out, then hidden by the timeout while no reply has come.
    page.wait_for_function("() => window.typingChanges.join() === 'shown,hidden'")
    assert widget.texts("bot") == [widget.texts("bot")[0]]  # only the greeting
    fake_rasa.release()
    widget.wait_for_bot_text("Thanks for waiting")


# ------------------------------------------------------------------ people, start over, unread


def test_talk_to_a_person_and_staff_replies_come_from_a_person(
        widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    widget.open()
    start_back_pain_flow(widget)
    widget.talk_to_person()
    widget.wait_for_user_text("I'd like to talk to a person")
    widget.wait_for_bot_text(HANDOFF)
    assert fake_rasa.messages() == ["My lower back hurts", "/human_handoff"]
    # The visitor moved on: the unanswered Yes / No can no longer be sent.
    expect(widget.reply_button("Yes")).to_be_disabled()
    expect(widget.reply_button("No")).to_be_disabled()

    session = widget.session_id()
    fake_rasa.push(session, {"kind": "unknown_kind", "text": "must not be shown"})
    fake_rasa.push(session, STAFF_REPLY)
    staff = widget.wait_for_staff_text("Hi, this is Sam")
    expect(staff.locator(".cw-author")).to_have_text("Sam (front desk):")
    last = widget.messages()[-1]
    assert (last.role, last.author, last.text) == ("staff", "Sam (front desk)", STAFF_REPLY["text"])
    assert "must not be shown" not in " ".join(widget.texts())

    bot_bubble = widget.log.locator(".cw-msg--bot .cw-bubble").last
    staff_bubble = staff.locator(".cw-bubble")
    style = "(el) => [getComputedStyle(el).backgroundColor, getComputedStyle(el).borderLeftWidth]"
    assert bot_bubble.evaluate(style) != staff_bubble.evaluate(style)

    fake_rasa.push(session, {"kind": "handoff_closed", "text": "You're back with the assistant."})
    expect(widget.log.locator(".cw-msg--system")).to_have_text("You're back with the assistant.")


def test_unread_badge_counts_replies_while_minimised(widget: WidgetPage,
                                                    fake_rasa: FakeRasa) -> None:
    widget.open()
    widget.send("hello")
    widget.wait_for_bot_text("Sorry, I didn't understand")
    widget.minimise()
    expect(widget.badge).to_be_hidden()
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    session = widget.session_id()
    fake_rasa.push(session, STAFF_REPLY)
    expect(widget.badge).to_have_text("1")
    expect(widget.launcher).to_have_accessible_name(
        re.compile(r"^Chat with us\s*, 1 unread message$"))
    fake_rasa.push(session, {**STAFF_REPLY, "text": "Are you still there?"})
    expect(widget.badge).to_have_text("2")

    widget.page.reload()  # the count is kept with the conversation
    expect(widget.badge).to_have_text("2")
    widget.open()
    expect(widget.badge).to_be_hidden()
    widget.wait_for_staff_text("Are you still there?")
    expect(widget.launcher).to_have_accessible_name("Chat with us")


def test_start_over_asks_first_then_clears_the_history(widget: WidgetPage,
                                                       fake_rasa: FakeRasa) -> None:
    widget.open()
    start_back_pain_flow(widget)
    before = widget.messages()
    session = widget.session_id()

    widget.start_over(confirm=False)
    assert widget.messages() == before
    assert "/start_over" not in fake_rasa.messages()
    assert focused(widget.page)["text"] == "Start over"

    widget.start_over(confirm=True)
    widget.wait_for_bot_text(GREETING)
    assert widget.texts() == [GREETING]  # the old messages are gone, the command is not shown
    assert fake_rasa.messages()[-1] == "/start_over"

    widget.page.reload()
    widget.wait_for_bot_text(GREETING)
    assert widget.texts() == [GREETING]
    assert widget.session_id() == session


# ------------------------------------------------------------------ phone, keyboard, accessibility


def test_on_a_phone_the_widget_is_full_screen(
        new_page: PageFactory, web_server: WebServer, fake_rasa: FakeRasa,
        screenshots: Path) -> None:
    page = new_page(viewport=PHONE, phone=True)
    widget = WidgetPage(page, web_server.base_url).goto()
    launcher = widget.launcher.bounding_box()
    assert launcher and launcher["x"] + launcher["width"] <= PHONE["width"]

    widget.open()
    box = widget.panel.bounding_box()
    assert box
    assert (round(box["x"]), round(box["y"]), round(box["width"]), round(box["height"])) == (
        0, 0, PHONE["width"], PHONE["height"])
    expect(widget.launcher).to_be_hidden()
    expect(widget.panel).to_have_attribute("aria-modal", "true")

    start_back_pain_flow(widget)
    widget.click_button("Yes")
    image = widget.wait_for_image("forward_lean")
    widget.wait_for_bot_text("Did you feel pain or tension")
    image_box = image.bounding_box()
    assert image_box and 0 <= image_box["x"] <= PHONE["width"] - image_box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    widget.click_button("Yes, it hurt")
    widget.wait_for_image("side_bend")
    page.screenshot(path=str(screenshots / "phone-flow.png"))

    widget.minimise()
    expect(widget.launcher).to_be_visible()
    assert page.evaluate("document.documentElement.style.overflow") == ""


def test_keyboard_only(page: Page, widget: WidgetPage, fake_rasa: FakeRasa) -> None:
    launcher = tab_until(page, lambda f: "cw-launcher" in f.get("cls", ""))
    assert launcher["ring"], "the focused launcher shows a focus ring"
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    assert focused(page)["tag"] == "textarea"

    page.keyboard.type("My lower back hurts")
    page.keyboard.press("Enter")
    widget.wait_for_bot_text("Would you like to try them?")

    # Back from the message box to the newest quick replies ...
    no = tab_until(page, lambda f: "cw-reply" in f.get("cls", ""), key="Shift+Tab", presses=3)
    assert no["text"] == "No" and no["ring"]
    page.keyboard.press("Shift+Tab")
    assert focused(page)["text"] == "Yes"
    page.keyboard.press("Enter")
    widget.wait_for_user_text("Yes")
    assert focused(page)["tag"] == "textarea"  # the pressed button is disabled; focus is not lost
    widget.wait_for_image("forward_lean")
    widget.wait_for_bot_text("Did you feel pain or tension")

    # ... and forward from the header controls to them.
    widget.panel.get_by_role("button", name="Minimise chat").focus()
    reply = tab_until(page, lambda f: "cw-reply" in f.get("cls", "") and not f["disabled"],
                      presses=8)
    assert reply["text"] == "Yes, it hurt"
    page.keyboard.press("Enter")
    widget.wait_for_image("side_bend")

    # Start over is keyboard-operable, Escape backs out of the question and closes the panel.
    start = tab_until(page, lambda f: f.get("text") == "Start over", key="Shift+Tab")
    assert start["ring"]
    page.keyboard.press("Enter")
    assert focused(page)["text"] == "Cancel"
    page.keyboard.press("Escape")
    assert focused(page)["text"] == "Start over"
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert "cw-launcher" in focused(page)["cls"]


@pytest.mark.parametrize("view", ["desktop", "phone"])
def test_no_serious_accessibility_violations(
        new_page: PageFactory, web_server: WebServer, fake_rasa: FakeRasa, screenshots: Path,
        view: str) -> None:
    # axe adds <style> elements of its own while it checks, which the page's CSP would block
    # (and so skew its results): this context bypasses the CSP, which the other tests keep on.
    page = new_page(viewport=DESKTOP if view == "desktop" else PHONE, phone=view == "phone",
                    bypass_csp=True)
    widget = WidgetPage(page, web_server.base_url).goto()
    widget.open()
    start_back_pain_flow(widget)
    widget.click_button("Yes")
    widget.wait_for_image("forward_lean")
    widget.wait_for_bot_text("Did you feel pain or tension")
    fake_rasa.push(widget.session_id(), STAFF_REPLY)
    widget.wait_for_staff_text("Hi, this is Sam")
    page.add_script_tag(path=str(AXE_JS))

    def serious_violations() -> List[str]:
        results = page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})")
        return [
            f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']]}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")
        ]

    assert serious_violations() == []
    page.screenshot(path=str(screenshots / f"{view}-chat.png"))

    widget.action("Start over").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert serious_violations() == []
    page.keyboard.press("Escape")

    widget.minimise()
    fake_rasa.push(widget.session_id(), {**STAFF_REPLY, "text": "One more thing."})
    expect(widget.badge).to_have_text("1")
    assert serious_violations() == []
    page.screenshot(path=str(screenshots / f"{view}-minimised.png"))


# ------------------------------------------------------------------ embedding on another site


def test_embeds_on_any_page_with_one_config_object(
        page: Page, web_server: WebServer, fake_rasa: FakeRasa, other_site: StaticSite) -> None:
    config = {"serverUrl": fake_rasa.url, "clinicName": "Harbour Physio",
              "colors": {"primary": "#ffd400"}, "greeting": "Hello from Harbour Physio!"}
    other_site.pages["/"] = f"""<!doctype html><html lang="en">
<head><title>Another site</title></head>
<body><main><h1>Another site</h1></main>
<script>
  window.io = "the host page's own io";
  window.ClinicChatConfig = {json.dumps(config)};
  window.namesBefore = Object.getOwnPropertyNames(window);
</script>
<script src="{web_server.base_url}/widget/widget.js"></script>
</body></html>"""
    page.goto(other_site.url + "/")
    widget = WidgetPage(page, web_server.base_url)
    expect(widget.launcher).to_be_visible()
    # A light brand colour gets dark text, so the contrast stays AA.
    expect(widget.launcher).to_have_css("background-color", "rgb(255, 212, 0)")
    expect(widget.launcher).to_have_css("color", "rgb(17, 24, 39)")

    widget.open()
    expect(widget.panel.get_by_role("heading", name="Harbour Physio")).to_be_visible()
    widget.wait_for_bot_text("Hello from Harbour Physio!")
    widget.send("My lower back hurts")  # from another origin, over the websocket
    widget.wait_for_bot_text("Would you like to try them?")

    assert page.evaluate("window.io") == "the host page's own io"
    added = page.evaluate(
        "Object.getOwnPropertyNames(window)"
        ".filter((n) => n !== 'namesBefore' && !window.namesBefore.includes(n))")
    assert added == []
