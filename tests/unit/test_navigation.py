"""The main menu (issue 17): its visibility rules read the account itself, not Flask-Login's
``current_user`` proxy, and its links are ``url_for``'s."""

from __future__ import annotations

from flask import Flask, url_for
from werkzeug.local import LocalProxy

from matching.core import navigation
from matching.core.navigation import NavItem, nav_for


def test_the_rules_see_the_account_behind_the_proxy(monkeypatch):
    app = Flask(__name__)

    @app.get("/taken")
    def tasks():
        return ""

    @app.get("/beheer")
    def admin():
        return ""

    class Account:
        roles = {"observer"}

    account = Account()
    seen = []

    def visible(role):
        def rule(user):
            seen.append(user)
            return role in user.roles
        return rule

    monkeypatch.setattr(navigation, "_ITEMS", [NavItem("Mijn taken", "tasks", visible("observer")),
                                               NavItem("Beheer", "admin", visible("admin"))])
    with app.test_request_context("/"):
        proxy = LocalProxy(lambda: account)
        assert nav_for(proxy) == [("Mijn taken", url_for("tasks"))]
        assert nav_for(account) == [("Mijn taken", "/taken")]
    assert seen and all(user is account for user in seen)
