"""What a letter says, as plain data: built by each domain's ``notifications`` module from
the recorded decisions (:mod:`matching.candidacies.notifications`,
:mod:`juries.notifications`, :mod:`appeals.notifications`), rendered by
:mod:`matching.letters.render` through the templates in ``templates/letters/``. Pure
module: no Flask, no SQLAlchemy.

Every decision letter states per criterion the score and why it was given (R-JURY-6,
R-DEC-1) and, for a non-selection, how and until when to appeal (R-APP-1).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from matching.core.errors import N_, DomainError


class LetterKind(str, enum.Enum):
    CANDIDACY_RECEIPT = "candidacy_receipt"
    ROUND1_SELECTED = "round1_selected"  # invitation to pitch, with an .ics
    ROUND1_NOT_SELECTED = "round1_not_selected"
    ROUND2_ADMITTED = "round2_admitted"
    ROUND2_NOT_ADMITTED = "round2_not_admitted"
    APPEAL_RECEIPT = "appeal_receipt"
    APPEAL_OUTCOME = "appeal_outcome"
    EMERGENCY_OUTCOME = "emergency_outcome"
    INADMISSIBLE = "inadmissible"  # issue 12: a motivated decision, appealable


#: What a person reads for each kind of letter (Dutch msgids; English in the catalogue).
LETTER_KIND_LABELS = {
    LetterKind.CANDIDACY_RECEIPT: N_("ontvangstbevestiging van de kandidatuur"),
    LetterKind.ROUND1_SELECTED: N_("beslissing ronde 1: geselecteerd, uitnodiging voor de pitch"),
    LetterKind.ROUND1_NOT_SELECTED: N_("beslissing ronde 1: niet geselecteerd"),
    LetterKind.ROUND2_ADMITTED: N_("beslissing ronde 2: toegelaten tot stap 4"),
    LetterKind.ROUND2_NOT_ADMITTED: N_("beslissing ronde 2: niet geselecteerd"),
    LetterKind.APPEAL_RECEIPT: N_("ontvangstbevestiging van het weerwoord"),
    LetterKind.APPEAL_OUTCOME: N_("uitspraak over het weerwoord"),
    LetterKind.EMERGENCY_OUTCOME: N_("uitkomst van de noodprocedure"),
}


#: Letters whose receipt starts an appeal window (R-APP-1).
DECISION_KINDS = {LetterKind.ROUND1_SELECTED: 1, LetterKind.ROUND1_NOT_SELECTED: 1,
                  LetterKind.ROUND2_ADMITTED: 2, LetterKind.ROUND2_NOT_ADMITTED: 2}


@dataclass(frozen=True)
class Contact:
    name: str
    organisation: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class Sender:
    """The local governments of the work area, on whose behalf the letter is sent (R-DEC-1):
    their postal address and who signs for them (set per work area), and the contact persons
    of the addendum (the first one answers replies)."""

    work_area: str
    governments: tuple[str, ...]
    contacts: tuple[Contact, ...]
    postal_address: str = ""  # lines separated by new lines
    signatory_name: str = ""
    signatory_function: str = ""

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.postal_address.splitlines() if line.strip())


@dataclass(frozen=True)
class Recipient:
    organisation: str
    enterprise_number: str  # formatted 0123.456.789
    email: str


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's final score with the jury's motivation (R-JURY-6)."""

    criterion: str  # "crucial_contribution" | "fit_for_partnership"
    label: str  # "Cruciale bijdrage"
    score: int
    scale_text: str  # the wording of the score on the scale (R-JURY-3)
    motivation: str
    method: str  # "consensus" | "ballot"


@dataclass(frozen=True)
class PitchMoment:
    starts_at: datetime  # aware, UTC
    ends_at: datetime
    location: str


@dataclass(frozen=True)
class PanelPosition:
    position: str  # "confirm" | "reverse"
    motivation: str


@dataclass(frozen=True)
class RankedPartner:
    organisation: str
    crucial_contribution: int
    fit_for_partnership: int
    selected: bool
    rank: int | None


@dataclass(frozen=True)
class LetterContent:
    kind: LetterKind
    reference: str  # unique reference number of the letter, e.g. "KAND-001-1-00012/R1"
    letter_date: date  # Brussels calendar day
    sender: Sender
    recipient: Recipient
    candidacy_reference: str
    procedure_title: str
    # kind-specific facts (None when not relevant to the kind)
    submitted_at: datetime | None = None
    challenges: tuple[str, ...] = ()  # titles of the regional challenges chosen
    next_steps: tuple[tuple[str, date | None], ...] = ()  # (what, when)
    round: int | None = None
    results: tuple[CriterionResult, ...] = ()
    threshold: int = 3
    pitch: PitchMoment | None = None
    #: Round 2: the organisation did not come to its pitch (issue 13): not admitted, whatever
    #: the scores, and the letter says why.
    pitch_no_show: bool = False
    appeal_deadline: datetime | None = None  # aware, UTC; shown in Brussels time
    appeal_how: str = ""  # the address of the platform's appeal form (R-APP-1, issue 12)
    decision_received_at: datetime | None = None  # a correction after a late receipt
    inadmissible_reason: str = ""  # the procedural reason of an inadmissibility
    appeal_window_days: int | None = None  # "tot 14 dagen na ontvangst" (R-APP-1)
    appeal_filed_at: datetime | None = None
    appeal_outcome: str | None = None  # "confirmed" | "reversed"
    panel: tuple[PanelPosition, ...] = ()
    complaints_desk: str = ""  # R-APP-4
    emergency_motivation: str = ""
    ranking: tuple[RankedPartner, ...] = ()
    ranking_motivation: str = ""
    own_result: RankedPartner | None = None
    extra: dict = field(default_factory=dict)


