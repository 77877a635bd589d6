"""The web server: routes, content types, the injected Rasa URL and the security headers."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Dict, Tuple

import pytest

from tests.browser.servers import WebServer
from web.server import ConfigError, Settings, create_app, rasa_origins, render_demo_page

MOVEMENT_TESTS = ["forward_lean", "side_bend", "rotation", "pelvic_tilt"]


def fetch(url: str) -> Tuple[int, Dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()


def csp_directives(header: str) -> Dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


@pytest.mark.parametrize("path", ["/", "/privacy"])
def test_pages_carry_security_headers(web_server: WebServer, path: str) -> None:
    status, headers, body = fetch(web_server.base_url + path)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    csp = csp_directives(headers["content-security-policy"])
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"
    assert csp["style-src"] == "'self'"
    rasa = web_server.rasa_url
    assert csp["connect-src"].split() == ["'self'", rasa, rasa.replace("http://", "ws://")]
    assert csp["frame-ancestors"] == "'none'"
    # Inline-free: every script element loads a file.
    scripts = re.findall(rb"<script\b[^>]*>", body)
    assert all(b" src=" in tag for tag in scripts)
    assert b" style=" not in body and b"<style" not in body


def test_demo_page_is_configured_with_the_rasa_url(web_server: WebServer) -> None:
    _, _, body = fetch(web_server.base_url + "/")
    page = body.decode()
    assert f'data-server-url="{web_server.rasa_url}"' in page
    assert '<script src="/widget/widget.js"' in page
    assert "{{RASA_PUBLIC_URL}}" not in page


@pytest.mark.parametrize(("path", "content_type", "marker"), [
    ("/widget/widget.js", "text/javascript", b"session_request"),
    ("/widget/widget.css", "text/css", b".cw-panel"),
    ("/widget/vendor/socket.io.min.js", "text/javascript", b"Socket.IO v4.8"),
    ("/assets/site.css", "text/css", b".hero"),
])
def test_widget_files_are_served(web_server: WebServer, path: str, content_type: str,
                                 marker: bytes) -> None:
    status, headers, body = fetch(web_server.base_url + path)
    assert status == 200
    assert headers["content-type"].startswith(content_type)
    assert headers["x-content-type-options"] == "nosniff"
    assert marker in body


@pytest.mark.parametrize("name", MOVEMENT_TESTS)
def test_movement_test_pictures_are_served_as_safe_svg(web_server: WebServer, name: str) -> None:
    status, headers, body = fetch(f"{web_server.base_url}/images/tests/{name}.svg")
    assert status == 200
    assert headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in headers["content-security-policy"]
    svg = ET.fromstring(body)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.tag == f"{ns}svg"
    assert (svg.findtext(f"{ns}title") or "").strip()
    assert not svg.findall(f".//{ns}script") and b"<script" not in body
    assert len(svg.findall(f".//{ns}path")) >= 5  # a drawing, not a placeholder


def test_health_and_unknown_paths(web_server: WebServer) -> None:
    status, _, body = fetch(web_server.base_url + "/health")
    assert (status, body) == (200, b'{"status":"ok"}')
    with pytest.raises(urllib.error.HTTPError) as missing:
        fetch(web_server.base_url + "/images/%2e%2e/%2e%2e/server.py")
    assert missing.value.code == 404


def test_the_rasa_url_is_escaped_into_the_page() -> None:
    page = render_demo_page('<script data-server-url="{{RASA_PUBLIC_URL}}"></script>',
                            'https://bot.example.org/"><script>alert(1)</script>')
    assert "<script>alert" not in page
    assert "&quot;&gt;&lt;script&gt;" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://bot.example.org", "bot.example.org",
                                 "https://user:pw@bot.example.org", "https://bot.example.org/?a=1"])
def test_unusable_rasa_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError):
        rasa_origins(url)


def test_https_rasa_gets_a_wss_connect_source() -> None:
    assert rasa_origins("https://Bot.Example.org:8443/rasa") == (
        "https://bot.example.org:8443", "wss://bot.example.org:8443")


def test_missing_node_modules_stop_the_start_with_a_hint(tmp_path: Path) -> None:
    settings = replace(Settings(), socket_io_build=tmp_path / "socket.io.min.js")
    with pytest.raises(ConfigError, match="npm ci --prefix web"):
        create_app(settings, name="web_without_node_modules")


def test_settings_come_from_the_environment() -> None:
    settings = Settings.from_env({"WEB_HOST": "0.0.0.0", "WEB_PORT": "9001",
                                  "RASA_PUBLIC_URL": "https://bot.example.org"})
    assert (settings.host, settings.port, settings.rasa_public_url) == (
        "0.0.0.0", 9001, "https://bot.example.org")
    assert Settings.from_env({}) == Settings()
    with pytest.raises(ConfigError):
        Settings.from_env({"WEB_PORT": "eighty"})
