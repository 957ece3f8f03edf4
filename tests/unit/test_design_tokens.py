"""The design system's colours meet WCAG 2.1 AA (issue 16), computed from static/site.css:
text 4.5:1 against every background it is set on (1.4.3), the focus ring and the borders
of form fields 3:1 against every background they appear on (1.4.11)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "site.css").read_text(encoding="utf-8")
TOKENS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.split("}", 1)[0]))
WHITE = "#ffffff"


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def token(name: str) -> str:
    return TOKENS[name]


#: Every page background a focusable element can sit on: the page, the header (yellow), the
#: footer and the panels (surface), a flash or blocker (light red).
BACKGROUNDS = ["colour-bg", "colour-yellow", "colour-surface"]
BLOCKER_BG = "#fdf2f3"

TEXT_PAIRS = [
    ("colour-text", "colour-bg"), ("colour-text", "colour-yellow"),
    ("colour-text", "colour-surface"),
    ("colour-text-muted", "colour-bg"), ("colour-text-muted", "colour-surface"),
    ("colour-link", "colour-bg"), ("colour-link", "colour-surface"),
    ("colour-link-visited", "colour-bg"), ("colour-link-visited", "colour-surface"),
    ("colour-warning", "colour-bg"), ("colour-success", "colour-bg"),
    ("colour-primary", "colour-bg"),  # secondary button text
    ("colour-text", "colour-focus-inner"),  # a focused link: black on yellow
    *[(f"tag-{t}-text", f"tag-{t}-bg")
      for t in ("positive", "negative", "neutral", "info", "warning")],
]


def test_every_colour_the_pairs_name_is_a_token():
    for fg, bg in TEXT_PAIRS:
        assert fg in TOKENS and bg in TOKENS, (fg, bg)


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_text_contrast_is_at_least_4_5(fg, bg):
    assert contrast(token(fg), token(bg)) >= 4.5, (fg, bg, round(contrast(token(fg), token(bg)), 2))


@pytest.mark.parametrize("button", ["colour-primary", "colour-primary-hover", "colour-warning",
                                    "colour-warning-hover"])
def test_white_text_on_filled_buttons_is_at_least_4_5(button):
    assert contrast(WHITE, token(button)) >= 4.5


def test_links_and_text_on_a_blocker_or_error_banner():
    for fg in ("colour-text", "colour-link", "colour-warning", "colour-text-muted"):
        assert contrast(token(fg), BLOCKER_BG) >= 4.5, fg


@pytest.mark.parametrize("bg", [*BACKGROUNDS, "colour-primary", "colour-warning"])
def test_the_focus_ring_is_at_least_3_to_1_on_every_background(bg):
    """The outer ring (black) against every background it can appear on; on the yellow
    header the ring is black on yellow, on a filled button it sits outside the button, on
    the page's background, with the yellow inner ring between."""
    outer = token("colour-focus")
    if bg in ("colour-primary", "colour-warning"):
        # the inner yellow ring separates a filled button from the black ring
        assert contrast(token("colour-focus-inner"), token(bg)) >= 3
    else:
        assert contrast(outer, token(bg)) >= 3
    assert contrast(outer, BLOCKER_BG) >= 3


def test_the_old_focus_colour_would_fail():
    """The focus outline #ffbf47 of before issue 16 had 1.64:1 on white: the test sees it."""
    assert contrast("#ffbf47", WHITE) < 3


def test_the_focus_style_uses_the_ring_on_every_focusable_element():
    assert re.search(r":focus-visible[^{]*\{[^}]*outline:\s*3px solid var\(--colour-focus\)", CSS)
    assert "#ffbf47" not in CSS


@pytest.mark.parametrize("bg", BACKGROUNDS)
def test_form_field_borders_are_at_least_3_to_1(bg):
    assert contrast(token("colour-border"), token(bg)) >= 3
