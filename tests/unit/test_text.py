"""matching.core.text at its boundaries: what a text may hold, a file name, a formula."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.core.text import (
    CONTROL_MESSAGE,
    LINE_BREAK_MESSAGE,
    TOO_LONG_MESSAGE,
    clean_filename,
    neutralise_formula,
    text_problem,
)


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b",
                                  "\x1f", "\x7f", "\x85", "\x9f", "\ufffe", "\uffff",
                                  "\ud800", "\ufdd0"])
def test_control_characters_are_refused_in_every_field(char):
    for multiline in (False, True):
        assert text_problem(f"a{char}b", multiline=multiline, limit=10) == CONTROL_MESSAGE


@pytest.mark.parametrize("char", ["\n", "\r", "\t"])
def test_line_breaks_and_tabs_only_in_a_multi_line_field(char):
    assert text_problem(f"a{char}b", multiline=True, limit=10) is None
    assert text_problem(f"a{char}b", multiline=False, limit=10) == LINE_BREAK_MESSAGE


def test_the_length_limit_is_inclusive():
    assert text_problem("x" * 10, multiline=False, limit=10) is None
    assert text_problem("x" * 11, multiline=False, limit=10) == TOO_LONG_MESSAGE
    assert text_problem("", multiline=False, limit=0) is None and \
        text_problem(None, multiline=False, limit=0) is None


@pytest.mark.parametrize("typed", ["Łódź", "Nguyễn", "Παπαδόπουλος", "العربية", "😀",
                                   "a\u200db", "‘quotes’ — dash"])
def test_ordinary_text_of_any_script_is_accepted(typed):
    assert text_problem(typed, multiline=False, limit=100) is None


@pytest.mark.parametrize("name, expected", [
    ("offerte\u202efdp.exe", "offertefdp"),  # the right-to-left override showed "offerteexe.pdf"
    ("cv\u200b\u2066\u2069.pdf", "cv"),
    ("C:\\Users\\els\\Mijn CV.docx", "Mijn CV"),
    ("../../etc/passwd", "passwd"),
    ("Łódź – plan (v2).pdf", "Łódź – plan (v2)"),
    ("報告書.pdf", "報告書"),
    ("\x00\x01.pdf", "bijlage"),
    ("", "bijlage"),
    ("...", "bijlage"),
    ("a\tb\nc.odt", "abc"),
])
def test_file_names_keep_letters_and_digits_and_lose_control_and_bidi(name, expected):
    assert clean_filename(name) == expected


@given(st.text())
def test_a_clean_file_name_is_never_empty_and_holds_nothing_invisible(name):
    cleaned = clean_filename(name)
    assert cleaned and len(cleaned) <= 150
    assert text_problem(cleaned, multiline=False, limit=150) is None
    assert not any(c in cleaned for c in "\u202e\u202d\u2066\u200f/\\")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@A1", "|cmd", "\t=1", "\r=1",
                                   "＝1+1", "＋1", "－1", "＠A1", "｜cmd", "  =1", "−1"])
def test_every_formula_start_gets_a_quote(value):
    assert neutralise_formula(value) == "'" + value


@pytest.mark.parametrize("value", ["Jobkracht", "1+1", "'x", "", "   ", "(=)"])
def test_other_text_is_left_as_typed(value):
    assert neutralise_formula(value) == value
