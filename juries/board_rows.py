"""The rows of the round board's table as HTML (issue 17).

A board holds up to a few hundred candidacies; written by a Jinja loop (an inner loop per
criterion and per missing item, a call per link and filter) its rows cost more than the
rest of the page. The template computes what every row repeats once per page, in the
reader's language (the words, the criteria's labels, the link patterns); this module only
joins those pieces with the row's own values, escaped, into exactly the markup the loop
wrote (``templates/coordinator/board.html``), and writes a decision cell or a "still
needed" list once per distinct value rather than once per row.

What a row shows is what :func:`juries.page_queries.round_board_lines` read: the readiness comes
from the same rule the closing of the round asks (:func:`juries.rules.round_readiness`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup, escape

from juries.page_queries import BoardLine
from juries.rules import RoundReadiness
from matching.candidacies.rules import Criterion
from matching.core.dates import format_brussels

_DASH = "\n    <td>\n      –</td>\n    "


def board_rows_html(rows: Sequence[BoardLine], round_no: int, *,
                    criteria: Sequence[Criterion], score: str, methods: Mapping[str, str],
                    vote: str, ready: str, missing: Mapping[Criterion, str],
                    awaiting: Mapping[Criterion, str], pitch: str,
                    preview: str, preview_url: Callable[[int], str],
                    inadmissible: str | None = None,
                    inadmissible_url: Callable[[int], str] | None = None,
                    pitch_words: Mapping[str, str] | None = None) -> Markup:
    """The ``<tr>`` of every row, as the template's loop wrote them (its whitespace too).

    The words are markup already (the template's ``_()`` and ``en_terms``): ``score`` the
    score's phrase with ``"\\x00"`` where the number goes, ``methods`` the label of a
    decision method by value (else ``vote``), ``missing`` and ``awaiting`` the "still
    needed" item of a criterion; ``inadmissible`` and its link only where the page offers
    the declaration; ``pitch_words`` (round 2) the words ``held``, ``no_show``, ``planned``
    and ``not_planned``. The row's own values (organisation, reference, location) are
    escaped here."""
    decision_cells: dict[tuple, str] = {}
    readiness_cells: dict[RoundReadiness, str] = {}
    score_text = str(score)
    out: list[str] = []
    append = out.append
    for row in rows:
        name = str(escape(row.organisation))
        append(f'\n  <tr>\n    <th scope="row">{name}<br><span class="hint">'
               f'{escape(row.reference)}</span></th>\n    ')
        decisions = row.decisions
        for criterion in criteria:
            decision = decisions.get(criterion)
            if decision is None:
                append(_DASH)
                continue
            cell = decision_cells.get(decision)
            if cell is None:
                number, method = decision
                cell = decision_cells[decision] = (
                    f"\n    <td>\n      {score_text.replace(chr(0), str(number))} "
                    f"({methods.get(method.value, vote)})</td>\n    ")
            append(cell)
        append("\n    ")
        if round_no == 2:
            append(_pitch_cell(row, pitch_words or {}))
        readiness = row.readiness
        cell = readiness_cells.get(readiness)
        if cell is None:
            cell = readiness_cells[readiness] = _readiness_cell(readiness, ready, missing,
                                                                awaiting, pitch)
        append(cell)
        append(f'</td>\n    <td>\n      <a href="{escape(preview_url(row.id))}">{preview}'
               f'<span class="visually-hidden"> {name}</span></a>\n      ')
        if inadmissible_url is not None:
            append(f'\n      <br><a href="{escape(inadmissible_url(row.id))}">{inadmissible}'
                   f'<span class="visually-hidden"> {name}</span></a>\n      ')
        append("\n    </td>\n  </tr>\n  ")
    return Markup("".join(out))


def _readiness_cell(readiness: RoundReadiness, ready: str, missing: Mapping[Criterion, str],
                    awaiting: Mapping[Criterion, str], pitch: str) -> str:
    if readiness.ready:
        return f'\n    <td><span class="ok">{ready}</span>'
    items = "".join(
        f"<li>{awaiting[c] if c in readiness.awaiting_confirmation else missing[c]}</li>"
        for c in readiness.missing_criteria)
    pitch_item = f"<li>{pitch}</li>" if readiness.pitch_missing else ""
    return (f'\n    <td>\n      <ul class="missing">\n        {items}\n        {pitch_item}'
            f"\n      </ul>")


def _pitch_cell(row: BoardLine, words: Mapping[str, str]) -> str:
    appointment = row.pitch
    if appointment is None:
        return f"\n    <td>{words['not_planned']}</td>\n    "
    if appointment.held_at:
        state = f"<br>{words['held']}"
    elif appointment.no_show_at:
        state = f"<br><strong>{words['no_show']}</strong>"
    else:
        state = f"<br>{words['planned']}"
    return (f"\n    <td>{escape(format_brussels(appointment.starts_at))}–"
            f"{escape(format_brussels(appointment.ends_at)[-5:])}, "
            f"{escape(appointment.location)}\n        {state}\n      </td>\n    ")
