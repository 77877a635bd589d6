"""The website demo and the embeddable chat widget, served by a small Sanic app.

`python -m web.server` (or `python -m web`) serves:

- `/`                              the demo clinic website, with the widget configured for
                                   `RASA_PUBLIC_URL` (written into the page's script tag, so the
                                   page needs no inline script)
- `/widget/widget.js`, `/widget/widget.css`   the widget
- `/widget/vendor/socket.io.min.js`           socket.io-client's browser build (web/node_modules)
- `/images/...`                    pictures, such as the movement tests
- `/assets/...`                    the demo site's own stylesheet and icon
- `/privacy`                       the privacy notice
- `GET /health`                    `{"status": "ok"}`

Nothing is read at import time: `create_app()` reads the settings and the page templates.
"""

from __future__ import annotations

import html
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple
from urllib.parse import unquote, urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
PUBLIC_DIR = WEB_DIR / "public"
SOCKET_IO_BUILD = WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
RASA_URL_PLACEHOLDER = "{{RASA_PUBLIC_URL}}"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_RASA_PUBLIC_URL = "http://127.0.0.1:5005"

# Widget assets are embedded by other sites too: cache briefly, revalidate often.
ASSET_CACHE = "public, max-age=300"
PAGE_CACHE = "no-cache"


class ConfigError(ValueError):
    """A setting that the server cannot start with."""


@dataclass(frozen=True)
class Settings:
    """Where to listen and which Rasa server the demo page's widget talks to."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    rasa_public_url: str = DEFAULT_RASA_PUBLIC_URL
    public_dir: Path = PUBLIC_DIR
    socket_io_build: Path = SOCKET_IO_BUILD
    extra_headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        port_text = env.get("WEB_PORT", str(DEFAULT_PORT))
        try:
            port = int(port_text)
        except ValueError as error:
            raise ConfigError(f"WEB_PORT must be a number, got {port_text!r}") from error
        return cls(
            host=env.get("WEB_HOST", DEFAULT_HOST),
            port=port,
            rasa_public_url=env.get("RASA_PUBLIC_URL", DEFAULT_RASA_PUBLIC_URL),
        )


def rasa_origins(url: str) -> Tuple[str, str]:
    """The HTTP origin of the Rasa server and its websocket twin, for connect-src.

    >>> rasa_origins("https://bot.example.org/rasa")
    ('https://bot.example.org', 'wss://bot.example.org')
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"RASA_PUBLIC_URL must be an http(s) URL, got {url!r}")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigError("RASA_PUBLIC_URL must not carry credentials, a query or a fragment")
    if any(char in parts.netloc for char in " ;,'\""):
        raise ConfigError(f"RASA_PUBLIC_URL has an invalid host: {url!r}")
    origin = f"{parts.scheme}://{parts.netloc.lower()}"
    websocket = ("wss" if parts.scheme == "https" else "ws") + origin[len(parts.scheme):]
    return origin, websocket


def page_headers(rasa_url: str) -> Dict[str, str]:
    """Security headers for HTML pages: self only, plus the Rasa server for the socket."""
    http_origin, ws_origin = rasa_origins(rasa_url)
    csp = "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        f"connect-src 'self' {http_origin} {ws_origin}",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ])
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cache-Control": PAGE_CACHE,
    }


# Served files may be opened on their own (an SVG in a tab): they get no script, no frames.
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
IMAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ConfigError(f"missing web file: {path}") from error


def render_demo_page(template: str, rasa_url: str) -> str:
    """The demo page with the widget's Rasa URL written in as an HTML attribute value."""
    if RASA_URL_PLACEHOLDER not in template:
        raise ConfigError(f"index.html has no {RASA_URL_PLACEHOLDER} placeholder")
    return template.replace(RASA_URL_PLACEHOLDER, html.escape(rasa_url, quote=True))


def clinic_details(template: str) -> str:
    """Writes the clinic profile's name, phone and address into a page (escaped), so the demo
    site shows the same clinic the assistant talks about."""
    from clinic.profile import load_profile

    profile = load_profile()
    values = {"{{CLINIC_NAME}}": profile.name, "{{CLINIC_PHONE}}": profile.phone,
              "{{CLINIC_PHONE_LINK}}": "tel:" + "".join(c for c in profile.phone
                                                         if c.isdigit() or c == "+"),
              "{{CLINIC_ADDRESS}}": profile.address}
    for placeholder, value in values.items():
        template = template.replace(placeholder, html.escape(value, quote=True))
    return template


def create_app(settings: Optional[Settings] = None, name: str = "clinic_web") -> Sanic:
    """Builds the app; reads the page templates now so a broken install fails at start."""
    settings = settings or Settings.from_env(os.environ)
    headers = {**page_headers(settings.rasa_public_url), **settings.extra_headers}
    public = settings.public_dir
    if not settings.socket_io_build.is_file():
        raise ConfigError(
            f"socket.io-client's browser build is missing ({settings.socket_io_build}): "
            "run `npm ci --prefix web`"
        )
    demo_page = clinic_details(render_demo_page(_read_text(public / "index.html"),
                                                settings.rasa_public_url))
    privacy_page = clinic_details(_read_text(public / "privacy.html"))

    app = Sanic(name, configure_logging=False)
    app.config.ACCESS_LOG = False
    app.ctx.settings = settings

    def page(body: str) -> HTTPResponse:
        return response.html(body, headers=headers)

    @app.route("/", methods=["GET", "HEAD"])
    async def index(_: Request) -> HTTPResponse:
        return page(demo_page)

    @app.route("/privacy", methods=["GET", "HEAD"])
    async def privacy(_: Request) -> HTTPResponse:
        return page(privacy_page)

    @app.route("/health", methods=["GET", "HEAD"])
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"}, headers={"Cache-Control": "no-store"})

    app.static("/widget/widget.js", str(public / "widget.js"), name="widget_js",
               content_type="text/javascript; charset=utf-8")
    app.static("/widget/widget.css", str(public / "widget.css"), name="widget_css",
               content_type="text/css; charset=utf-8")
    app.static("/widget/vendor/socket.io.min.js", str(settings.socket_io_build),
               name="socket_io", content_type="text/javascript; charset=utf-8")
    app.static("/images", str(public / "images"), name="images")
    app.static("/assets", str(public / "assets"), name="assets")

    @app.on_request
    async def refuse_control_characters(request: Request) -> Optional[HTTPResponse]:
        """A NUL in a file path makes the static handler fail with a 500; no page has one."""
        if any(ord(char) < 32 or ord(char) == 127 for char in unquote(request.path)):
            return response.text("Not found", status=404)
        return None

    @app.on_response
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        for key, value in FILE_HEADERS.items():
            resp.headers.setdefault(key, value)
        path = request.path
        if path.startswith(("/widget/", "/images/", "/assets/")) and resp.status == 200:
            resp.headers.setdefault("Cache-Control", ASSET_CACHE)
        if path.endswith(".svg"):
            resp.headers["Content-Security-Policy"] = IMAGE_CSP

    return app


def main(env: Optional[Mapping[str, str]] = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = Settings.from_env(os.environ if env is None else env)
    app = create_app(settings)
    logger.info("web.start host=%s port=%s", settings.host, settings.port)
    app.run(host=settings.host, port=settings.port, access_log=False, motd=False,
            workers=1)


if __name__ == "__main__":
    main()
