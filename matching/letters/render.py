"""Render a letter (:class:`~matching.letters.content.LetterContent`) as HTML, PDF and text:
the letter-level API (:func:`render_html`, :func:`render_pdf`, :func:`render_text`) and the
date formatting that the letters and the final report share.

The wording lives only in the templates ``templates/letters/<kind>.html`` (translated with
Flask-Babel); the PDF and the plain-text e-mail body are derived from the rendered HTML by
one small converter (:mod:`matching.letters.document`), so the three versions cannot
drift apart.

* :func:`render_html` needs an application context (callers have one).
* :func:`render_pdf` is deterministic: the same content gives the same bytes (ReportLab
  ``invariant=1``), so a SHA-256 of a letter is stable. The PDF is typeset by
  :mod:`matching.letters.typeset` (fonts, line breaking; see :func:`pdf_safe` for the
  characters) and placed on pages and written by :mod:`matching.letters.pdf`, which also
  writes any document made with the same tags (:func:`render_document_pdf`, used for the
  final report of step 3). ``pdf_safe``, ``WINANSI_CHARS`` and ``render_document_pdf``
  stay importable from here.
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
from matching.letters.document import document_text, parse_letter_html
from matching.letters.ics import pitch_invitation
from matching.letters.pdf import PDF_LANG, write_pdf

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


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str, weekday: bool) -> str:
    return _babel_format_date(day, "EEEE d MMMM y" if weekday else "d MMMM y", locale=locale)


def format_clock(instant: datetime, *, seconds: bool = False) -> str:
    """Brussels wall-clock time, 24-hour: '10:00' or '23:59:59'."""
    return brussels(instant).strftime("%H:%M:%S" if seconds else "%H:%M")


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
    application) is reused: rendering is a function of these, and a letter's PDF and text
    are made one after the other."""
    if html is None:
        from flask import current_app

        last = _last_html
        if (last is not None
                # Flask types current_app as Flask, not as the werkzeug LocalProxy it is
                and last[0] is current_app._get_current_object()  # type: ignore[attr-defined]
                and last[2] == locale and last[1] == content):
            html = last[3]
        else:
            html = render_html(content, locale)
    return document_text(parse_letter_html(html))


def render_pdf(content: LetterContent, html: str | None = None, locale: str = "nl") -> bytes:
    """The letter as an A4 PDF with the same text as the HTML, deterministic bytes.

    Metadata: title (the HTML ``<title>``), author (``<meta name="author">``: the local
    governments of the work area), subject (``<meta name="description">``), keywords (the
    reference) and the document language (/Lang in the catalog). The footer shows the
    reference and the page number.
    """
    if html is None:
        html = render_html(content, locale)
    doc = parse_letter_html(html)
    lang = doc.lang or locale
    return write_pdf(doc, title=doc.title or content.reference,
                     author=doc.meta.get("author", ", ".join(content.sender.governments)),
                     subject=doc.meta.get("description", ""), keywords=content.reference,
                     creator=doc.meta.get("generator", ""), lang=PDF_LANG.get(lang, lang),
                     footer_left=content.reference, page_label="%(page)s")


SUBJECTS = {
    LetterKind.CANDIDACY_RECEIPT: N_("Ontvangstbevestiging van uw kandidatuur – %(area)s"),
    LetterKind.ROUND1_SELECTED: N_("Beslissing ronde 1: uitnodiging voor een pitch – %(area)s"),
    LetterKind.ROUND1_NOT_SELECTED: N_("Beslissing ronde 1 over uw kandidatuur – %(area)s"),
    LetterKind.ROUND2_ADMITTED: N_("Beslissing ronde 2: toegelaten tot stap 4 – %(area)s"),
    LetterKind.ROUND2_NOT_ADMITTED: N_("Beslissing ronde 2 over uw kandidatuur – %(area)s"),
    LetterKind.APPEAL_RECEIPT: N_("Ontvangstbevestiging van uw weerwoord – %(area)s"),
    LetterKind.APPEAL_OUTCOME: N_("Uitspraak over uw weerwoord – %(area)s"),
    LetterKind.EMERGENCY_OUTCOME: N_("Uitkomst van de noodprocedure – %(area)s"),
}


def render(content: LetterContent, locale: str) -> tuple[str, str, str, bytes, bytes | None]:
    """Subject, HTML, text, PDF and (for a pitch invitation) the .ics of a letter."""
    check_complete(content)
    with force_locale(locale):
        subject = gettext(SUBJECTS[content.kind], area=content.sender.work_area)
    html = render_html(content, locale)
    pdf = render_pdf(content, html, locale)
    text = render_text(content, locale, html)
    ics = (pitch_invitation(content)
           if content.pitch and content.kind == LetterKind.ROUND1_SELECTED else None)
    return subject, html, text, pdf, ics
