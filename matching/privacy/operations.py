"""The one step of this package that is recorded: an administrator produces a person's
data for them (a person who asks by letter, by e-mail, or no longer has access)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from matching.accounts.models import User
from matching.accounts.rules import require_administrator
from matching.audit.recording import audit
from matching.core.db import db
from matching.core.errors import N_, DomainError
from matching.core.operation import operation


@operation
def produce_personal_data(email: str, reason: str, *, actor: User, now: datetime) -> User:
    """Find the person with this e-mail address and record in the audit trail that an
    administrator produced their data (GDPR art. 15), with the reason (the request it
    answers). Reading the data changes nothing; this record is the only trace."""
    require_administrator(actor)
    if not reason.strip():
        raise DomainError(N_("Geef aan op welk verzoek u dit doet."), field="reason")
    person = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if person is None:
        raise DomainError(N_("Er is geen account met dit e-mailadres."), field="email")
    audit("privacy.export", person, actor=actor, now=now, procedure_id=None,
          personal={"reason": reason.strip()})
    return person
