"""The emulator's outbox: every SMS and e-mail that its SNS and SES recorded, for people and tests to read.

On AWS a verification code or a welcome SMS reaches a phone; locally moto records
each SNS `Publish` to a phone number and each SES `SendEmail` and sends nothing. The
stack's web server shows those records at `/dev/outbox` (HTML) and `/dev/outbox.json`,
newest first, with the time the emulator answered the request that sent them (moto
keeps no time: `OutboxClock` stamps each message as the request is answered). Local
only: nothing here is packaged for Lambda.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
# The service an AWS request is signed for: "Credential=<key>/<date>/<region>/<service>/aws4_request".
_SIGNED_SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")
_MESSAGING = {"sns", "ses", "email"}


@dataclass(frozen=True)
class Sent:
    channel: str  # "sms" | "email"
    recipient: str
    subject: str
    text: str
    at: str  # RFC 3339 UTC


class Outbox:
    """What moto's SNS and SES hold, with the time each message was first seen."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}  # "<channel>:<message id>" -> time
        self._stamped: dict[tuple[str, str, str], int] = {}  # per backend: how many of its messages are stamped

    def stamp(self) -> None:
        """Stamp the messages recorded since the last stamp with the current time.

        Only each backend's new tail is read, so a publish costs the same with 50,000 messages recorded as with one.
        """
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        with self._lock:
            for source, recorded in _sources():
                done = self._stamped.get(source, 0)
                if len(recorded) > done:
                    for key, _ in _entries(source[0], recorded, start=done):
                        self._seen.setdefault(key, now)
                    self._stamped[source] = len(recorded)

    def messages(self, limit: int = 100) -> list[Sent]:
        """The latest `limit` messages, newest first."""
        self.stamp()
        found = [entry for source, recorded in _sources() for entry in _entries(source[0], recorded)]
        with self._lock:
            stamped = [(self._seen.get(key, ""), order, sent) for order, (key, sent) in enumerate(found)]
        stamped.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
        return [Sent(**{**asdict(sent), "at": at}) for at, _, sent in stamped[:limit]]


def _sources() -> Iterable[tuple[tuple[str, str, str], Any]]:
    """((channel, account, region), what moto recorded there) for every SNS and SES backend, in a fixed order."""
    for account, regions in list(sns_backends.items()):
        for region, backend in list(regions.items()):
            if region != "global":
                yield ("sms", account, region), backend.sms_messages  # message id -> (phone, text), in order
    for account, ses_regions in list(ses_backends.items()):
        for region, ses in list(ses_regions.items()):
            if region != "global":
                yield ("email", account, region), ses.sent_messages  # a list, in order


def _entries(channel: str, recorded: Any, *, start: int = 0) -> Iterable[tuple[str, Sent]]:
    """The messages of one backend from the `start`-th on, as ("<channel>:<message id>", Sent)."""
    if channel == "sms":
        for message_id, (phone, text) in islice(list(recorded.items()), start, None):
            yield f"sms:{message_id}", Sent("sms", phone, "", text, "")
        return
    for message in list(recorded)[start:]:
        destinations = getattr(message, "destinations", [])
        if isinstance(destinations, dict):
            destinations = [address for addresses in destinations.values() for address in addresses]
        text = getattr(message, "body", None) or getattr(message, "raw_data", "") or ""
        yield f"email:{message.id}", Sent("email", ", ".join(destinations),
                                          getattr(message, "subject", "") or "", str(text), "")


OUTBOX = Outbox()


class OutboxClock:
    """WSGI middleware: after the emulator answers an SNS or SES request, stamp what it recorded."""

    def __init__(self, app: WsgiApp, outbox: Outbox = OUTBOX) -> None:
        self._app = app
        self._outbox = outbox

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        signed = _SIGNED_SERVICE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if signed is None or signed.group(1) not in _MESSAGING:
            return self._app(environ, start_response)
        response = self._app(environ, start_response)
        try:
            body = [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()
        self._outbox.stamp()
        return body


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """`/outbox` (HTML) and `/outbox.json` under the web server's `/dev/`."""
    path = environ.get("PATH_INFO", "")
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or path not in ("/outbox", "/outbox.json"):
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found"]
    messages = OUTBOX.messages()
    if path == "/outbox.json":
        body = json.dumps({"items": [asdict(sent) for sent in messages]}, ensure_ascii=False).encode()
        kind = "application/json; charset=utf-8"
    else:
        body = _page(messages).encode()
        kind = "text/html; charset=utf-8"
    start_response("200 OK", [("Content-Type", kind), ("Cache-Control", "no-store"),
                              ("Content-Length", str(len(body)))])
    return [body]


def _page(messages: list[Sent]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(sent.at)}</td><td>{sent.channel}</td><td dir=\"ltr\">{html.escape(sent.recipient)}</td>"
        f"<td>{html.escape(sent.subject)}</td><td dir=\"auto\"><pre>{html.escape(sent.text)}</pre></td></tr>"
        for sent in messages)
    empty = "" if messages else "<p>Nothing sent yet.</p>"
    return (
        "<!doctype html><html lang=\"en\" dir=\"ltr\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Local outbox</title><style>body{font-family:sans-serif;margin:1rem}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3rem;vertical-align:top;"
        "text-align:start}pre{white-space:pre-wrap;margin:0;font:inherit}</style></head><body>"
        "<h1>Local outbox</h1><p>The SMS and e-mails this local stack has sent (to its emulator: nothing leaves"
        " this machine), newest first. Also as <a href=\"/dev/outbox.json\">JSON</a>.</p>"
        f"{empty}<table><thead><tr><th>time (UTC)</th><th>channel</th><th>to</th><th>subject</th><th>text</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
