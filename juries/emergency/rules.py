"""Pure rules of the emergency procedure of step 4 (R-STEP4-*).

No Flask, no SQLAlchemy, no clock. Source: call text, section 7 (noodprocedure).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from juries.rules import Bloc, check_motivation, check_score, passes_threshold
from matching.candidacies.rules import Criterion
from matching.core.dates import add_brussels_weeks, format_brussels, to_utc
from matching.core.errors import N_, DomainError

#: R-STEP4-1: "binnen de 8 weken voor de effectieve opstart"
EMERGENCY_WINDOW_WEEKS = 8


#: R-STEP4-2: only VDAB and the local governments score and decide.
EMERGENCY_BLOCS = (Bloc.VDAB, Bloc.LOKAAL_BESTUUR)


def emergency_window_opens(partnership_start: datetime) -> datetime:
    """R-STEP4-1: the emergency procedure may start within the 8 weeks before the start."""
    return add_brussels_weeks(partnership_start, -EMERGENCY_WINDOW_WEEKS)


def check_emergency_window(now: datetime, partnership_start: datetime) -> None:
    """R-STEP4-1: "kunnen VDAB en lokale besturen binnen de 8 weken voor de effectieve
    opstart een noodprocedure opstarten".
    """
    opens = emergency_window_opens(partnership_start)
    if not (opens <= to_utc(now) < to_utc(partnership_start)):
        raise DomainError(
            N_("Een noodprocedure kan enkel binnen de 8 weken voor de start van het "
               "partnerschap (%(start)s) worden opgestart, dus vanaf %(opens)s."),
            rule="R-STEP4-1", start=format_brussels(partnership_start),
            opens=format_brussels(opens))


def emergency_agreed_score(scores: Mapping[Bloc, int]) -> int | None:
    """R-STEP4-2: the score stands only when VDAB and the local government agree.

    The call is silent on disagreement ("Lokale besturen en VDAB ... zullen ze alle
    partners in het partnerschap opnieuw scoren"): this system requires both to give
    the same score; until then there is no score.
    """
    vdab, local_government = (scores.get(b) for b in EMERGENCY_BLOCS)
    if vdab is None or local_government is None or vdab != local_government:
        return None
    return check_score(vdab)


def emergency_selected(scores: Mapping[Criterion, int]) -> bool:
    """R-STEP4-1: "Partners met score 3 of 4 worden dan geselecteerd" (on both criteria,
    the same reading as the threshold of R-JURY-5)."""
    return passes_threshold(scores)


def check_emergency_ranking(selected: Sequence[object], ranking: Sequence[object],
                            motivation: str | None) -> None:
    """R-STEP4-1: "Indien er meerdere partners zijn met score 3 en 4 wordt een
    rangschikking gemaakt en geargumenteerd."
    """
    if len(selected) <= 1:
        if ranking:
            raise DomainError(N_("Een rangschikking is enkel nodig wanneer meerdere partners "
                                 "geselecteerd zijn."), rule="R-STEP4-1", field="ranking")
        return
    if sorted(map(str, ranking)) != sorted(map(str, selected)) or len(set(ranking)) != len(ranking):
        raise DomainError(N_("De rangschikking moet elke geselecteerde partner precies één keer "
                             "bevatten."), rule="R-STEP4-1", field="ranking")
    check_motivation(motivation, what=N_("rangschikking"))


def check_observed_behaviour(criterion: Criterion, text: str | None) -> str | None:
    """R-STEP4-1: "Bij fit for partnership wordt dan bijkomend gescoord op het
    observeerbare gedrag dat partners vertoonden in stap 4."

    A re-score of fit for partnership describes that behaviour (at least 10 characters);
    a re-score of crucial contribution has none.
    """
    cleaned = (text or "").strip()
    if criterion != Criterion.FIT_FOR_PARTNERSHIP:
        if cleaned:
            raise DomainError(N_("Het gedrag in stap 4 hoort enkel bij fit for partnership."),
                              rule="R-STEP4-1", field="observed_behaviour")
        return None
    if len(cleaned) < 10:
        raise DomainError(N_("Beschrijf het gedrag dat de partner in stap 4 vertoonde "
                             "(minstens 10 tekens)."), rule="R-STEP4-1",
                          field="observed_behaviour")
    return cleaned


def emergency_window_closes(partnership_start: datetime) -> datetime:
    """R-STEP4-1: the window ends when the partnership starts (its first instant)."""
    return to_utc(partnership_start)
