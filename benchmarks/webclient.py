"""A small browser for the deadline-day scenario (:mod:`benchmarks.deadline`): forms read
with the standard library's HTML parser, a cookie jar, redirects followed, and every
connection opened as a reverse proxy opens it (a PROXY protocol v1 line naming the client's
own address), so each simulated user has their own address for the rate limits.

The pure parts (the form parser, the multipart body, the figures per action) are tested in
``tests/unit/test_bench_deadline.py``.
"""

from __future__ import annotations

import http.client
import math
import secrets
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

# --- forms -----------------------------------------------------------------------------------


@dataclass
class Form:
    """One ``<form>`` of a page: where it posts and its successful controls' values."""

    action: str
    method: str = "get"
    enctype: str = "application/x-www-form-urlencoded"
    #: (name, value) of every input, textarea and select, in page order; checkboxes and
    #: radios only when checked (what a browser sends without the user touching them).
    fields: list[tuple[str, str]] = field(default_factory=list)
    #: names of unchecked checkboxes (to tick), of textareas, and of file inputs
    checkboxes: list[tuple[str, str]] = field(default_factory=list)
    textareas: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: (name, value) of the submit buttons
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.fields if n == name), None)

    def names(self) -> set[str]:
        return {n for n, _ in self.fields} | {n for n, _ in self.checkboxes} | set(self.files)

    def data(self, overrides: dict[str, str] | None = None, *, tick_all: bool = False,
             button: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """What a browser posts: the fields, ``overrides`` replacing values by name, every
        unchecked checkbox ticked when ``tick_all``, and the pressed ``button``."""
        overrides = dict(overrides or {})
        out = []
        for name, value in self.fields:
            if name in overrides:
                out.append((name, overrides.pop(name)))
            else:
                out.append((name, value))
        if tick_all:
            out += [(n, v) for n, v in self.checkboxes if n not in overrides]
        out += list(overrides.items())
        if button is not None:
            out.append(button)
        return out


class _FormParser(HTMLParser):
    def __init__(self, base: str):
        super().__init__(convert_charrefs=True)
        self.base = base
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: str | None = None
        self._option: tuple[str | None, list[str], bool] | None = None
        self._select_value: str | None = None
        self._select_first: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.base, a["href"]))
        if tag == "form":
            self._form = Form(action=urljoin(self.base, a.get("action") or self.base),
                              method=(a.get("method") or "get").lower(),
                              enctype=a.get("enctype") or "application/x-www-form-urlencoded")
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                pair = (name, a.get("value", "on"))
                (form.fields if "checked" in a else form.checkboxes).append(pair)
            elif kind == "file":
                form.files.append(name)
            elif kind in ("submit", "image"):
                form.buttons.append((name, a.get("value", "")))
            elif kind not in ("reset", "button"):
                form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name and (a.get("type") or "submit").lower() == "submit":
            form.buttons.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = (name, [])
        elif tag == "select" and name:
            self._select, self._select_value, self._select_first = name, None, None
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value"), [], "selected" in a)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)
        if self._option is not None:
            self._option[1].append(data)

    def _end_option(self):
        if self._option is not None:
            value, text, selected = self._option
            value = value if value is not None else "".join(text).strip()
            if self._select_first is None:
                self._select_first = value
            if selected:
                self._select_value = value
            self._option = None

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # HTML drops one newline right after <textarea>
            self._form.fields.append((name, text[1:] if text.startswith("\n") else text))
            self._form.textareas.append(name)
            self._textarea = None
        elif tag == "option":
            self._end_option()
        elif tag == "select" and self._select is not None and self._form is not None:
            self._end_option()
            value = self._select_value if self._select_value is not None else self._select_first
            if value is not None:
                self._form.fields.append((self._select, value))
            self._select = None
        elif tag == "form":
            self._form = None


@dataclass
class Page:
    url: str
    status: int
    body: str
    forms: list[Form]
    links: list[str]

    def form(self, *, having: str | None = None, action_contains: str | None = None) -> Form:
        """The first form with a control named ``having`` and/or posting to a URL that
        contains ``action_contains``; ``LookupError`` when there is none."""
        for f in self.forms:
            if having is not None and having not in f.names() \
                    and having not in {n for n, _ in f.buttons}:
                continue
            if action_contains is not None and action_contains not in f.action:
                continue
            return f
        raise LookupError(f"no form with {having or ''} {action_contains or ''} on {self.url} "
                          f"(HTTP {self.status})")


def parse_page(url: str, status: int, body: str) -> Page:
    parser = _FormParser(url)
    parser.feed(body)
    parser.close()
    return Page(url, status, body, parser.forms, parser.links)


