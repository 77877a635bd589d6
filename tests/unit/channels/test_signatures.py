"""Webhook signatures: Meta's X-Hub-Signature-256 and Twilio's X-Twilio-Signature."""

from __future__ import annotations

import hashlib
import hmac
from typing import Dict, Optional

import pytest
from multidict import MultiDict
from twilio.request_validator import RequestValidator

from channels.signatures import (
    SignatureCheck,
    hub_signature,
    signed_url,
    verify_hub_signature,
    verify_twilio_signature,
)

SECRET = "app-secret"
BODY = b'{"object":"whatsapp_business_account","entry":[]}'
GOOD = "sha256=" + hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()


def test_hub_signature_is_sha256_hmac_hex_of_the_raw_body() -> None:
    assert hub_signature(SECRET, BODY) == GOOD


@pytest.mark.parametrize(("case", "secret", "body", "header", "expected"), [
    ("valid", SECRET, BODY, GOOD, SignatureCheck.VALID),
    ("valid, upper-case hex", SECRET, BODY, "sha256=" + GOOD[7:].upper(), SignatureCheck.VALID),
    ("valid, surrounding spaces", SECRET, BODY, f"  {GOOD} ", SignatureCheck.VALID),
    ("missing", SECRET, BODY, None, SignatureCheck.MISSING),
    ("empty", SECRET, BODY, "", SignatureCheck.MISSING),
    ("blank", SECRET, BODY, "   ", SignatureCheck.MISSING),
    ("wrong digest", SECRET, BODY, "sha256=" + "0" * 64, SignatureCheck.INVALID),
    ("wrong secret", "another-secret", BODY, GOOD, SignatureCheck.INVALID),
    ("body altered", SECRET, BODY.replace(b"[]", b"[{}]"), GOOD, SignatureCheck.INVALID),
    ("body with a trailing newline", SECRET, BODY + b"\n", GOOD, SignatureCheck.INVALID),
    ("old sha1 scheme", SECRET, BODY,
     "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest(), SignatureCheck.INVALID),
    ("no prefix", SECRET, BODY, GOOD[7:], SignatureCheck.INVALID),
    ("truncated", SECRET, BODY, GOOD[:-2], SignatureCheck.INVALID),
    ("non-ascii", SECRET, BODY, "sha256=é" + GOOD[8:], SignatureCheck.INVALID),
])
def test_hub_signature_check(case: str, secret: str, body: bytes, header: Optional[str],
                             expected: SignatureCheck) -> None:
    assert verify_hub_signature(secret, body, header) is expected, case


@pytest.mark.parametrize(("check", "status"), [
    (SignatureCheck.MISSING, 401), (SignatureCheck.INVALID, 403)])
def test_refusals_map_to_http_status(check: SignatureCheck, status: int) -> None:
    assert check.http_status == status


TOKEN = "twilio-auth-token"
URL = "https://clinic.example/webhooks/twilio_whatsapp/webhook"
PARAMS = {"From": "whatsapp:+27821234567", "To": "whatsapp:+14155238886", "Body": "hi",
          "MessageSid": "SM" + "1" * 32, "NumMedia": "0"}


def _sign(url: str, params: Dict[str, str], token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@pytest.mark.parametrize(("case", "url", "params", "header", "expected"), [
    ("valid", URL, PARAMS, _sign(URL, PARAMS), SignatureCheck.VALID),
    ("valid with the default port added", "https://clinic.example:443/webhooks/twilio_whatsapp"
     "/webhook", PARAMS, _sign(URL, PARAMS), SignatureCheck.VALID),
    ("missing", URL, PARAMS, None, SignatureCheck.MISSING),
    ("empty", URL, PARAMS, "", SignatureCheck.MISSING),
    ("wrong token", URL, PARAMS, _sign(URL, PARAMS, "other-token"), SignatureCheck.INVALID),
    ("body altered", URL, {**PARAMS, "Body": "HI"}, _sign(URL, PARAMS), SignatureCheck.INVALID),
    ("parameter added", URL, {**PARAMS, "Extra": "1"}, _sign(URL, PARAMS),
     SignatureCheck.INVALID),
    ("other URL (proxy not accounted for)", "http://10.0.0.5:5005/webhooks/twilio_whatsapp"
     "/webhook", PARAMS, _sign(URL, PARAMS), SignatureCheck.INVALID),
    ("forged", URL, PARAMS, "bm90IGEgc2lnbmF0dXJl", SignatureCheck.INVALID),
])
def test_twilio_signature_check(case: str, url: str, params: Dict[str, str],
                                header: Optional[str], expected: SignatureCheck) -> None:
    assert verify_twilio_signature(TOKEN, url, MultiDict(params), header) is expected, case


def test_twilio_signature_covers_repeated_parameters() -> None:
    params = MultiDict([("MediaUrl", "https://a.example/1"), ("MediaUrl", "https://a.example/2"),
                        ("Body", "")])
    signature = RequestValidator(TOKEN).compute_signature(URL, params)
    assert verify_twilio_signature(TOKEN, URL, params, signature) is SignatureCheck.VALID
    one_dropped = MultiDict([("MediaUrl", "https://a.example/1"), ("Body", "")])
    assert verify_twilio_signature(TOKEN, URL, one_dropped, signature) is SignatureCheck.INVALID


FORWARDED = {"x-forwarded-proto": "https", "x-forwarded-host": "clinic.example, proxy.internal"}


@pytest.mark.parametrize(("case", "headers", "public_url", "trust_proxy", "expected"), [
    ("public URL wins", FORWARDED, "https://public.example/hook?x=1", True,
     "https://public.example/hook?x=1"),
    ("the request as seen", {}, None, False, "http://127.0.0.1:5005/webhooks/t/webhook?a=b"),
    ("forwarded headers ignored unless trusted", FORWARDED, None, False,
     "http://127.0.0.1:5005/webhooks/t/webhook?a=b"),
    ("forwarded headers honoured when trusted (first value)", FORWARDED, None, True,
     "https://clinic.example/webhooks/t/webhook?a=b"),
    ("trusted but absent", {}, None, True, "http://127.0.0.1:5005/webhooks/t/webhook?a=b"),
])
def test_signed_url(case: str, headers: Dict[str, str], public_url: Optional[str],
                    trust_proxy: bool, expected: str) -> None:
    assert signed_url("http", "127.0.0.1:5005", "/webhooks/t/webhook?a=b", headers, public_url,
                      trust_proxy) == expected, case
