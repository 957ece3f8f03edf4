"""Operations on the delivery of a procedure's letters (the coordinator's side).

Sending itself is the outbox worker's job (``flask outbox send``); the coordinator only
decides to put a message that failed for good back in the queue. Never commits.
"""

from __future__ import annotations

from datetime import datetime

from matching.errors import N_, PermissionDenied
from matching.extensions import db
from matching.letters.models import Letter
from matching.models.accounts import User
from matching.outbox import OutboxMessage, retry_failed
from matching.permissions import require_coordinator
from matching.recording import audit
from workareas.models import Procedure


def retry_message(message: OutboxMessage, *, actor: User, now: datetime) -> OutboxMessage:
    """Put a failed letter e-mail back in the queue; the worker sends it on its next run."""
    letter = db.session.get(Letter, message.letter_id) if message.letter_id else None
    if letter is None:
        # Account e-mails belong to no work area: not the coordinator's.
        raise PermissionDenied(N_("Enkel een coördinator van dit werkingsgebied kan dit doen."))
    procedure = db.session.get(Procedure, letter.procedure_id)
    require_coordinator(actor, procedure.work_area_id)
    attempts = message.attempts
    retry_failed(message, now=now)
    audit("outbox.retry", message, actor=actor, now=now, procedure_id=procedure.id,
          letter=letter.reference, version=letter.version, attempts_before=attempts,
          last_error=message.last_error)
    return message
