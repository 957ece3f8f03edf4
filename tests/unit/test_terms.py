"""The call's English terms on a Dutch page carry lang="en" (issue 16, WCAG 3.1.2)."""

from markupsafe import Markup

from matching.core.terms import mark_english_terms


def test_an_english_term_on_a_dutch_page_is_marked():
    assert mark_english_terms("Criterium: fit for partnership.", "nl") == \
        'Criterium: <span lang="en">fit for partnership</span>.'
    assert mark_english_terms("Fit for partnership", "nl") == \
        '<span lang="en">Fit for partnership</span>'


def test_the_text_is_escaped_and_english_pages_are_left_alone():
    assert mark_english_terms("<b>fit for partnership</b>", "nl") == \
        '&lt;b&gt;<span lang="en">fit for partnership</span>&lt;/b&gt;'
    assert mark_english_terms("Fit for partnership", "en") == "Fit for partnership"
    assert mark_english_terms(Markup("<em>x</em>"), "nl") == "<em>x</em>"
