"""Which image links WhatsApp can send as media: JPEG and PNG only. Other known image types
(the movement-test pictures are SVG) are sent as a link in a text message instead, so the
visitor can still open them, rather than failing at Meta or Twilio after the send."""

from __future__ import annotations

from urllib.parse import urlsplit

NOT_SENDABLE_IMAGE_SUFFIXES = (".svg", ".svgz", ".gif", ".webp", ".bmp", ".tif", ".tiff")


def sendable_as_media(url: str) -> bool:
    """False for a link whose path names an image type WhatsApp refuses; unknown is allowed."""
    return not urlsplit(url).path.lower().endswith(NOT_SENDABLE_IMAGE_SUFFIXES)
