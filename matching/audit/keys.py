"""The audit key: configuration (``AUDIT_KEY``), never stored in the database.

Every audit entry's hash is an HMAC with this key, and every checkpoint of a full
verification is signed with it (:mod:`matching.audit.chain`): someone who can write the
database but does not hold the key cannot rewrite, forge or cut the trail unnoticed.
Production refuses to start without a strong key (:mod:`matching.app.config`);
development and tests use a fixed development key.
"""

from __future__ import annotations

from flask import current_app


def audit_key() -> bytes:
    """The key of the running application, as bytes."""
    return str(current_app.config["AUDIT_KEY"]).encode("utf-8")
