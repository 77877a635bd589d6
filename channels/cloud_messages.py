"""Graph API message bodies (`POST /{version}/{phone_number_id}/messages`) for bot messages.

Choices are rendered by how many there are:
* 1 to 3: interactive reply buttons, titles shortened to 20 characters (`channels.titles`);
* 4 to 10: an interactive list, row titles shortened to 24 characters, the full title in the
  row's description when it had to be shortened;
* 11 or more, or a payload too long to be a reply id: numbered text ("1. ...") whose typed
  answers the channel maps back (`channels.numbered_options`).
The reply id of a button or row is the option's payload, so a tap comes back as the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Sequence, Tuple

from channels import texts
from channels.images import sendable_as_media
from channels.numbered_options import render_numbered
from channels.options import LinkButton, Option
from channels.splitting import INTERACTIVE_BODY_LIMIT, WHATSAPP_TEXT_LIMIT, split_text
from channels.titles import shorten_title, shorten_titles

MAX_BUTTONS = 3
MAX_LIST_ROWS = 10
BUTTON_TITLE_LIMIT = 20
ROW_TITLE_LIMIT = 24
ROW_DESCRIPTION_LIMIT = 72
BUTTON_ID_LIMIT = 256
ROW_ID_LIMIT = 200
CAPTION_LIMIT = 1024

GraphMessage = Dict[str, Any]
_RECIPIENT = re.compile(r"^\+?(\d{6,15})$")


class NotAWhatsAppNumber(ValueError):
    """The conversation id is not `+<E.164>`, so there is nobody to send to."""


def recipient(conversation_id: str) -> str:
    """`+27821234567` -> `27821234567`, the form the Graph API takes in `to`."""
    match = _RECIPIENT.match(conversation_id.replace(" ", ""))
    if not match:
        raise NotAWhatsAppNumber("conversation id is not a WhatsApp number")
    return match.group(1)


def text_message(to: str, body: str) -> GraphMessage:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "text", "text": {"preview_url": False, "body": body}}


def link_message(to: str, body: str) -> GraphMessage:
    """A text whose link gets a preview (used for images WhatsApp cannot send as media)."""
    message = text_message(to, body)
    message["text"]["preview_url"] = True
    return message


def image_message(to: str, link: str, caption: Optional[str] = None) -> GraphMessage:
    image: Dict[str, str] = {"link": link}
    if caption:
        image["caption"] = caption[:CAPTION_LIMIT]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "image", "image": image}


def image_or_link(to: str, link: str) -> GraphMessage:
    """An image message, or a text with the link for types WhatsApp cannot send (`images`)."""
    return image_message(to, link) if sendable_as_media(link) else link_message(to, link)


def reply_buttons_message(to: str, body: str, options: Sequence[Option]) -> GraphMessage:
    buttons = [{"type": "reply", "reply": {"id": option.payload,
                                            "title": option.label or option.title}}
               for option in options]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": body},
                            "action": {"buttons": buttons}}}


def list_message(to: str, body: str, options: Sequence[Option]) -> GraphMessage:
    rows = []
    for option in options:
        row = {"id": option.payload, "title": option.label or option.title}
        if option.label and option.label != option.title:
            row["description"] = shorten_title(option.title, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
            "type": "interactive",
            "interactive": {"type": "list", "body": {"text": body},
                            "action": {"button": texts.LIST_BUTTON_LABEL,
                                       "sections": [{"title": texts.LIST_SECTION_TITLE,
                                                     "rows": rows}]}}}


@dataclass(frozen=True)
class RenderedChoice:
    messages: List[GraphMessage]
    offered: List[Option]  # with the labels shown, for mapping typed answers back
    style: str  # "buttons" | "list" | "numbered" | "text"


def render_text(to: str, text: str) -> List[GraphMessage]:
    return [text_message(to, piece) for piece in split_text(text, WHATSAPP_TEXT_LIMIT)]


def render_choice(to: str, text: str, options: Sequence[Option],
                  links: Sequence[LinkButton] = ()) -> RenderedChoice:
    text = _with_links(text, links)
    if not options:
        return RenderedChoice(render_text(to, text), [], "text")
    if len(options) <= MAX_BUTTONS and _ids_fit(options, BUTTON_ID_LIMIT):
        labelled = _labelled(options, BUTTON_TITLE_LIMIT)
        leading, body = _leading_and_body(to, text)
        return RenderedChoice([*leading, reply_buttons_message(to, body, labelled)],
                              labelled, "buttons")
    if len(options) <= MAX_LIST_ROWS and _ids_fit(options, ROW_ID_LIMIT):
        labelled = _labelled(options, ROW_TITLE_LIMIT)
        leading, body = _leading_and_body(to, text)
        return RenderedChoice([*leading, list_message(to, body, labelled)], labelled, "list")
    return RenderedChoice(render_text(to, render_numbered(text, options)), list(options),
                          "numbered")


def _labelled(options: Sequence[Option], limit: int) -> List[Option]:
    labels = shorten_titles([option.title for option in options], limit)
    return [replace(option, label=label if label != option.title else None)
            for option, label in zip(options, labels, strict=True)]


def _ids_fit(options: Sequence[Option], limit: int) -> bool:
    payloads = [option.payload for option in options]
    return (all(0 < len(p) <= limit for p in payloads)
            and len(set(payloads)) == len(payloads))  # ids must be unique in a message


def _leading_and_body(to: str, text: str) -> Tuple[List[GraphMessage], str]:
    """An interactive body holds 1024 characters: longer text goes first as plain messages."""
    text = text.strip() or texts.CHOOSE_PROMPT
    if len(text) <= INTERACTIVE_BODY_LIMIT:
        return [], text
    pieces = split_text(text, INTERACTIVE_BODY_LIMIT)
    return render_text(to, "\n\n".join(pieces[:-1])), pieces[-1]


def _with_links(text: str, links: Sequence[LinkButton]) -> str:
    if not links:
        return text
    lines = [f"{link.title}: {link.url}" for link in links]
    return (text.strip() + "\n\n" if text.strip() else "") + "\n".join(lines)


__all__ = ["GraphMessage", "NotAWhatsAppNumber", "RenderedChoice", "image_message", "image_or_link",
           "link_message", "list_message", "recipient", "render_choice", "render_text",
           "reply_buttons_message", "text_message"]
