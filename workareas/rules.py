"""Pure rules of the procedure, the work area and its local addendum (R-ADD-*, R-DYN-1).

No Flask, no SQLAlchemy, no clock: the time of publication is an argument.

The procedure's state machine (DOMAIN.md, "The procedure as a state machine"):
``draft → published → candidacy_closed → round_1 → round_2 → decided → ratified``, as an
explicit transition table; any other step is refused by
:func:`matching.core.states.next_state`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from matching.core.dates import add_brussels_weeks, brussels_date, format_brussels, to_utc
from matching.core.errors import N_, DomainError
from matching.core.states import next_state


class ProcedureState(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANDIDACY_CLOSED = "candidacy_closed"
    ROUND_1 = "round_1"
    ROUND_2 = "round_2"
    DECIDED = "decided"
    RATIFIED = "ratified"


PROCEDURE_STATE_LABELS = {
    ProcedureState.DRAFT: N_("in voorbereiding"),
    ProcedureState.PUBLISHED: N_("kandidaturen open"),
    ProcedureState.CANDIDACY_CLOSED: N_("kandidaturen afgesloten"),
    ProcedureState.ROUND_1: N_("ronde 1 (beoordeling op papier)"),
    ProcedureState.ROUND_2: N_("ronde 2 (pitches)"),
    ProcedureState.DECIDED: N_("beslist"),
    ProcedureState.RATIFIED: N_("bekrachtigd door Europa WSE"),
}


class ProcedureStep(str, enum.Enum):
    PUBLISH = "publish"
    CLOSE_CANDIDACIES = "close_candidacies"
    START_ROUND_1 = "start_round_1"
    CLOSE_ROUND_1 = "close_round_1"
    CLOSE_ROUND_2 = "close_round_2"
    RATIFY = "ratify"


P, PS = ProcedureState, ProcedureStep


PROCEDURE_TRANSITIONS: Mapping[tuple[ProcedureState, ProcedureStep], ProcedureState] = {
    (P.DRAFT, PS.PUBLISH): P.PUBLISHED,
    (P.PUBLISHED, PS.CLOSE_CANDIDACIES): P.CANDIDACY_CLOSED,
    (P.CANDIDACY_CLOSED, PS.START_ROUND_1): P.ROUND_1,
    (P.ROUND_1, PS.CLOSE_ROUND_1): P.ROUND_2,
    (P.ROUND_2, PS.CLOSE_ROUND_2): P.DECIDED,
    # A candidacy reversed on appeal after round 1 gets its own pitch and round-2
    # decision, also when the others were decided already (DOMAIN.md, readings).
    (P.DECIDED, PS.CLOSE_ROUND_2): P.DECIDED,
    # Issue 12: a candidacy whose inadmissibility was reversed on appeal after round 1
    # closed gets its own round-1 decision (and, if selected, its pitch and round 2).
    (P.ROUND_2, PS.CLOSE_ROUND_1): P.ROUND_2,
    (P.DECIDED, PS.CLOSE_ROUND_1): P.DECIDED,
    (P.DECIDED, PS.RATIFY): P.RATIFIED,
}


def next_procedure_state(state: ProcedureState, step: ProcedureStep) -> ProcedureState:
    return next_state(PROCEDURE_TRANSITIONS, N_("procedure"), state, step,
                      PROCEDURE_STATE_LABELS)


#: The states in which a published addendum still changes, but only in its local timing.
AFTER_INTAKE = frozenset({ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1,
                          ProcedureState.ROUND_2, ProcedureState.DECIDED})


def check_new_version_open(state: ProcedureState, timing_only: bool = True) -> None:
    """R-ADD-3: a published addendum changes as a new, visible version; before its
    publication the draft is edited. While the candidacies are open every part may change
    (R-ADD-2 guards late needs and challenges). Issue 12: after the intake the candidates
    have answered what they read, so needs, challenges, delimitation and deadline stay as
    they were; the local timing still changes as a new version until the ratification
    (R-ADD-1: "lokale timing (deadline kandidatuur, pitch-momenten, verwacht
    beslissingsmoment)"; the partnership's start date opens the emergency procedure's
    window, R-STEP4-1). ``timing_only``: the version changes nothing but the timing (the
    page asks with the default: may any version be published now?)."""
    if state == ProcedureState.PUBLISHED:
        return
    if state in AFTER_INTAKE:
        if timing_only:
            return
        raise DomainError(N_("Na het afsluiten van de kandidaturen wijzigt enkel de lokale "
                             "timing nog (verwachte beslissing, start van het partnerschap, "
                             "pitch-momenten): de afbakening, de noden, de regio-uitdagingen "
                             "en de deadline blijven zoals de kandidaten ze lazen."),
                          rule="R-ADD-3")
    raise DomainError(N_("Het addendum kan enkel als nieuwe versie gewijzigd worden tussen de "
                         "publicatie en de bekrachtiging."), rule="R-ADD-3")


def only_timing_changed(before: AddendumSummary, after: AddendumSummary) -> bool:
    """Issue 12: whether a new version leaves everything a candidacy answered unchanged
    (delimitation, municipalities, needs, regional challenges, the candidacy deadline): it
    changes at most the local timing after the deadline (pitch moments, expected decision
    date, the partnership's start) and the practical contact persons."""
    return (before.delimitation == after.delimitation
            and list(before.municipalities) == list(after.municipalities)
            and list(before.needs) == list(after.needs)
            and list(before.challenges) == list(after.challenges)
            and before.candidacy_deadline == after.candidacy_deadline)


def check_intake_closable(state: ProcedureState, now: datetime,
                          deadline: datetime | None) -> None:
    """R-CAND-3: the intake closes after the candidacy deadline, not before."""
    next_procedure_state(state, ProcedureStep.CLOSE_CANDIDACIES)
    if deadline is None or to_utc(now) <= to_utc(deadline):
        raise DomainError(N_("De kandidaturen kunnen pas na de deadline worden afgesloten."),
                          rule="R-CAND-3")


#: What may still be recorded on a ratified procedure: the ratification itself and its
#: final report, step 4 (the emergency procedure and its letters, R-STEP4-*), and the
#: sealed PDF of a letter decided before (the mail worker renders it after the decision
#: committed: it adds the PDF the decision already stated, it changes nothing).
AFTER_RATIFICATION = frozenset({"procedure.ratify", "final_report.store", "emergency.start",
                                "emergency.score", "emergency.conclude", "letter.seal"})


def recorded_after_ratification(action: str, step4: bool) -> bool:
    """R-OBS-1: Europa WSE ratifies the record as it is; only its own ratification and
    step 4 (which follows the ratification, R-STEP4-*) are recorded on it afterwards."""
    return step4 or action in AFTER_RATIFICATION


def check_not_frozen(state: ProcedureState | None) -> None:
    """Refuse a change to a procedure Europa WSE ratified (it is read-only from then on)."""
    if state == ProcedureState.RATIFIED:
        raise DomainError(N_("Deze procedure is bekrachtigd door Europa WSE en kan niet meer "
                             "gewijzigd worden."), rule="R-OBS-1")


#: R-ADD-2: "minimaal 6 weken"
CANDIDACY_PERIOD_WEEKS = 6


def earliest_candidacy_deadline(published_at: datetime) -> datetime:
    """R-ADD-2: the earliest allowed candidacy deadline after publication.

    Call text, section 1: "Partners krijgen minimaal 6 weken tijd om zich kandidaat
    te stellen nadat de lokale noden van een werkingsgebied zijn gepubliceerd op de
    website van Europa WSE." and section 7: "Tussen de publicatie van de lokale
    noden en de opstart van het matchingsproces zitten minimaal 6 weken".

    Six weeks are counted in Brussels wall-clock time, so a daylight-saving change
    in between neither adds nor removes an hour.
    """
    return add_brussels_weeks(published_at, CANDIDACY_PERIOD_WEEKS)


def check_candidacy_period(published_at: datetime, deadline: datetime) -> None:
    """R-ADD-2: refuse a deadline less than six weeks after publication."""
    earliest = earliest_candidacy_deadline(published_at)
    if to_utc(deadline) < earliest:
        raise DomainError(
            N_("De deadline voor kandidaturen moet minstens 6 weken na de publicatie liggen "
               "(ten vroegste %(earliest)s)."),
            rule="R-ADD-2",
            field="candidacy_deadline",
            earliest=format_brussels(earliest),
        )


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


def _check_complete(a: AddendumSummary) -> datetime:
    """R-ADD-1: refuse an incomplete addendum; the candidacy deadline of a complete one."""
    gaps = addendum_gaps(a)
    if gaps:
        raise DomainError(N_("Het addendum is nog niet volledig; ontbreekt: %(gaps)s."),
                          rule="R-ADD-1", gaps="; ".join(gaps))
    if a.candidacy_deadline is None:  # cannot happen: addendum_gaps names a missing deadline
        raise RuntimeError("a complete addendum has a candidacy deadline")
    return a.candidacy_deadline


def check_publishable(a: AddendumSummary, now: datetime) -> None:
    """R-ADD-1 and R-ADD-2: refuse to publish an incomplete addendum, or one whose
    candidacy deadline lies less than six weeks after ``now`` (the publication)."""
    deadline = _check_complete(a)
    check_candidacy_period(now, deadline)
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
    deadline = _check_complete(a)
    check_candidacy_period(first_published_at, deadline)
    check_pitches_after_deadline(a)


def changes_needs_or_challenges(before: AddendumSummary, after: AddendumSummary) -> bool:
    """Whether a new version adds, removes or changes a local need or a regional challenge
    (what candidates answer to); other changes (timing, contacts, wording of the
    delimitation) do not."""
    return (sorted(map(repr, before.needs)) != sorted(map(repr, after.needs))
            or sorted(map(repr, before.challenges)) != sorted(map(repr, after.challenges)))


def check_substantive_change(before: AddendumSummary, after: AddendumSummary,
                             now: datetime) -> None:
    """R-ADD-2 for a later version (DOMAIN.md, readings: "A later version that adds or
    changes needs or regional challenges needs six weeks before the deadline too").

    Call text, section 1: "Partners krijgen minimaal 6 weken tijd om zich kandidaat te
    stellen nadat de lokale noden van een werkingsgebied zijn gepubliceerd op de website
    van Europa WSE." New or changed needs are published by this version: the deadline must
    lie at least six weeks after it, or the version moves the deadline so that it does.
    """
    if not changes_needs_or_challenges(before, after) or after.candidacy_deadline is None:
        return
    earliest = earliest_candidacy_deadline(now)
    if to_utc(after.candidacy_deadline) < earliest:
        raise DomainError(
            N_("Deze versie voegt lokale noden of regio-uitdagingen toe of wijzigt ze: "
               "kandidaten krijgen dan opnieuw minstens 6 weken. Verschuif de deadline voor "
               "kandidaturen naar ten vroegste %(earliest)s, of wijzig de noden en "
               "uitdagingen niet."),
            rule="R-ADD-2", field="candidacy_deadline", earliest=format_brussels(earliest))


def check_pitches_after_deadline(a: AddendumSummary) -> None:
    """R-ADD-1 / R-PITCH-1: the pitch moments of round 2 come after the candidacy deadline
    (the call's timing: "deadline kandidatuur, pitch-momenten, verwacht beslissingsmoment")."""
    if a.earliest_pitch and a.candidacy_deadline and \
            to_utc(a.earliest_pitch) <= to_utc(a.candidacy_deadline):
        raise DomainError(N_("Elk pitch-moment moet na de deadline voor kandidaturen liggen."),
                          rule="R-ADD-1", field="candidacy_deadline")


# --- the sender of the letters (R-DEC-1) -------------------------------------------------------

#: A postal address: a name or service line, the street, the postcode and municipality.
ADDRESS_LINES = (2, 6)


def check_letter_sender(address_lines: list[str], name: str, function: str) -> None:
    """R-DEC-1: "Alle kandidaten ontvangen een e-mail met de gemotiveerde beslissing (via de
    lokale besturen)". A letter on behalf of the local governments names where they can be
    reached by post and who signs for them: the postal address (two to six lines) and the
    signatory's name and function."""
    low, high = ADDRESS_LINES
    if not low <= len(address_lines) <= high or any(len(line) > 100 for line in address_lines):
        raise DomainError(N_("Geef het postadres op twee tot zes regels van hoogstens 100 tekens "
                             "(bijvoorbeeld de dienst, de straat en nummer, de postcode en "
                             "gemeente)."), rule="R-DEC-1", field="postal_address")
    if not name.strip():
        raise DomainError(N_("Vul de naam van de ondertekenaar in."), rule="R-DEC-1",
                          field="signatory_name")
    if not function.strip():
        raise DomainError(N_("Vul de functie van de ondertekenaar in."), rule="R-DEC-1",
                          field="signatory_function")


#: The provinces a work area may lie in (the CHECK on work_area.province).
WORK_AREA_PROVINCES = ("Antwerpen", "Limburg", "Oost-Vlaanderen", "Vlaams-Brabant",
                       "West-Vlaanderen")


def check_work_area(name: str, province: str, codes: Sequence[str],
                    known_codes: Set[str]) -> None:
    """A work area (werkingsgebied, step 1: "Afbakening van de werkingsgebieden") has a
    name, a Flemish province and at least one municipality of the reference list (R-ADD-1:
    the addendum names "de afbakening van het werkingsgebied (de gemeenten)")."""
    if not name.strip() or len(name.strip()) > 200:
        raise DomainError(N_("Geef het werkingsgebied een naam (hoogstens 200 tekens)."),
                          field="name")
    if province not in WORK_AREA_PROVINCES:
        raise DomainError(N_("Kies een van de vijf Vlaamse provincies."), field="province")
    if not codes:
        raise DomainError(N_("Kies minstens één gemeente."), field="municipalities")
    unknown = sorted(set(codes) - set(known_codes))
    if unknown:
        raise DomainError(N_("Onbekende gemeente (NIS-code %(codes)s)."),
                          field="municipalities", codes=", ".join(unknown))


def check_contact(name: str, email: str) -> None:
    """A contact person of the work area has a name and an e-mail address."""
    if not name.strip() or len(name.strip()) > 200:
        raise DomainError(N_("Geef de naam van de contactpersoon."), field="name")
    email = email.strip()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise DomainError(N_("Geef een geldig e-mailadres."), field="email")


# --- pitch sessions: a day part split into slots (issue 13, R-PITCH-1) ----------------------

#: The shortest and longest pitch slot, and the longest break, in minutes (a form's bounds).
SLOT_MINUTES = (5, 240)
BREAK_MINUTES_MAX = 240


@dataclass(frozen=True)
class SessionPlan:
    """How a pitch session is cut: ``slot_minutes`` per pitch, ``break_minutes`` between
    two pitches, and after every ``pause_after`` pitches a longer ``pause_minutes`` instead
    of the break (None: no longer pause)."""

    starts_at: datetime
    ends_at: datetime
    slot_minutes: int
    break_minutes: int = 0
    pause_after: int | None = None
    pause_minutes: int = 0


def session_slots(plan: SessionPlan) -> list[tuple[datetime, datetime]]:
    """R-PITCH-1 (the call: "nodigt de jury de geselecteerde organisaties uit om hun
    kandidatuur te komen pitchen op een matchingsgesprek"): each organisation gets its own
    slot of a pitch session. Slots follow each other from the session's start, each
    ``slot_minutes`` long, with ``break_minutes`` between them and ``pause_minutes`` after
    every ``pause_after`` slots; the last slot ends at or before the session's end (a slot
    that would run past it is not made). Refuses a session that holds no slot at all."""
    check_session_plan(plan)
    start, end = to_utc(plan.starts_at), to_utc(plan.ends_at)
    slot = timedelta(minutes=plan.slot_minutes)
    slots: list[tuple[datetime, datetime]] = []
    at = start
    while at + slot <= end:
        slots.append((at, at + slot))
        long_pause = plan.pause_after and len(slots) % plan.pause_after == 0
        at += slot + timedelta(minutes=plan.pause_minutes if long_pause
                               else plan.break_minutes)
    if not slots:
        raise DomainError(N_("In deze sessie past geen enkel pitch-slot: maak de sessie langer "
                             "of de slots korter."), rule="R-PITCH-1", field="slot_minutes")
    return slots


def check_session_plan(plan: SessionPlan) -> None:
    """The shape of a session: it ends after it starts, slots last between 5 minutes and
    4 hours, breaks are not negative and at most 4 hours, a longer pause comes after at
    least one slot."""
    if to_utc(plan.ends_at) <= to_utc(plan.starts_at):
        raise DomainError(N_("Het einde van de sessie moet na het begin liggen."),
                          field="ends_at")
    low, high = SLOT_MINUTES
    if not low <= plan.slot_minutes <= high:
        raise DomainError(N_("Een pitch-slot duurt tussen %(low)s en %(high)s minuten."),
                          field="slot_minutes", low=low, high=high)
    for value, name in ((plan.break_minutes, "break_minutes"),
                        (plan.pause_minutes, "pause_minutes")):
        if not 0 <= value <= BREAK_MINUTES_MAX:
            raise DomainError(N_("Een pauze duurt tussen 0 en %(high)s minuten."), field=name,
                              high=BREAK_MINUTES_MAX)
    if plan.pause_after is not None and plan.pause_after < 1:
        raise DomainError(N_("Een langere pauze volgt na minstens één pitch."),
                          field="pause_after")


def check_no_overlap(starts_at: datetime, ends_at: datetime,
                     planned: Sequence[tuple[datetime, datetime]]) -> None:
    """Issue 13: the jury cannot be in two places at once, so the pitch sessions and pitch
    moments of one procedure (one jury) may not overlap. Touching is allowed: a session
    may start at the instant the previous one ends."""
    start, end = to_utc(starts_at), to_utc(ends_at)
    for other_start, other_end in planned:
        if start < to_utc(other_end) and to_utc(other_start) < end:
            raise DomainError(
                N_("Dit overlapt met de pitches van %(start)s tot %(end)s: de jury kan niet op "
                   "twee plaatsen tegelijk zijn. Kies een ander uur."),
                rule="R-PITCH-1", field="starts_at", start=format_brussels(other_start),
                end=format_brussels(other_end))


def check_pick_open(pick_until: datetime | None, now: datetime) -> None:
    """Issue 13: an organisation chooses its own slot only in a session the coordinator
    opened for it (``pick_until``), and only before that moment; after it, the coordinator
    assigns (first come, first served until then)."""
    if pick_until is None:
        raise DomainError(N_("In deze sessie wijst de coördinator de pitch-slots toe."),
                          rule="R-PITCH-1", field="slot")
    if to_utc(now) >= to_utc(pick_until):
        raise DomainError(N_("Kiezen kon tot %(until)s; de coördinator wijst u nu een slot toe."),
                          rule="R-PITCH-1", field="slot", until=format_brussels(pick_until))


def check_changes_procedure(same_work_area: bool, ratified: bool) -> None:
    """R-DYN-1 (issue 12: "a later procedure of a work area links to the partnership it
    changes"): a later matching changes the partnership an earlier procedure of the same
    work area formed, so it names a ratified procedure of that work area.

    Call text, section 5: "Tenslotte wordt ook een “right to challenge” ingesteld voor
    partnerschappen met een lange looptijd, waarbij na een vastgelegde periode (…) actoren
    die denken toegevoegde waarde te kunnen bieden, vanuit bovenstaande logica in een door
    ESF vormgegeven proces kunnen stappen"; DOMAIN.md R-DYN-1: "A partnership's composition
    can change later (…); such a matching meets the same criteria as the call for
    interest"."""
    if not same_work_area:
        raise DomainError(N_("Een latere procedure wijzigt een partnerschap van hetzelfde "
                             "werkingsgebied."), rule="R-DYN-1", field="changes_procedure_id")
    if not ratified:
        raise DomainError(N_("Een latere procedure wijzigt enkel een partnerschap van een "
                             "procedure die Europa WSE bekrachtigde."), rule="R-DYN-1",
                          field="changes_procedure_id")
