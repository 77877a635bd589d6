"""The console's Sanic app: `create_app(settings)` builds it; its start-up listener migrates the
store, loads the clinic profile and opens the Rasa client. Nothing happens at import time.

The edge of the system: sessions and CSRF checks (middleware), security headers, the mapping of
domain errors (`frontdesk.service`) to HTTP statuses and pages, and the routes.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, Callable, Coroutine, Dict, List, Optional, Tuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import BaseHTTPResponse, HTTPResponse

from clinic.profile import ClinicProfile, load_profile
from frontdesk.config import Settings
from frontdesk.presenters import (
    audit_row,
    booking_row,
    handoff_row,
    local_time,
    message_dict,
    messages_after,
    summary_view,
    whatsapp_window_warning,
)
from frontdesk.queue import channel_label, handoff_urgency, normalise_urgency, reason_label
from frontdesk.queue import urgency_label as urgency_text
from frontdesk.rasa_client import RasaClient, RasaGateway
from frontdesk.repository import BookingRecord, HandoffRecord, SessionRecord
from frontdesk.security import (
    USERNAME_PATTERN,
    Passwords,
    new_secret_token,
    normalise_username,
    tokens_match,
)
from frontdesk.service import (
    MAX_REPLY_CHARS,
    Conflict,
    Console,
    ConsoleError,
    DeliveryFailed,
    InvalidInput,
    LoginFailed,
    LoginRateLimited,
    NotFound,
    open_handoff_for,
)
from frontdesk.transcript import last_visitor_message_at, transcript
from store.db import Database
from store.models import BookingStatus, utcnow

logger = logging.getLogger("frontdesk.web")

PACKAGE = Path(__file__).resolve().parent
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 64 * 1024
AUDIT_PAGE = 100
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NEXT_PATTERN = re.compile(r"^/[A-Za-z0-9/_-]*$")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
NOTICES: Dict[str, str] = {
    "reply_sent": "Reply sent.",
    "handed_back": "The conversation is back with the assistant; the visitor was told.",
    "erased": "The person's data is erased: their records now, the conversation within a "
              "few minutes.",
    "booking_confirmed": "Booking confirmed; the visitor was told.",
    "booking_declined": "Booking declined; the visitor was told.",
    "signed_out": "You have signed out.",
}
SESSION_ENDED = "Your session has ended. Sign in again."
FORM_EXPIRED = ("This form has expired or did not come from this console. Reload the page and "
                "try again.")

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]


@dataclass(frozen=True)
class CookieNames:
    session: str
    login: str


def cookie_names(settings: Settings) -> CookieNames:
    # With Secure cookies, the __Host- prefix also pins them to this host and path "/".
    prefix = "__Host-" if settings.secure_cookies else ""
    return CookieNames(session=f"{prefix}fd_session", login=f"{prefix}fd_login")


def status_for(error: ConsoleError) -> int:
    for kind, status in ((LoginFailed, 401), (LoginRateLimited, 429), (NotFound, 404),
                         (Conflict, 409), (InvalidInput, 400), (DeliveryFailed, 502)):
        if isinstance(error, kind):
            return status
    return 400


def code_for(error: ConsoleError) -> str:
    if isinstance(error, DeliveryFailed):
        return f"rasa_{error.error.kind}"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def safe_next(value: Optional[str]) -> str:
    """A local path to go to after signing in; anything else (another site) becomes "/"."""
    if value and NEXT_PATTERN.match(value) and not value.startswith("//") \
            and value not in ("/login", "/logout"):
        return value
    return "/"


def make_templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(PACKAGE / "templates")), autoescape=True,
                       undefined=StrictUndefined, trim_blocks=False, lstrip_blocks=False)


# --- request helpers ---------------------------------------------------------------------------


def _console(request: Request) -> Console:
    console: Console = request.app.ctx.console
    return console


def _session(request: Request) -> Optional[SessionRecord]:
    return getattr(request.ctx, "session", None)


def _staff(request: Request) -> SessionRecord:
    session = _session(request)
    if session is None:  # routes are wrapped by require_staff; this is a programming error
        raise RuntimeError("no staff session on a protected route")
    return session


def _is_api(request: Request) -> bool:
    return request.path.startswith("/api/")


def _client_address(request: Request) -> str:
    return request.remote_addr or request.ip or "unknown"


def _form(request: Request, name: str) -> str:
    try:
        value = request.form.get(name) if request.form else None
    except SanicException:  # malformed body
        value = None
    return value if isinstance(value, str) else ""


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise NotFound()
    return value


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    console: Optional[Console] = getattr(request.app.ctx, "console", None)
    base: Dict[str, Any] = {
        "session": _session(request),
        "clinic_name": console.profile.name if console else "Clinic",
        "poll_seconds": request.app.ctx.settings.poll_seconds,
        "notice": NOTICES.get(request.args.get("notice", "")),
        "error": None,
        "error_id": None,
    }
    base.update(context)
    page = request.app.ctx.templates.get_template(template).render(**base)
    return response.html(page, status=status)


def json_error(code: str, message: str, status: int) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


def set_cookie(reply: BaseHTTPResponse, settings: Settings, name: str, value: str,
               max_age: Optional[int] = None) -> None:
    reply.cookies[name] = value
    cookie = reply.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    if settings.secure_cookies:
        cookie["secure"] = True
    if max_age is not None:
        cookie["max-age"] = max_age


def clear_cookie(reply: BaseHTTPResponse, settings: Settings, name: str) -> None:
    set_cookie(reply, settings, name, "", max_age=0)


def require_staff(handler: Handler) -> Handler:
    """Pages redirect to the sign-in page without a session; JSON endpoints answer 401."""

    @wraps(handler)
    async def wrapped(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
        if _session(request) is None:
            if _is_api(request):
                return json_error("unauthenticated", SESSION_ENDED, 401)
            if request.method not in SAFE_METHODS:
                return render(request, "error.html", 403, title="Signed out",
                              message=SESSION_ENDED)
            return response.redirect(f"/login?next={safe_next(request.path)}", status=303)
        return await handler(request, *args, **kwargs)

    return wrapped


# --- the app -----------------------------------------------------------------------------------


def create_app(settings: Settings, *, name: str = "frontdesk", db: Optional[Database] = None,
               rasa: Optional[RasaGateway] = None, profile: Optional[ClinicProfile] = None,
               passwords: Optional[Passwords] = None) -> Sanic:
    """Builds the console. Given `db`, `rasa`, `profile` or `passwords` are used as they are
    (tests); otherwise they are made from `settings` when the server starts."""
    app = Sanic(name, configure_logging=False)
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    app.config.FALLBACK_ERROR_FORMAT = "html"
    app.config.MOTD = False
    app.ctx.settings = settings
    app.ctx.templates = make_templates()
    app.ctx.cookies = cookie_names(settings)
    app.static("/static", str(PACKAGE / "static"), name="static")

    @app.before_server_start
    async def start(app: Sanic, _loop: Any) -> None:
        database = db or Database(settings.database_url)
        await asyncio.to_thread(database.migrate)
        clinic = profile or load_profile(settings.clinic_profile)
        client: RasaGateway
        if rasa is None:
            owned = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_s)
            await owned.start()
            client = owned
            app.ctx.owned_rasa = owned
        else:
            client = rasa
        hasher = passwords or Passwords()
        await asyncio.to_thread(hasher.warm_up)
        app.ctx.owned_db = database if db is None else None
        app.ctx.console = Console(settings, database, client, clinic, hasher)
        if not settings.rasa_token:
            logger.warning("frontdesk.config.no_rasa_token: set RASA_TOKEN, or Rasa will "
                           "refuse the console's requests")
        if settings.exposed and not settings.secure_cookies:
            logger.warning("frontdesk.config.insecure_cookies host=%s: serve the console over "
                           "HTTPS and set CONSOLE_SECURE_COOKIES=true", settings.host)

    @app.after_server_stop
    async def stop(app: Sanic, _loop: Any) -> None:
        owned = getattr(app.ctx, "owned_rasa", None)
        if owned is not None:
            await owned.close()
        database = getattr(app.ctx, "owned_db", None)
        if database is not None:
            database.dispose()

    app.register_middleware(load_session, "request")
    app.register_middleware(security_headers, "response")
    app.error_handler.add(ConsoleError, on_console_error)
    app.error_handler.add(Exception, on_error)
    register_routes(app)
    return app


async def load_session(request: Request) -> Optional[HTTPResponse]:
    """Attaches the staff session (if any) and refuses state changes without a valid CSRF token.

    Background polls (GET /api/...) do not count as activity, so an unattended console still
    expires after the idle timeout.
    """
    request.ctx.session = None
    request.ctx.session_token = None
    request.ctx.drop_session_cookie = False
    if request.path.startswith("/static/") or request.path == "/health":
        return None
    names: CookieNames = request.app.ctx.cookies
    token = request.cookies.get(names.session)
    if token:
        poll = request.method == "GET" and _is_api(request)
        record = await _console(request).session_for(token, touch=not poll)
        if record is None:
            request.ctx.drop_session_cookie = True
        else:
            request.ctx.session = record
            request.ctx.session_token = token
    if request.method in SAFE_METHODS or request.path == "/login":
        return None
    session = _session(request)
    if session is None:
        if _is_api(request):
            return json_error("unauthenticated", SESSION_ENDED, 401)
        return render(request, "error.html", 403, title="Signed out", message=SESSION_ENDED)
    given = request.headers.get("x-csrf-token") or _form(request, "csrf_token")
    if not tokens_match(session.csrf_token, given):
        logger.warning("frontdesk.csrf.rejected staff=%s route=%s", session.username,
                       request.name or "-")
        if _is_api(request):
            return json_error("csrf", FORM_EXPIRED, 403)
        return render(request, "error.html", 403, title="Form expired", message=FORM_EXPIRED)
    return None


async def security_headers(request: Request, reply: BaseHTTPResponse) -> None:
    settings: Settings = request.app.ctx.settings
    headers = reply.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
    if request.path.startswith("/static/"):
        headers["Cache-Control"] = "no-cache"
    else:  # pages and JSON carry patient data: never stored by the browser or a proxy
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    if settings.secure_cookies:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if getattr(request.ctx, "drop_session_cookie", False) and \
            request.app.ctx.cookies.session not in reply.cookies:
        clear_cookie(reply, settings, request.app.ctx.cookies.session)


async def on_console_error(request: Request, error: Exception) -> HTTPResponse:
    if not isinstance(error, ConsoleError):  # registered for ConsoleError only
        return await on_error(request, error)
    status = status_for(error)
    if _is_api(request):
        return json_error(code_for(error), error.message, status)
    title = "Not found" if status == 404 else "That could not be done"
    return render(request, "error.html", status, title=title, message=error.message)


async def on_error(request: Request, error: Exception) -> HTTPResponse:
    """Any other failure: a plain message, never a stack trace or request content."""
    status = getattr(error, "status_code", 500) if isinstance(error, SanicException) else 500
    if status < 500:
        messages = {404: "There is no such page.", 405: "That is not allowed here.",
                    413: "That was too large to send."}
        message = messages.get(status, "The request could not be understood.")
        if _is_api(request):
            return json_error("http_" + str(status), message, status)
        return render(request, "error.html", status, title="Not possible", message=message)
    error_id = uuid.uuid4().hex[:12]
    # Code locations only: exception messages may quote database rows (patient data).
    frames = " <- ".join(f"{Path(frame.filename).name}:{frame.lineno}:{frame.name}"
                         for frame in reversed(traceback.extract_tb(error.__traceback__)))
    logger.error("frontdesk.request.failed error_id=%s route=%s error=%s at=%s", error_id,
                 request.name or "-", type(error).__name__, frames)
    message = "Something went wrong in the console. Nothing was sent."
    if _is_api(request):
        return response.json({"error": "internal", "message": message, "error_id": error_id},
                             status=500)
    return render(request, "error.html", 500, title="Something went wrong", message=message,
                  error_id=error_id)


# --- routes ------------------------------------------------------------------------------------


def register_routes(app: Sanic) -> None:
    app.add_route(health, "/health", methods=["GET"], name="health")
    app.add_route(login_page, "/login", methods=["GET"], name="login_page")
    app.add_route(login_submit, "/login", methods=["POST"], name="login_submit")
    app.add_route(logout, "/logout", methods=["POST"], name="logout")
    app.add_route(queue_page, "/", methods=["GET"], name="queue")
    app.add_route(queue_api, "/api/queue", methods=["GET"], name="queue_api")
    app.add_route(handoff_page, "/handoffs/<handoff_id:str>", methods=["GET"], name="handoff")
    app.add_route(handoff_transcript, "/api/handoffs/<handoff_id:str>/transcript",
                  methods=["GET"], name="handoff_transcript")
    app.add_route(reply_form, "/handoffs/<handoff_id:str>/reply", methods=["POST"],
                  name="reply")
    app.add_route(reply_api, "/api/handoffs/<handoff_id:str>/reply", methods=["POST"],
                  name="reply_api")
    app.add_route(hand_back, "/handoffs/<handoff_id:str>/hand-back", methods=["POST"],
                  name="hand_back")
    app.add_route(booking_page, "/bookings/<booking_id:str>", methods=["GET"], name="booking")
    app.add_route(booking_transcript, "/api/bookings/<booking_id:str>/transcript",
                  methods=["GET"], name="booking_transcript")
    app.add_route(confirm_booking, "/bookings/<booking_id:str>/confirm", methods=["POST"],
                  name="confirm_booking")
    app.add_route(decline_booking, "/bookings/<booking_id:str>/decline", methods=["POST"],
                  name="decline_booking")
    app.add_route(erase_handoff, "/handoffs/<handoff_id:str>/erase", methods=["POST"],
                  name="erase_handoff")
    app.add_route(erase_booking, "/bookings/<booking_id:str>/erase", methods=["POST"],
                  name="erase_booking")
    app.add_route(audit_page, "/audit", methods=["GET"], name="audit")


async def health(request: Request) -> HTTPResponse:
    if await _console(request).ping():
        return response.json({"status": "ok"})
    return response.json({"status": "unavailable", "database": "unreachable"}, status=503)


# sign in and out


def _login_response(request: Request, status: int, error: Optional[str] = None,
                    username: str = "", next_path: str = "/") -> HTTPResponse:
    settings: Settings = request.app.ctx.settings
    names: CookieNames = request.app.ctx.cookies
    login_token = request.cookies.get(names.login) or ""
    if len(login_token) < 32 or len(login_token) > 64:
        login_token = new_secret_token()
    reply = render(request, "login.html", status, error=error, username=username,
                   next_path=next_path, login_token=login_token)
    set_cookie(reply, settings, names.login, login_token, max_age=3600)
    return reply


async def login_page(request: Request) -> HTTPResponse:
    next_path = safe_next(request.args.get("next"))
    if _session(request) is not None:
        return response.redirect(next_path, status=303)
    return _login_response(request, 200, next_path=next_path)


async def login_submit(request: Request) -> HTTPResponse:
    settings: Settings = request.app.ctx.settings
    names: CookieNames = request.app.ctx.cookies
    next_path = safe_next(_form(request, "next"))
    username = normalise_username(_form(request, "username"))
    shown_username = username if USERNAME_PATTERN.match(username) else ""
    if not tokens_match(request.cookies.get(names.login), _form(request, "csrf_token")):
        return _login_response(request, 403, "The sign-in form expired. Please try again.",
                               shown_username, next_path)
    try:
        signed_in = await _console(request).login(username, _form(request, "password"),
                                                  _client_address(request))
    except LoginRateLimited as exc:
        reply = _login_response(request, 429, exc.message, shown_username, next_path)
        reply.headers["Retry-After"] = str(int(settings.login_window.total_seconds()))
        return reply
    except LoginFailed as exc:
        return _login_response(request, 401, exc.message, shown_username, next_path)
    previous = request.ctx.session_token
    if previous:  # signing in again replaces the old session rather than leaving it alive
        await _console(request).forget_session(previous)
    reply = response.redirect(next_path, status=303)
    set_cookie(reply, settings, names.session, signed_in.token)
    clear_cookie(reply, settings, names.login)
    return reply


@require_staff
async def logout(request: Request) -> HTTPResponse:
    settings: Settings = request.app.ctx.settings
    await _console(request).logout(request.ctx.session_token, _staff(request))
    reply = response.redirect("/login?notice=signed_out", status=303)
    clear_cookie(reply, settings, request.app.ctx.cookies.session)
    return reply


# the queue


async def _queue_rows(request: Request) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    console = _console(request)
    handoffs, bookings = await console.queue()
    now, tz = utcnow(), console.profile.tz
    return ([handoff_row(h, now, tz) for h in handoffs],
            [booking_row(b, now, tz) for b in bookings])


@require_staff
async def queue_page(request: Request) -> HTTPResponse:
    handoffs, bookings = await _queue_rows(request)
    return render(request, "queue.html", handoffs=handoffs, bookings=bookings)


@require_staff
async def queue_api(request: Request) -> HTTPResponse:
    handoffs, bookings = await _queue_rows(request)
    return response.json({"handoffs": handoffs, "bookings": bookings,
                          "generated_at": utcnow().isoformat()})


# a conversation


def _handoff_status(handoff: HandoffRecord, tz: Any) -> str:
    if handoff.is_open:
        return "Waiting for staff"
    return f"Handed back by {handoff.closed_by or 'staff'} ({local_time(handoff.closed_at, tz)})"


def _booking_status(booking: BookingRecord, tz: Any) -> str:
    if booking.is_requested:
        return "Waiting for a decision"
    return (f"{booking.status.capitalize()} by {booking.decided_by or 'staff'} "
            f"({local_time(booking.decided_at, tz)})")


async def conversation_page(request: Request, *, handoff: Optional[HandoffRecord] = None,
                            booking: Optional[BookingRecord] = None, status: int = 200,
                            error: Optional[str] = None, draft: str = "") -> HTTPResponse:
    console = _console(request)
    tz, now = console.profile.tz, utcnow()
    item = handoff or booking
    if item is None:
        raise NotFound()
    conversation = await console.conversation(item.conversation_id, item.channel)
    messages = transcript(conversation.events)
    if booking is not None and handoff is None:
        handoff = open_handoff_for(conversation.handoffs) or next(
            iter(conversation.handoffs), None)
    inbound: List[datetime] = [t for t in (conversation.last_inbound_at,
                                           last_visitor_message_at(conversation.events)) if t]
    related = [{"url": f"/bookings/{b.id}", "label": f"Booking request {b.reference} "
                f"({b.status})"} for b in conversation.bookings
               if booking is None or b.id != booking.id]
    related += [{"url": f"/handoffs/{h.id}", "label": f"Handoff of {local_time(h.created_at, tz)}"
                 f" ({h.status})"} for h in conversation.handoffs
                if handoff is None or h.id != handoff.id]
    if booking is not None:
        title = f"Booking request {booking.reference}"
        urgency = normalise_urgency(booking.urgency)
        status_text = _booking_status(booking, tz)
        transcript_url = f"/api/bookings/{booking.id}/transcript"
    else:
        if handoff is None:  # item is a handoff here
            raise NotFound()
        title = "Conversation handed to staff"
        urgency = handoff_urgency(handoff.urgency, handoff.summary)
        status_text = _handoff_status(handoff, tz)
        transcript_url = f"/api/handoffs/{handoff.id}/transcript"
    page_is_handoff = booking is None and handoff is not None
    return render(
        request, "conversation.html", status,
        error=error, title=title, draft=draft, max_reply_chars=MAX_REPLY_CHARS,
        urgency=urgency, urgency_label=urgency_text(urgency),
        channel=item.channel, channel_label=channel_label(item.channel),
        status_text=status_text, time_zone=console.profile.time_zone,
        whatsapp_warning=whatsapp_window_warning(item.channel, max(inbound, default=None),
                                                 now, tz),
        failures=[{"time": local_time(f.created_at, tz), "channel_label":
                   channel_label(f.channel), "error": f.error}
                  for f in conversation.delivery_failures],
        messages=[message_dict(m, tz) for m in messages],
        last_seq=messages[-1].seq if messages else -1,
        transcript_error=conversation.transcript_error, transcript_url=transcript_url,
        handoff=handoff, booking=booking,
        summary=summary_view(handoff.summary) if handoff is not None else None,
        handoff_reason=reason_label(handoff.reason) if handoff else "",
        handoff_created_local=local_time(handoff.created_at, tz) if handoff else "",
        handoff_closed_local=local_time(handoff.closed_at, tz) if handoff else "",
        booking_preferred_local=local_time(booking.preferred_start, tz) if booking else "",
        booking_created_local=local_time(booking.created_at, tz) if booking else "",
        booking_decided_local=local_time(booking.decided_at, tz) if booking else "",
        can_reply=page_is_handoff and handoff is not None and handoff.is_open,
        can_hand_back=page_is_handoff and handoff is not None and handoff.is_open,
        can_decide=booking is not None and booking.is_requested,
        related=related,
    )


async def _transcript_json(request: Request, conversation_id: str, status_text: str,
                           can_reply: bool) -> HTTPResponse:
    console = _console(request)
    try:
        after = max(-1, min(int(request.args.get("after", "-1")), 10**9))
    except ValueError:
        after = -1
    try:
        events = await console.events(conversation_id)
    except DeliveryFailed as exc:
        return json_error(code_for(exc), exc.message, 502)
    return response.json({
        "messages": messages_after(transcript(events), after, console.profile.tz),
        "status_text": status_text,
        "can_reply": can_reply,
    })


@require_staff
async def handoff_page(request: Request, handoff_id: str) -> HTTPResponse:
    console = _console(request)
    handoff = await console.handoff(_check_id(handoff_id))
    await console.record_view(_staff(request), "handoff", handoff.id)
    return await conversation_page(request, handoff=handoff)


@require_staff
async def handoff_transcript(request: Request, handoff_id: str) -> HTTPResponse:
    console = _console(request)
    handoff = await console.handoff(_check_id(handoff_id))
    return await _transcript_json(request, handoff.conversation_id,
                                  _handoff_status(handoff, console.profile.tz), handoff.is_open)


@require_staff
async def reply_form(request: Request, handoff_id: str) -> HTTPResponse:
    console = _console(request)
    handoff_id = _check_id(handoff_id)
    text = _form(request, "text")
    try:
        await console.reply(_staff(request), handoff_id, text)
    except NotFound:
        raise
    except ConsoleError as exc:
        handoff = await console.handoff(handoff_id)
        return await conversation_page(request, handoff=handoff, status=status_for(exc),
                                       error=exc.message, draft=text)
    return response.redirect(f"/handoffs/{handoff_id}?notice=reply_sent", status=303)


@require_staff
async def reply_api(request: Request, handoff_id: str) -> HTTPResponse:
    try:
        payload = request.json
    except SanicException:
        payload = None
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str):
        return json_error("invalid_input", "Send the reply as JSON: {\"text\": \"...\"}.", 400)
    await _console(request).reply(_staff(request), _check_id(handoff_id), text)
    return response.json({"status": "sent"})


@require_staff
async def hand_back(request: Request, handoff_id: str) -> HTTPResponse:
    console = _console(request)
    handoff_id = _check_id(handoff_id)
    try:
        await console.hand_back(_staff(request), handoff_id)
    except NotFound:
        raise
    except ConsoleError as exc:
        handoff = await console.handoff(handoff_id)
        return await conversation_page(request, handoff=handoff, status=status_for(exc),
                                       error=exc.message)
    return response.redirect(f"/handoffs/{handoff_id}?notice=handed_back", status=303)


# privacy


async def _erase(request: Request, conversation_id: str) -> HTTPResponse:
    if request.form.get("confirm") != "yes":
        return json_error("invalid_input", "Tick the box to confirm the erasure.", 400)
    await _console(request).erase(_staff(request), conversation_id)
    return response.redirect("/?notice=erased", status=303)


@require_staff
async def erase_handoff(request: Request, handoff_id: str) -> HTTPResponse:
    handoff = await _console(request).handoff(_check_id(handoff_id))
    return await _erase(request, handoff.conversation_id)


@require_staff
async def erase_booking(request: Request, booking_id: str) -> HTTPResponse:
    booking = await _console(request).booking(_check_id(booking_id))
    return await _erase(request, booking.conversation_id)


# bookings


@require_staff
async def booking_page(request: Request, booking_id: str) -> HTTPResponse:
    console = _console(request)
    booking = await console.booking(_check_id(booking_id))
    await console.record_view(_staff(request), "booking", booking.id)
    return await conversation_page(request, booking=booking)


@require_staff
async def booking_transcript(request: Request, booking_id: str) -> HTTPResponse:
    console = _console(request)
    booking = await console.booking(_check_id(booking_id))
    return await _transcript_json(request, booking.conversation_id,
                                  _booking_status(booking, console.profile.tz), False)


async def _decide(request: Request, booking_id: str, status: BookingStatus) -> HTTPResponse:
    console = _console(request)
    booking_id = _check_id(booking_id)
    try:
        await console.decide_booking(_staff(request), booking_id, status)
    except NotFound:
        raise
    except ConsoleError as exc:
        booking = await console.booking(booking_id)
        return await conversation_page(request, booking=booking, status=status_for(exc),
                                       error=exc.message)
    return response.redirect(f"/bookings/{booking_id}?notice=booking_{status.value}",
                             status=303)


@require_staff
async def confirm_booking(request: Request, booking_id: str) -> HTTPResponse:
    return await _decide(request, booking_id, BookingStatus.confirmed)


@require_staff
async def decline_booking(request: Request, booking_id: str) -> HTTPResponse:
    return await _decide(request, booking_id, BookingStatus.declined)


# the audit log


@require_staff
async def audit_page(request: Request) -> HTTPResponse:
    console = _console(request)
    try:
        before: Optional[int] = int(request.args.get("before", ""))
    except ValueError:
        before = None
    entries = await console.audit_page(AUDIT_PAGE + 1, before)
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    rows = [audit_row(e, console.profile.tz) for e in entries[:AUDIT_PAGE]]
    return render(request, "audit.html", entries=rows, time_zone=console.profile.time_zone,
                  older_url=f"/audit?before={older}" if older is not None else None)
