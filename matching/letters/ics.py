"""The calendar invitation (.ics) attached to the round-1 selection letter (R-PITCH-1).

Deterministic: the same letter content gives the same bytes. The UID comes from the
letter's reference (stable across its versions; SEQUENCE counts them), DTSTAMP from the
letter date (midnight Brussels time), never from the clock. DTSTART/DTEND are Brussels
wall-clock times with TZID=Europe/Brussels and the matching VTIMEZONE, so calendar
programs show the right hour in winter and in summer.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, time

from matching.core.dates import BRUSSELS, require_aware
from matching.core.dates import UTC as _UTC
from matching.core.errors import N_
from matching.letters.content import LetterContent

PRODID = "-//Europa WSE//Lokale partnerschappen matching//NL"


UID_DOMAIN = "lokale-partnerschappen.matching"

SUMMARY = N_("Matchingsgesprek (pitch) – %(work_area)s")


DESCRIPTION = N_("Matchingsgesprek (ronde 2) van de call for interest Lokale partnerschappen "
                 "(ESF+), %(procedure)s. Kandidatuur %(candidacy)s van %(organisation)s. "
                 "Referentie van de uitnodiging: %(reference)s.")


def _translate(message: str, locale: str, **params: str) -> str:
    """Translate through Flask-Babel when an application context is there; else Dutch."""
    try:
        from flask import has_app_context
        from flask_babel import force_locale, gettext
    except ImportError:  # pragma: no cover - Flask-Babel is a dependency
        return message % params
    if not has_app_context():
        return message % params
    with force_locale(locale):
        return gettext(message, **params)


def event_uid(content: LetterContent) -> str:
    """A stable UID for the invitation, derived from the letter's reference."""
    digest = hashlib.sha256(content.reference.encode("utf-8")).hexdigest()[:32]
    return f"pitch-{digest}@{UID_DOMAIN}"


def pitch_invitation(content: LetterContent, locale: str = "nl", sequence: int = 0) -> bytes:
    """An iCalendar REQUEST with one VEVENT for the pitch moment of ``content``.

    ``sequence``: the revision of the invitation (RFC 5545 SEQUENCE): a corrected letter
    (a new pitch moment) keeps the UID and raises it, so calendars update the event."""
    pitch = content.pitch
    if pitch is None:
        raise ValueError("the letter has no pitch moment")
    starts = require_aware(pitch.starts_at, "starts_at").astimezone(BRUSSELS)
    ends = require_aware(pitch.ends_at, "ends_at").astimezone(BRUSSELS)
    from icalendar import Calendar, Event, vCalAddress, vText  # issue 17: only here

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "REQUEST")

    event = Event()
    event.add("uid", event_uid(content))
    event.add("dtstamp", datetime.combine(content.letter_date, time(0, 0), tzinfo=BRUSSELS)
              .astimezone(_UTC))
    event.add("sequence", sequence)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", _translate(SUMMARY, locale, work_area=content.sender.work_area))
    event.add("description", _translate(
        DESCRIPTION, locale, procedure=content.procedure_title,
        candidacy=content.candidacy_reference, organisation=content.recipient.organisation,
        reference=content.reference))
    location = pitch.location.strip()
    event.add("location", location)
    if re.match(r"https?://", location):
        event.add("url", location)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")

    if content.sender.contacts:
        first = content.sender.contacts[0]
        organizer = vCalAddress(f"mailto:{first.email}")
        organizer.params["cn"] = vText(f"{first.name} ({first.organisation})")
        event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{content.recipient.email}")
    attendee.params["cn"] = vText(content.recipient.organisation)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("NEEDS-ACTION")
    attendee.params["rsvp"] = vText("TRUE")
    event.add("attendee", attendee)

    cal.add_component(event)
    # VTIMEZONE for Europe/Brussels, limited to the years around the event
    cal.add_missing_timezones(first_date=date(starts.year - 1, 1, 1),
                              last_date=date(ends.year + 1, 12, 31))
    return cal.to_ical()


def pitch_cancellation(invitation: bytes) -> bytes:
    """The cancellation (METHOD:CANCEL, STATUS:CANCELLED) of an earlier invitation, sent
    when the pitch moves (issue 13): the same UID, the same moment and the same SEQUENCE as
    that invitation, so it cancels exactly the event the calendar holds. The updated
    invitation that goes with it carries the next SEQUENCE, so in whatever order the two
    e-mails arrive the calendar ends with the new moment (RFC 5546: a message with a lower
    SEQUENCE than the stored event is ignored)."""
    from icalendar import Calendar, vText  # issue 17: only here

    cal = Calendar.from_ical(invitation)
    cal["method"] = "CANCEL"
    for event in cal.walk("VEVENT"):
        event["status"] = vText("CANCELLED")
    return cal.to_ical()
