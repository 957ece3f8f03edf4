"""Every page of every role, as the access matrix reaches them (issue 16): the rich world
of ``test_access_matrix``, a signed-in client per role in a chosen language, every GET
route, then every POST route with an empty form (its validation page where it has one)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html

from tests.functional.test_access_matrix import (
    ANONYMOUS,
    DOCUMENTS,
    POST_ORDER,
    ROLES,
    build_world,
    routes,
)
from tests.support import login


@dataclass
class Page:
    role: str
    method: str
    endpoint: str
    url: str
    status: int
    html: str

    @property
    def tree(self):
        return lxml.html.document_fromstring(self.html)

    def __str__(self) -> str:
        return f"{self.method} {self.url} ({self.endpoint}, {self.role}, {self.status})"


def signed_in_clients(app, db, client, users: dict, lang: str) -> dict:
    clients = {ANONYMOUS: client}
    for role, user in users.items():
        clients[role] = app.test_client()
        login(clients[role], db, user)
    for c in clients.values():
        assert c.post("/taal", data={"lang": lang, "next": "/"}).status_code == 302
    return clients


def walk(app, db, world, client, tmp_path, lang: str, csrf: bool = False) -> Iterator[Page]:
    """Every HTML page of the site's own layout the matrix reaches, in ``lang``; with
    ``csrf``, the GET pages are rendered with their CSRF tokens (as in production; the
    POSTs with an empty form go without)."""
    users, values = build_world(world, db, str(tmp_path / "uploads"))
    clients = signed_in_clients(app, db, client, users, lang)
    visits = [("GET", role, endpoint, url) for endpoint, url in routes(app, values, "GET")
              for role in ROLES]
    posts = sorted(routes(app, values, "POST"), key=lambda r: r[0] == "accounts.logout")
    visits += [("POST", role, endpoint, url) for role in POST_ORDER for endpoint, url in posts
               if endpoint != "web.set_language"]
    for method, role, endpoint, url in visits:
        app.config["WTF_CSRF_ENABLED"] = csrf and method == "GET"
        response = clients[role].open(url, method=method, data={})
        if response.mimetype != "text/html" or endpoint in DOCUMENTS \
                or response.status_code in (301, 302, 303):
            # read to the end, as a server does: a streamed export (issue 17) left
            # unread would pop its request context later, inside another request's
            response.get_data()
            continue
        yield Page(role, method, endpoint, url, response.status_code, response.get_data(True))