# --- request bodies --------------------------------------------------------------------------


def multipart(fields: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]
              ) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body: (content type, bytes). ``files``: (field name, file
    name, media type, content)."""
    boundary = "----bench" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + value.encode() + b"\r\n")
    for name, filename, media_type, content in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                     f'filename="{filename}"\r\nContent-Type: {media_type}\r\n\r\n'.encode()
                     + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


# --- the figures per action ------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile (the smallest value with at least p % at or below it)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(records: list[tuple[str, float, bool]]) -> dict[str, dict]:
    """Per action (name, seconds, ok): count, errors, p50/p95/max in milliseconds."""
    by: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for action, seconds, ok in records:
        by.setdefault(action, []).append(seconds)
        errors[action] = errors.get(action, 0) + (0 if ok else 1)
    out = {}
    for action, values in by.items():
        values.sort()
        out[action] = {"count": len(values), "errors": errors[action],
                       "p50_ms": round(percentile(values, 50) * 1000, 1),
                       "p95_ms": round(percentile(values, 95) * 1000, 1),
                       "max_ms": round(values[-1] * 1000, 1)}
    return out


# --- the browser -----------------------------------------------------------------------------


class Failed(Exception):
    """A request answered outside 2xx/3xx, or a page without what the step expects."""


class _ProxiedConnection(http.client.HTTPConnection):
    """Opens the socket as the reverse proxy would: first a PROXY v1 line with the
    client's address (gunicorn ``--proxy-protocol`` trusts it from ``forwarded_allow_ips``)."""

    def __init__(self, host: str, port: int, client_address: str | None, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.client_address = client_address

    def connect(self):
        super().connect()
        if self.client_address:
            own_port = self.sock.getsockname()[1]
            self.sock.sendall(f"PROXY TCP4 {self.client_address} {self.host} {own_port} "
                              f"{self.port}\r\n".encode())


class Browser:
    """One simulated user: their cookies, their address; every step timed into ``log``."""

    def __init__(self, host: str, port: int, address: str | None,
                 log: list[tuple[str, float, bool]], timeout: float = 60.0):
        self.host, self.port, self.address, self.log = host, port, address, log
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.base = f"http://{host}:{port}"

    def _once(self, method: str, url: str, body: bytes | None, content_type: str | None,
              referer: str | None) -> tuple[int, str | None, str]:
        # A new connection per request: gunicorn reads the PROXY line on a connection's
        # first request only, and gthread gives later keep-alive requests the socket's
        # address again (see the README's deadline-day section).
        conn = _ProxiedConnection(self.host, self.port, self.address, self.timeout)
        try:
            path = urlsplit(url)
            target = path.path + (f"?{path.query}" if path.query else "")
            headers = {"Connection": "close", "User-Agent": "bench-deadline"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if content_type:
                headers["Content-Type"] = content_type
            if referer:
                headers["Referer"] = referer
            conn.request(method, target, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if "max-age=0" in value.lower() or "expires=thu, 01 jan 1970" in value.lower():
                        self.cookies.pop(key.strip(), None)
                    else:
                        self.cookies[key.strip()] = val.strip()
            return response.status, response.getheader("Location"), text
        finally:
            conn.close()

    def step(self, action: str, method: str, url: str, *, data: list[tuple[str, str]] | None = None,
             files: list[tuple[str, str, str, bytes]] | None = None, referer: str | None = None,
             expect: tuple[int, ...] = (200,)) -> Page:
        """One user action: the request and the redirects it leads to, timed together (what
        the user waits for). Fails when a status is outside 2xx/3xx or the last one is not in
        ``expect``."""
        url = urljoin(self.base, url)
        body = content_type = None
        if data is not None or files:
            if files:
                content_type, body = multipart(data or [], files)
            else:
                content_type, body = ("application/x-www-form-urlencoded",
                                      urlencode(data or []).encode())
        start = time.perf_counter()
        ok = False
        try:
            status, location, text = self._once(method, url, body, content_type, referer)
            hops = 0
            while status in (301, 302, 303, 307, 308) and location and hops < 5:
                url = urljoin(url, location)
                status, location, text = self._once("GET", url, None, None, None)
                hops += 1
            if not (200 <= status < 400) or status not in expect:
                raise Failed(f"{action}: {method} {url} answered {status}")
            ok = True
            return parse_page(url, status, text)
        except Exception as error:
            error.counted_step = True  # type: ignore[attr-defined]  # in the log already
            raise
        finally:
            self.log.append((action, time.perf_counter() - start, ok))
