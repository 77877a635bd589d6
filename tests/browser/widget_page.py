"""A page object for the chat widget, usable against the fake Rasa or the real one.

The widget lives in an open shadow root; Playwright's CSS and role locators pierce it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from playwright.sync_api import Locator, Page, expect

STORAGE_PREFIX = "clinicChat:v1:"

# Reads the rendered conversation in one go (role, text, author, pictures, buttons).
READ_MESSAGES = """() => {
  const root = document.getElementById("clinic-chat-widget").shadowRoot;
  return Array.from(root.querySelectorAll(".cw-log .cw-msg")).map((node) => {
    const role = ["user", "bot", "staff", "system"]
      .find((r) => node.classList.contains("cw-msg--" + r));
    const body = node.querySelector(".cw-plain, .cw-text, .cw-system");
    const author = node.querySelector(".cw-author");
    return {
      role,
      text: body ? body.innerText.trim() : "",
      author: author ? author.innerText.trim().replace(/:$/, "") : null,
      images: Array.from(node.querySelectorAll("img")).map((img) => img.getAttribute("src")),
      buttons: Array.from(node.querySelectorAll(".cw-reply")).map((b) => ({
        title: b.firstChild ? b.firstChild.textContent : "", disabled: b.disabled,
      })),
    };
  });
}"""


@dataclass(frozen=True)
class Message:
    role: str  # user | bot | staff | system
    text: str
    author: Optional[str]
    images: List[str]
    buttons: List[Dict[str, Any]]


class WidgetPage:
    """Drives the widget the way a visitor does: clicks, typing, Enter."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # -------------------------------------------------------------- locators
    @property
    def launcher(self) -> Locator:
        return self.page.locator(".cw-launcher")

    @property
    def badge(self) -> Locator:
        return self.page.locator(".cw-badge")

    @property
    def panel(self) -> Locator:
        return self.page.locator("#cw-panel")

    @property
    def log(self) -> Locator:
        return self.page.get_by_role("log", name="Conversation")

    @property
    def input(self) -> Locator:
        return self.page.get_by_role("textbox", name="Type your message")

    @property
    def offline_notice(self) -> Locator:
        return self.page.locator(".cw-notice.is-visible")

    @property
    def typing_indicator(self) -> Locator:
        return self.page.locator(".cw-typing")

    def reply_button(self, title: str) -> Locator:
        """Quick replies with this title, answered or not (the chosen one says so)."""
        name = re.compile(rf"^{re.escape(title)}( \(your answer\))?$")
        return self.log.get_by_role("button", name=name)

    def action(self, name: str) -> Locator:
        return self.panel.get_by_role("button", name=name, exact=True)

    # -------------------------------------------------------------- actions
    def goto(self, path: str = "/") -> WidgetPage:
        self.page.goto(self.base_url + path)
        expect(self.launcher).to_be_visible()
        return self

    def open(self) -> WidgetPage:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        return self

    def minimise(self) -> None:
        self.panel.get_by_role("button", name="Minimise chat").click()
        expect(self.panel).to_be_hidden()

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.input).to_have_value("")

    def click_button(self, title: str) -> None:
        """Clicks the newest enabled quick reply with this title."""
        exact = re.compile(rf"^\s*{re.escape(title)}\s*$")
        button = self.log.locator(".cw-reply:not([disabled])").filter(has_text=exact).last
        expect(button).to_be_enabled()
        button.click()

    def talk_to_person(self) -> None:
        self.action("Talk to a person").click()

    def start_over(self, confirm: bool = True) -> None:
        self.action("Start over").click()
        dialog = self.page.get_by_role("alertdialog", name="Start over?")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Yes, start over" if confirm else "Cancel").click()
        expect(dialog).to_be_hidden()

    # -------------------------------------------------------------- reading
    def messages(self) -> List[Message]:
        return [Message(**m) for m in self.page.evaluate(READ_MESSAGES)]

    def texts(self, role: Optional[str] = None) -> List[str]:
        return [m.text for m in self.messages() if role is None or m.role == role]

    def bot_message(self, substring: str) -> Locator:
        return self.log.locator(".cw-msg--bot .cw-text").filter(has_text=substring).last

    def wait_for_bot_text(self, substring: str) -> Locator:
        found = self.bot_message(substring)
        expect(found).to_be_visible()
        return found

    def wait_for_user_text(self, text: str) -> Locator:
        found = self.log.locator(".cw-msg--user .cw-plain").filter(has_text=text).last
        expect(found).to_be_visible()
        return found

    def wait_for_staff_text(self, substring: str) -> Locator:
        found = self.log.locator(".cw-msg--staff").filter(has_text=substring).last
        expect(found).to_be_visible()
        return found

    def wait_for_image(self, name: str) -> Locator:
        """A picture whose URL contains `name`, loaded (natural width > 0)."""
        image = self.log.locator(f'img[src*="{name}"]').last
        expect(image).to_be_visible()
        self.page.wait_for_function("(img) => img.complete && img.naturalWidth > 0",
                                    arg=image.element_handle())
        return image

    def stored_state(self) -> Dict[str, Any]:
        raw = self.page.evaluate(
            """(prefix) => {
                 const key = Object.keys(localStorage).find((k) => k.startsWith(prefix));
                 return key ? localStorage.getItem(key) : null;
               }""",
            STORAGE_PREFIX,
        )
        return json.loads(raw) if raw else {}

    def session_id(self) -> str:
        return str(self.stored_state().get("sessionId", ""))
