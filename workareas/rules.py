"""Pure rules of the work area and its local addendum (R-ADD-*, R-DYN-1).

No Flask, no SQLAlchemy, no clock: the time of publication is an argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from matching.errors import DomainError, N_
from matching.rules import brussels_date, check_candidacy_period, to_utc


@dataclass(frozen=True)
class NeedSummary:
    title: str
    motivation: str


@dataclass(frozen=True)
class ChallengeSummary:
    title: str
    target_groups: str
    obstacles: str
    opportunities: str
    objectives: str


@dataclass(frozen=True)
class AddendumSummary:
    """What R-ADD-1 looks at, as plain values (built by the operation from the model)."""

    delimitation: str
    municipalities: Sequence[str]
    needs: Sequence[NeedSummary]
    challenges: Sequence[ChallengeSummary]
    candidacy_deadline: datetime | None
    pitch_slot_count: int
    expected_decision_date: date | None
    partnership_start_date: date | None
    contact_count: int
    earliest_pitch: datetime | None = None
    extra: dict = field(default_factory=dict)


def addendum_gaps(a: AddendumSummary) -> list[str]:
    """R-ADD-1: the parts a local addendum lacks (empty list: complete).

    Call text, section 6, "Identificatie lokale noden & lokale timing": "In deze
    addenda zijn volgende zaken opgenomen: de afbakening van het werkingsgebied; de
    lokale noden van de doelgroep (...) en de motivering van de selectie van de
    lokale noden waarop het werkingsgebied zal focussen; lokale timing (deadline
    kandidatuur, pitch-momenten, verwacht beslissingsmoment); lokale
    contactpersonen." and "Voor elk lokaal werkingsgebied zijn verschillende
    regio-uitdagingen geformuleerd. Deze geven een overzicht van de lokale
    doelgroepen, obstakels, mogelijkheden en doelstellingen."
    """
    gaps: list[str] = []
    if not a.delimitation.strip() or not a.municipalities:
        gaps.append(N_("de afbakening van het werkingsgebied (gemeenten)"))
    if not a.needs:
        gaps.append(N_("minstens één lokale nood"))
    elif any(not n.title.strip() or not n.motivation.strip() for n in a.needs):
        gaps.append(N_("de motivering van elke lokale nood"))
    if not a.challenges:
        gaps.append(N_("minstens één regio-uitdaging"))
    elif any(not all(s.strip() for s in (c.title, c.target_groups, c.obstacles,
                                            c.opportunities, c.objectives))
             for c in a.challenges):
        gaps.append(N_("doelgroepen, obstakels, mogelijkheden en doelstellingen van elke "
                       "regio-uitdaging"))
    if a.candidacy_deadline is None:
        gaps.append(N_("de deadline voor kandidaturen"))
    if a.pitch_slot_count < 1:
        gaps.append(N_("minstens één pitch-moment"))
    if a.expected_decision_date is None:
        gaps.append(N_("het verwachte beslissingsmoment"))
    if a.contact_count < 1:
        gaps.append(N_("minstens één lokale contactpersoon"))
    return gaps


def check_publishable(a: AddendumSummary, now: datetime) -> None:
    """R-ADD-1 and R-ADD-2: refuse to publish an incomplete addendum, or one whose
    candidacy deadline lies less than six weeks after ``now`` (the publication)."""
    gaps = addendum_gaps(a)
    if gaps:
        raise DomainError(N_("Het addendum is nog niet volledig; ontbreekt: %(gaps)s."),
                          rule="R-ADD-1", gaps="; ".join(gaps))
    check_candidacy_period(now, a.candidacy_deadline)
    check_pitches_after_deadline(a)
    if a.expected_decision_date and a.candidacy_deadline and \
            a.expected_decision_date < brussels_date(a.candidacy_deadline):
        raise DomainError(N_("Het verwachte beslissingsmoment ligt vóór de deadline voor "
                             "kandidaturen."), rule="R-ADD-1", field="expected_decision_date")


def check_new_version(first_published_at: datetime, a: AddendumSummary, change_note: str) -> None:
    """R-ADD-3: a published addendum is not edited silently.

    Call text: "Deze addenda worden verzameld op de website van Europa WSE naarmate
    ze beschikbaar zijn. Europa WSE zal de lijst met addenda wekelijks updaten."
    A change after publication is a new, visible version with a note saying what
    changed; it must still be complete, and its deadline still six weeks after the
    first publication of the local needs (R-ADD-2).
    """
    if not (change_note or "").strip():
        raise DomainError(N_("Beschrijf wat er verandert in deze nieuwe versie van het addendum."),
                          rule="R-ADD-3", field="change_note")
    gaps = addendum_gaps(a)
    if gaps:
        raise DomainError(N_("Het addendum is nog niet volledig; ontbreekt: %(gaps)s."),
                          rule="R-ADD-1", gaps="; ".join(gaps))
    check_candidacy_period(first_published_at, a.candidacy_deadline)
    check_pitches_after_deadline(a)


def check_pitches_after_deadline(a: AddendumSummary) -> None:
    """R-ADD-1 / R-PITCH-1: the pitch moments of round 2 come after the candidacy deadline
    (the call's timing: "deadline kandidatuur, pitch-momenten, verwacht beslissingsmoment")."""
    if a.earliest_pitch and a.candidacy_deadline and \
            to_utc(a.earliest_pitch) <= to_utc(a.candidacy_deadline):
        raise DomainError(N_("Elk pitch-moment moet na de deadline voor kandidaturen liggen."),
                          rule="R-ADD-1", field="candidacy_deadline")
