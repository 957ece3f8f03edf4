"""Terms of the call that stay English in the Dutch text ("fit for partnership"): on a
page in another language than English they are marked ``lang="en"``, so a screen reader
pronounces them as English (WCAG 3.1.2, language of parts; issue 16)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: as the call writes them (the Dutch call quotes these in English)
ENGLISH_TERMS = ("fit for partnership", "call for interest")
_TERMS = re.compile("|".join(re.escape(t) for t in ENGLISH_TERMS), re.IGNORECASE)


def mark_english_terms(text: object, locale: str) -> Markup:
    """``text`` escaped (unless it is markup already), each English term of the call in a
    ``<span lang="en">`` when the page is not in English."""
    escaped = text if isinstance(text, Markup) else escape(text)
    if locale.startswith("en"):
        return Markup(escaped)
    return Markup(_TERMS.sub(lambda m: f'<span lang="en">{m.group(0)}</span>', str(escaped)))
