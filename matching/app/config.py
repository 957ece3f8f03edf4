"""Configuration from the environment.

``DATABASE_URL``: an SQLAlchemy URL (default: an SQLite file in ``instance/``).
``SECRET_KEY``: required outside development and testing, at least 32 characters.
``MATCHING_ENV``: ``development`` (default for ``make run``), ``testing`` or ``production``.
``BASE_URL``: the address of the site, which every link in an e-mail starts with (never the
request's Host); required in production.
``LETTER_SEAL_PKCS12``, ``LETTER_SEAL_PASSPHRASE``: the organisation's seal certificate and
key (a PKCS#12 file) that seals every letter and final report; required in production
(development and tests generate a self-signed one: :mod:`matching.letters.seal`).
``AUDIT_KEY``: the key of the audit trail's HMACs and signed checkpoints
(:mod:`matching.audit.keys`); kept outside the database; required in production, at least
32 characters and not the ``SECRET_KEY``.
``TRUSTED_HOSTS``: the host names the site answers for, separated by commas (a request naming
another Host is refused with 400); required in production, ``127.0.0.1,localhost`` otherwise.
``SESSION_IDLE_MINUTES``, ``SESSION_LIFETIME_HOURS``: a signed-in session ends after so long
without a request (30) and at the latest so long after sign-in (12).
``RATELIMIT_STORAGE_URI``: where the rate limits count (``redis://…``, shared by every worker and
server); required in production (``memory://`` only for a single process), ``memory://`` for
the demo.
``PROXY_HOPS``: how many reverse proxies in front of the application set ``X-Forwarded-For``
(and ``-Proto``); 0 (default) trusts none. Behind one proxy set it to 1: otherwise every
visitor has the proxy's address and the per-address rate limits turn applicants away
together on a deadline day (``benchmarks/deadline.py --same-address``). Never set it higher
than the proxies there are: a client could then choose its own address.
``PRIVACY_DPO_NAME``, ``PRIVACY_DPO_EMAIL`` and ``PRIVACY_RETENTION_*``: the data
protection officer and the retention periods the privacy notice states
(:mod:`matching.privacy`; the defaults and their source are in the README).
``ACCESSIBILITY_CONTACT_NAME``, ``ACCESSIBILITY_CONTACT_EMAIL``: whom the accessibility
statement names for reporting a problem.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

WEAK_KEYS = {"", "dev", "secret", "changeme", "development", "test", "secret-key"}


MIN_KEY_LENGTH = 32


DEV_KEY = "development-only-key-not-for-production-use"
#: The audit key of development and tests (a real installation sets AUDIT_KEY).
DEV_AUDIT_KEY = "development-only-audit-key-not-for-production-use"
#: Where ``make run`` serves the demo: the links in its e-mails point there.
DEV_BASE_URL = "http://127.0.0.1:5000"
#: The host names the embedded demo answers for (``TRUSTED_HOSTS`` outside production).
DEV_TRUSTED_HOSTS = "127.0.0.1,localhost"


class ConfigError(RuntimeError):
    pass


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(instance_path: str, environ: dict | None = None) -> dict:
    env = os.environ if environ is None else environ
    mode = env.get("MATCHING_ENV", "development")
    if mode not in {"development", "testing", "production"}:
        raise ConfigError(f"MATCHING_ENV must be development, testing or production, not {mode!r}")
    secret = env.get("SECRET_KEY", "")
    if mode == "production" and (secret.lower() in WEAK_KEYS or len(secret) < MIN_KEY_LENGTH):
        raise ConfigError(
            "SECRET_KEY is missing or weak: set a random value of at least "
            f"{MIN_KEY_LENGTH} characters "
            "(python -c 'import secrets; print(secrets.token_hex(32))')")
    base_url = env.get("BASE_URL", "" if mode == "production" else DEV_BASE_URL).rstrip("/")
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", base_url):
        raise ConfigError("BASE_URL must be the address people use to reach this site, e.g. "
                          "https://matching.example.be (the links in e-mails start with it)")
    seal = env.get("LETTER_SEAL_PKCS12", "")
    if mode == "production" and not seal:
        raise ConfigError("LETTER_SEAL_PKCS12 is missing: set it to the organisation's seal "
                          "certificate (a PKCS#12 file) and LETTER_SEAL_PASSPHRASE to its "
                          "passphrase; letters are never sealed with a development certificate "
                          "in production")
    audit_key = env.get("AUDIT_KEY", "")
    if mode == "production" and (audit_key.lower() in WEAK_KEYS
                                 or len(audit_key) < MIN_KEY_LENGTH or audit_key == secret):
        raise ConfigError(
            "AUDIT_KEY is missing or weak: set a random value of at least "
            f"{MIN_KEY_LENGTH} characters, other than SECRET_KEY, kept outside the database "
            "(python -c 'import secrets; print(secrets.token_hex(32))'); the audit trail's "
            "hashes are keyed with it")
    hosts = [h.strip().lower() for h in env.get(
        "TRUSTED_HOSTS", "" if mode == "production" else DEV_TRUSTED_HOSTS).split(",") if h.strip()]
    if not hosts:
        raise ConfigError("TRUSTED_HOSTS is missing: set it to the host names of this site, "
                          "separated by commas, e.g. matching.example.be (a request naming "
                          "another host is refused)")
    limit_storage = env.get("RATELIMIT_STORAGE_URI", "" if mode == "production" else "memory://")
    if not limit_storage:
        raise ConfigError("RATELIMIT_STORAGE_URI is missing: set it to a storage every worker "
                          "shares, e.g. redis://127.0.0.1:6379/0 (the limits on sign-in, "
                          "registration and password reset count there)")
    default_db = "sqlite:///" + str(Path(instance_path) / "matching.db")
    return {
        "MATCHING_ENV": mode,
        "BASE_URL": base_url,
        "SECRET_KEY": secret or DEV_KEY,
        "AUDIT_KEY": audit_key or DEV_AUDIT_KEY,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(env.get("DATABASE_URL", default_db)),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Brussels",
        "LANGUAGES": ["nl", "en"],
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "MAX_CONTENT_LENGTH": 11 * 1024 * 1024,
        # Only these host names are answered (Flask refuses any other Host with 400).
        "TRUSTED_HOSTS": hosts,
        # Server-side sessions (matching.accounts.sessions).
        "SESSION_IDLE_MINUTES": int(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_LIFETIME_HOURS": int(env.get("SESSION_LIFETIME_HOURS", "12")),
        # Rate limits (Flask-Limiter; matching.core.limits); a refusal says Retry-After.
        "RATELIMIT_STORAGE_URI": limit_storage,
        # Reverse proxies trusted for the client's address (Werkzeug's ProxyFix).
        "PROXY_HOPS": _proxy_hops(env.get("PROXY_HOPS", "0")),
        # a moving window: no burst of a whole new allowance at each minute's boundary
        "RATELIMIT_STRATEGY": "moving-window",
        # Mail (the outbox worker): "file" writes .eml files into instance/mail (the demo,
        # no mail server needed); "smtp" talks to MAIL_SERVER.
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "file" if mode == "development" else "smtp"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "") in {"1", "true", "yes"},
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": env.get("MAIL_SENDER",
                               "Lokale partnerschappen <matching@lokalepartnerschappen.be>"),
        "MAIL_DOMAIN": env.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
        "MAIL_FILE_DIR": env.get("MAIL_FILE_DIR", str(Path(instance_path) / "mail")),
        # Reminders (matching.tasks.reminders): days before the candidacy deadline and
        # before the end of an appeal window; the local hour of the daily reminder to jury
        # members with scores missing; how often the worker looks (seconds).
        "REMINDER_CANDIDACY_DAYS": env.get("REMINDER_CANDIDACY_DAYS", "7,2"),
        "REMINDER_APPEAL_DAYS": env.get("REMINDER_APPEAL_DAYS", "3"),
        "REMINDER_HOUR": int(env.get("REMINDER_HOUR", "8")),
        "REMINDER_INTERVAL": float(env.get("REMINDER_INTERVAL", "300")),
        # The seal of letters and final reports (matching.letters.seal).
        "LETTER_SEAL_PKCS12": seal,
        "LETTER_SEAL_PASSPHRASE": env.get("LETTER_SEAL_PASSPHRASE", ""),
        # Issue 14: the attachments' quota per candidacy (matching.candidacies.rules).
        "ATTACHMENT_MAX_COUNT": int(env.get("ATTACHMENT_MAX_COUNT", "10")),
        "ATTACHMENT_MAX_TOTAL_MB": int(env.get("ATTACHMENT_MAX_TOTAL_MB", "30")),
        # The privacy notice (matching.privacy): who the data protection officer is, and
        # how long what is kept (defaults from the ESF+ retention rules: README).
        "PRIVACY_DPO_NAME": env.get("PRIVACY_DPO_NAME", DEFAULT_DPO_NAME),
        "PRIVACY_DPO_EMAIL": env.get("PRIVACY_DPO_EMAIL", DEFAULT_DPO_EMAIL),
        **{key: _whole(env, key, default) for key, default in RETENTION_DEFAULTS.items()},
        # Issue 16: whom the accessibility statement names for reporting a problem.
        "ACCESSIBILITY_CONTACT_NAME": env.get("ACCESSIBILITY_CONTACT_NAME",
                                              DEFAULT_ACCESSIBILITY_CONTACT_NAME),
        "ACCESSIBILITY_CONTACT_EMAIL": env.get("ACCESSIBILITY_CONTACT_EMAIL",
                                               DEFAULT_ACCESSIBILITY_CONTACT_EMAIL),
    }


#: The data protection officer named by the privacy notice until PRIVACY_DPO_NAME and
#: PRIVACY_DPO_EMAIL say otherwise.
DEFAULT_DPO_NAME = "Functionaris voor gegevensbescherming van Europa WSE"
DEFAULT_DPO_EMAIL = "privacy@lokalepartnerschappen.be"
#: Whom the accessibility statement names for a problem with the site's accessibility until
#: ACCESSIBILITY_CONTACT_NAME and ACCESSIBILITY_CONTACT_EMAIL say otherwise.
DEFAULT_ACCESSIBILITY_CONTACT_NAME = "Europa WSE, team Lokale partnerschappen"
DEFAULT_ACCESSIBILITY_CONTACT_EMAIL = "toegankelijkheid@lokalepartnerschappen.be"

#: The retention periods of the privacy notice (README, "Personal data"):
#: PROGRAMME_END_YEAR + RECORD_YEARS: the record of a procedure stays available for audit
#: until 31 December of that year (CPR art. 82: five years from 31 December of the year of
#: the last payment; ESF+ 2021-2027 pays its last in 2030 at the latest);
#: ACCOUNT_YEARS: an account not used for that long is closed and pseudonymised;
#: DRAFT_MONTHS: a candidacy never submitted is deleted that long after its deadline.
RETENTION_DEFAULTS = {
    "PRIVACY_PROGRAMME_END_YEAR": 2030,
    "PRIVACY_RETENTION_RECORD_YEARS": 5,
    "PRIVACY_RETENTION_ACCOUNT_YEARS": 2,
    "PRIVACY_RETENTION_DRAFT_MONTHS": 6,
}


def _whole(env, key: str, default: int) -> int:
    value = env.get(key, "")
    if not value:
        return default
    if not value.strip().isdigit():
        raise ConfigError(f"{key} must be a whole number, not {value!r}")
    return int(value)


def _proxy_hops(value: str) -> int:
    """``PROXY_HOPS``: a whole number of proxies, 0 to 5."""
    if not value.strip().isdigit() or int(value) > 5:
        raise ConfigError(f"PROXY_HOPS must be a whole number from 0 to 5, not {value!r}: the "
                          "number of reverse proxies in front of the application")
    return int(value)