class IncompleteLetter(DomainError):
    """A mandatory part of a letter is missing: no letter is produced."""


def check_complete(content: LetterContent) -> LetterContent:
    """Refuse to produce a letter that lacks a mandatory part (R-JURY-6, R-APP-1, R-DEC-1)."""
    kind = content.kind
    if kind in DECISION_KINDS:
        criteria = {r.criterion for r in content.results}
        if len(content.results) != 2 or len(criteria) != 2:
            raise IncompleteLetter(N_("De beslissingsbrief vraagt een score op beide criteria."),
                                   rule="R-JURY-6")
        for r in content.results:
            if len((r.motivation or "").strip()) < 10:
                raise IncompleteLetter(
                    N_("De motivering voor '%(criterion)s' ontbreekt: zonder motivering per "
                       "criterium wordt geen beslissingsbrief gemaakt."),
                    rule="R-JURY-6", criterion=r.label)
    if kind == LetterKind.INADMISSIBLE and len(content.inadmissible_reason.strip()) < 10:
        raise IncompleteLetter(N_("De brief over de onontvankelijkheid vermeldt de reden."),
                               rule="R-CAND-3")
    if kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED,
                LetterKind.INADMISSIBLE):
        if content.appeal_deadline is None or not content.appeal_how.strip() \
                or not content.appeal_window_days:
            raise IncompleteLetter(N_("De brief vermeldt hoe en tot wanneer een weerwoord kan."),
                                   rule="R-APP-1")
    check_threshold_coherent(content)
    if kind == LetterKind.ROUND1_SELECTED and content.pitch is None:
        raise IncompleteLetter(N_("Plan eerst het pitch-moment: de uitnodiging vermeldt het."),
                               rule="R-PITCH-1")
    if kind == LetterKind.APPEAL_OUTCOME:
        if content.appeal_outcome not in ("confirmed", "reversed") or len(content.panel) != 2 \
                or any(len(p.motivation.strip()) < 20 for p in content.panel):
            raise IncompleteLetter(N_("De uitspraak over het weerwoord vraagt beide gemotiveerde "
                                      "standpunten."), rule="R-APP-3")
    if kind == LetterKind.EMERGENCY_OUTCOME and content.own_result is None:
        raise IncompleteLetter(N_("De uitkomst van de noodprocedure ontbreekt."), rule="R-STEP4-1")
    if not content.sender.contacts:
        raise IncompleteLetter(N_("De brief vermeldt de lokale contactpersonen."), rule="R-ADD-1")
    return content


SELECTED_KINDS = frozenset({LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED})


def check_threshold_coherent(content: LetterContent) -> None:
    """A decision letter never states a threshold its own scores contradict without
    saying why (issue 12): a selection with a score under the threshold is only written
    after a reversed appeal, and then gives the panel's motivation; a non-selection has a
    score under the threshold.

    R-JURY-5, call text section 6: "Enkel organisaties die minstens een score 3 behalen
    op beide criteria worden geselecteerd"; R-APP-3: the panel may "de beslissingen om
    de partner niet te selecteren vervolgens bekrachtigen of omkeren".
    """
    if content.kind not in DECISION_KINDS or not content.results:
        return
    below = any(r.score < content.threshold for r in content.results)
    if content.kind in SELECTED_KINDS and below:
        if content.appeal_outcome != "reversed" or len(content.panel) != 2:
            raise IncompleteLetter(
                N_("Deze selectie heeft een score onder de drempel van %(threshold)s; de brief "
                   "kan enkel na een omgekeerd weerwoord, met de motivering van het panel."),
                rule="R-JURY-5", threshold=content.threshold)
    if content.kind not in SELECTED_KINDS and not below and not content.pitch_no_show:
        raise IncompleteLetter(
            N_("Een niet-selectie met een score van minstens %(threshold)s op beide criteria "
               "spreekt de drempel tegen."), rule="R-JURY-5", threshold=content.threshold)


#: The "round" of the decision at the deadline check: an inadmissibility is appealed like a
#: non-selection (its letter's receipt opens the same window, R-APP-1).
INTAKE = 0


def decision_kind(round_no: int, selected: bool) -> LetterKind:
    if round_no == INTAKE:
        return LetterKind.INADMISSIBLE
    return next(k for k, r in DECISION_KINDS.items() if r == round_no
                and (k in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED)) == selected)
