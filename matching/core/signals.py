"""The signals between packages: how a lower layer lets a higher one take part without
importing it (blinker, which Flask itself uses).

Dependencies run one way (core ← accounts ← workareas ← candidacies ← juries ← appeals ←
oversight). Where a step of a lower package must hear from a higher one, the lower one
sends a signal named here and the higher one connects a receiver when it is imported.
Every signal names who sends it and who answers, so a reader finds both ends.

A receiver that refuses raises a :class:`~matching.core.errors.DomainError`; the sender's
transaction is then rolled back by its caller like any other refusal. Senders use
:func:`ask`, which refuses a signal that nobody answers.
"""

from __future__ import annotations

from typing import Any

from blinker import NamedSignal, Namespace

_signals = Namespace()


def ask(signal: NamedSignal, sender: Any, **kwargs: Any) -> list[Any]:
    """Send ``signal`` and return every receiver's answer. A signal that nobody answers is
    a wiring error (the answering package was never imported), not an empty answer: it is
    refused loudly rather than letting a rule pass unchecked."""
    if not signal.receivers:
        raise RuntimeError(f"nobody answers the signal {signal.name!r}: import the package "
                           "that connects its receiver (the app factory imports them all)")
    return [answer for _receiver, answer in signal.send(sender, **kwargs)]

#: Sent by :func:`matching.audit.recording.audit` before an event is appended, with
#: ``action``, ``procedure_id`` and ``step4``. :mod:`workareas.models` refuses any change
#: to a procedure Europa WSE ratified (R-OBS-1: it is frozen from then on).
recording = _signals.signal("recording")

#: Sent by :func:`workareas.operations.publish_new_version` with the procedure; each
#: receiver returns the regional challenge codes its records still refer to, which a new
#: version may not drop (:mod:`matching.candidacies.operations`).
challenge_codes_in_use = _signals.signal("challenge-codes-in-use")

#: Sent by :func:`matching.candidacies.operations.check_withdrawable` with the candidacy;
#: a receiver returns a refusal message (a Dutch msgid) while something blocks the
#: withdrawal, or None (:mod:`appeals.operations`: an appeal under way).
withdrawal_blockers = _signals.signal("withdrawal-blockers")

#: Sent by :func:`matching.candidacies.queries.may_read_attachments` with the candidacy and
#: ``user``; each receiver answers True when the user may read its attachments (the jury in
#: :mod:`juries.queries`, Europa WSE's observers in :mod:`matching.oversight.queries`).
attachment_readers = _signals.signal("attachment-readers")

#: Sent by the applicant's candidacy page with the candidacy and ``viewer``; each receiver
#: returns a rendered section of the page (Markup) or None (:mod:`appeals.applicant_views`:
#: the appeals and the way to the appeal form).
candidacy_page_sections = _signals.signal("candidacy-page-sections")

#: Sent by :func:`juries.notifications.round_decision` with the candidacy and ``round_no``;
#: a receiver returns the panel's positions ((position, motivation) pairs) when an appeal
#: reversed that round's non-selection, or None (:mod:`appeals.queries`). The pitch
#: invitation that follows a reversal says so and gives the panel's motivation.
appeal_reversal = _signals.signal("appeal-reversal")

#: Sent by :func:`matching.candidacies.operations.record_decision_received` with the
#: candidacy, ``round_no``, ``received_at``, ``now`` and ``actor`` when a non-selection
#: was received on a later day than its letter counted the appeal window from; the
#: receiver (:mod:`juries.notifications`) writes the corrected letter with the deadline
#: counted from the receipt and answers True.
appeal_deadline_moved = _signals.signal("appeal-deadline-moved")

#: Sent by :func:`workareas.operations.publish_new_version` with the procedure, ``version``
#: and ``now``; :mod:`matching.candidacies.notifications` tells the organisations that
#: already submitted a candidacy (issue 12) and answers the number of e-mails queued.
addendum_version_published = _signals.signal("addendum-version-published")
