"""Render a letter (:class:`~matching.letters.content.LetterContent`) as HTML, text and PDF:
the letter-level API (:func:`render`, :func:`render_html`, :func:`render_text`,
:func:`render_pdf`) and the date formatting that the letters and the final report share.

The wording lives only in the templates ``templates/letters/<kind>.html`` (translated with
Flask-Babel); the plain-text e-mail body and the PDF are derived from the rendered HTML by
a real HTML parser (:mod:`matching.letters.markup`), so the three versions cannot drift
apart.

* :func:`render` (HTML, text, .ics) is what the deciding operation records, in its own
  transaction: it needs an application context (callers have one).
* :func:`render_pdf` lays the recorded HTML out with ReportLab's Platypus
  (:mod:`matching.letters.layout`, DejaVu fonts: :mod:`matching.letters.fonts`); the mail
  worker calls it after the commit, then seals the PDF (:mod:`matching.letters.seal`).
  The same HTML and creation moment give the same bytes.
* Dates are shown as Brussels calendar days in the letter's language ("22 november
  2026"), formatted by Babel with an explicit locale: the OS locale plays no part.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from babel.dates import format_date as _babel_format_date
from flask import current_app
from flask_babel import force_locale, gettext

from matching.core.dates import BRUSSELS, require_aware
from matching.core.errors import N_
from matching.letters.content import LetterContent, LetterKind, check_complete
from matching.letters.ics import pitch_invitation
from matching.letters.markup import document_text, info, parse

# --- dates -------------------------------------------------------------------------------

def _babel_locale(locale: str) -> str:
    return (locale or "nl").replace("-", "_")


def brussels(instant: datetime) -> datetime:
    """An aware instant as Brussels wall-clock time."""
    return require_aware(instant).astimezone(BRUSSELS)


def _as_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return brussels(value).date()
    return value


def format_day(value: date | datetime, locale: str = "nl", *, weekday: bool = False) -> str:
    """The Brussels calendar day, e.g. '22 november 2026' (nl) or '22 November 2026' (en);
    with ``weekday``: 'zondag 22 november 2026'."""
    return _format_day(_as_day(value), _babel_locale(locale), weekday)


#: Babel's (CLDR's) wide month and weekday names of the application's languages, Monday
#: first. Formatting with Babel loads its locale data and, for any locale, the whole of its
#: ``global.dat`` (about 4.4 MB a worker that otherwise never needs it: issue 17, a worker's
#: memory); ``tests/unit/test_day_names.py`` compares every day with Babel's answer.
_DAY_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nl": (("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
            "september", "oktober", "november", "december"),
           ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")),
    "en": (("January", "February", "March", "April", "May", "June", "July", "August",
            "September", "October", "November", "December"),
           ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")),
}


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str, weekday: bool) -> str:
    names = _DAY_NAMES.get(locale)
    if names is None:  # another language: Babel's own formatting
        return _babel_format_date(day, "EEEE d MMMM y" if weekday else "d MMMM y",
                                  locale=locale)
    months, weekdays = names
    text = f"{day.day} {months[day.month - 1]} {day.year}"
    return f"{weekdays[day.weekday()]} {text}" if weekday else text


def format_clock(instant: datetime, *, seconds: bool = False) -> str:
    """Brussels wall-clock time, 24-hour: '10:00' or '23:59:59'."""
    return brussels(instant).strftime("%H:%M:%S" if seconds else "%H:%M")


#: How a deadline reads, in a letter and on every page (issue 12: one instant, one wording).
DEADLINE_WORDING = N_("%(date)s om %(time)s")


def format_deadline(instant: datetime, locale: str = "nl") -> str:
    """A deadline as every page and letter shows it: '22 juli 2026 om 23:59:59' (Brussels
    time; the last second counts, R-APP-1)."""
    with force_locale(locale):
        return gettext(DEADLINE_WORDING, date=format_day(instant, locale),
                             time=format_clock(instant, seconds=True))


# --- HTML ----------------------------------------------------------------------------------

def template_name(kind: LetterKind) -> str:
    return f"letters/{LetterKind(kind).value}.html"


def template_gettext() -> dict:
    """``gettext`` and ``ngettext`` for one template rendering, bound to the translations of
    the current locale once. They behave as the ones Flask-Babel installs in Jinja
    (new-style: autoescaped, always %-formatted), without looking the translations up
    again for every message (that took half the time of a letter's HTML). Passed in the
    template's context they take precedence over the environment's; ``_`` follows."""
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    translations = get_translations()
    lookup, plural = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, message: str, /, **variables) -> str:
        text = lookup(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural_: str, n: int, /, **variables) -> str:
        variables.setdefault("num", n)
        text = plural(singular, plural_, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "translate": lookup}


_last_html: tuple | None = None  # (app, content, locale, html): see render_text


def render_html(content: LetterContent, locale: str = "nl") -> str:
    """The letter as a standalone, accessible HTML document in ``locale`` ("nl" or "en").

    Refuses an incomplete letter (:class:`~matching.letters.content.IncompleteLetter`).
    """
    global _last_html
    from flask import render_template
    from flask_babel import force_locale

    check_complete(content)

    with force_locale(locale):
        translations = template_gettext()
        translate = translations.pop("translate")

        def tr(message: str | None) -> str:
            """Translate a message id carried by the content (a criterion label, a scale
            wording, a next step) without %-formatting; unknown text comes back unchanged."""
            return translate(message) if message else ""

        html = render_template(
            template_name(content.kind),
            **translations,
            content=content,
            sender=content.sender,
            recipient=content.recipient,
            kinds=LetterKind,
            lang=locale.split("_")[0].split("-")[0],
            tr=tr,
            fmt_date=lambda value: format_day(value, locale),
            fmt_weekday=lambda value: format_day(value, locale, weekday=True),
            fmt_time=lambda instant: format_clock(instant),
            fmt_time_s=lambda instant: format_clock(instant, seconds=True),
            iso=lambda value: (brussels(value) if isinstance(value, datetime) else value)
            .isoformat(),
            appeal_days=content.appeal_window_days,
            is_url=lambda text: bool(re.match(r"https?://", (text or "").strip())),
        )
    # Flask types current_app as Flask, not as the werkzeug LocalProxy it is
    _last_html = (current_app._get_current_object(),  # type: ignore[attr-defined]
                  content, locale, html)
    return html


# --- text and PDF --------------------------------------------------------------------------

def render_text(content: LetterContent, locale: str = "nl", html: str | None = None) -> str:
    """The letter as plain text (the e-mail body), derived from the rendered HTML.

    Without ``html``, the HTML just rendered for an equal letter in the same language (and
    application) is reused: rendering is a function of these, and a letter's HTML and text
    are made one after the other."""
    if html is None:
        last = _last_html
        if (last is not None
                # Flask types current_app as Flask, not as the werkzeug LocalProxy it is
                and last[0] is current_app._get_current_object()  # type: ignore[attr-defined]
                and last[2] == locale and last[1] == content):
            html = last[3]
        else:
            html = render_html(content, locale)
    return document_text(parse(html))


#: The footer of a letter's pages, its seal line and the note on text in another script.
FOOTER = N_("Ons kenmerk %(reference)s – versie %(version)s")
FOOTER_SEAL = N_("Elektronisch verzegelde brief. Echtheid controleren: %(url)s")
UNSHOWABLE = N_("Deze brief bevat tekst in een schrift dat dit pdf-bestand niet kan weergeven; "
                "die tekst is vervangen door %(mark)s. U leest de volledige brief, met die "
                "tekst zoals hij werd ingevuld, op het platform: %(url)s")


def render_pdf(html: str, *, reference: str, version: int, locale: str, created_at: datetime,
               verify_url: str = "", online_url: str = "") -> bytes:
    """A letter's recorded HTML as an A4 PDF: title (the HTML ``<title>``), author
    (``<meta name="author">``: the local governments of the work area), subject
    (``<meta name="description">``), keywords (the reference), language (/Lang), the real
    creation moment, and a footer with the reference, the version, "1 / 2" and where to
    check the seal (``verify_url``). Text in a script the fonts cannot show points to the
    letter's HTML version (``online_url``)."""
    doc = info(parse(html))
    lang = doc.lang or locale
    with force_locale(locale):
        footer = gettext(FOOTER, reference=reference, version=version)
        note = gettext(FOOTER_SEAL, url=verify_url) if verify_url else ""
        unshowable = gettext(UNSHOWABLE, mark="[*]", url=online_url) if online_url else ""
    # reportlab (about 20 MB) only where a PDF is made: the mail worker, a ratification;
    # a web worker serving pages never loads it (issue 17, worker memory)
    from matching.letters.layout import PDF_LANG, PdfOptions, write_pdf

    return write_pdf(html, PdfOptions(
        created_at=created_at, title=doc.title or reference,
        author=doc.meta.get("author", ""), subject=doc.meta.get("description", ""),
        keywords=reference, creator=doc.meta.get("generator", ""),
        lang=PDF_LANG.get(lang, lang), footer=footer, footer_note=note,
        unshowable_note=unshowable))


SUBJECTS = {
    LetterKind.CANDIDACY_RECEIPT: N_("Ontvangstbevestiging van uw kandidatuur – %(area)s"),
    LetterKind.ROUND1_SELECTED: N_("Beslissing ronde 1: uitnodiging voor een pitch – %(area)s"),
    LetterKind.ROUND1_NOT_SELECTED: N_("Beslissing ronde 1 over uw kandidatuur – %(area)s"),
    LetterKind.ROUND2_ADMITTED: N_("Beslissing ronde 2: toegelaten tot stap 4 – %(area)s"),
    LetterKind.ROUND2_NOT_ADMITTED: N_("Beslissing ronde 2 over uw kandidatuur – %(area)s"),
    LetterKind.APPEAL_RECEIPT: N_("Ontvangstbevestiging van uw weerwoord – %(area)s"),
    LetterKind.APPEAL_OUTCOME: N_("Uitspraak over uw weerwoord – %(area)s"),
    LetterKind.EMERGENCY_OUTCOME: N_("Uitkomst van de noodprocedure – %(area)s"),
    LetterKind.INADMISSIBLE: N_("Beslissing over de ontvankelijkheid van uw kandidatuur – "
                                "%(area)s"),
}

#: A pitch invitation after a reversed appeal says so already in its subject.
REVERSED_SUBJECT = N_("Na uw weerwoord: uitnodiging voor een pitch – %(area)s")


def render(content: LetterContent, locale: str,
           version: int = 1) -> tuple[str, str, str, bytes | None]:
    """Subject, HTML, text and (for a pitch invitation) the .ics of ``version`` of a letter:
    what the deciding operation records. The PDF is made after the commit
    (:func:`render_pdf`). A later version of an invitation updates the same calendar event
    (same UID, the next SEQUENCE)."""
    check_complete(content)
    with force_locale(locale):
        wording = SUBJECTS[content.kind]
        if content.kind == LetterKind.ROUND1_SELECTED and content.appeal_outcome == "reversed":
            wording = REVERSED_SUBJECT
        subject = gettext(wording, area=content.sender.work_area)
    html = render_html(content, locale)
    text = render_text(content, locale, html)
    ics = (pitch_invitation(content, locale, sequence=version - 1)
           if content.pitch and content.kind == LetterKind.ROUND1_SELECTED else None)
    return subject, html, text, ics
