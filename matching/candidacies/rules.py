"""Pure rules of the candidacy: its state machine, who may apply and what it holds
(R-CAND-*), the two criteria and their assessment questions it answers (R-JURY-2), its
attachments, and the appeal window its decision letters open (R-APP-1).

No Flask, no SQLAlchemy, no clock: ``now`` is an argument.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import datetime, timedelta

from matching.accounts.rules import OrganisationKind, is_local_government
from matching.core.dates import format_brussels, period_end, to_utc
from matching.core.errors import N_, DomainError, Labels
from matching.core.states import next_state
from workareas.rules import ProcedureState


class CandidacyState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INADMISSIBLE = "inadmissible"
    WITHDRAWN = "withdrawn"
    SELECTED_FOR_PITCH = "selected_for_pitch"
    NOT_SELECTED_R1 = "not_selected_r1"
    ADMITTED_TO_STEP4 = "admitted_to_step4"
    NOT_SELECTED_R2 = "not_selected_r2"


#: "Het matchingsproces bestaat uit 2 rondes" (call text, section 6).
ROUNDS = (1, 2)


def check_round(round_no: int) -> int:
    if round_no not in ROUNDS:
        raise DomainError(N_("Er zijn enkel ronde 1 en ronde 2."), field="round")
    return round_no


class CandidacyStep(str, enum.Enum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    DECLARE_INADMISSIBLE = "declare_inadmissible"
    SELECT_R1 = "select_r1"
    REJECT_R1 = "reject_r1"
    ADMIT_R2 = "admit_r2"
    REJECT_R2 = "reject_r2"
    REVERSE_ON_APPEAL = "reverse_on_appeal"


C, CS = CandidacyState, CandidacyStep


CANDIDACY_TRANSITIONS: Mapping[tuple[CandidacyState, CandidacyStep], CandidacyState] = {
    (C.DRAFT, CS.SUBMIT): C.SUBMITTED,
    (C.DRAFT, CS.WITHDRAW): C.WITHDRAWN,
    (C.SUBMITTED, CS.WITHDRAW): C.WITHDRAWN,
    (C.SUBMITTED, CS.DECLARE_INADMISSIBLE): C.INADMISSIBLE,
    (C.SUBMITTED, CS.SELECT_R1): C.SELECTED_FOR_PITCH,
    (C.SUBMITTED, CS.REJECT_R1): C.NOT_SELECTED_R1,
    (C.SELECTED_FOR_PITCH, CS.WITHDRAW): C.WITHDRAWN,
    (C.SELECTED_FOR_PITCH, CS.ADMIT_R2): C.ADMITTED_TO_STEP4,
    (C.SELECTED_FOR_PITCH, CS.REJECT_R2): C.NOT_SELECTED_R2,
    (C.NOT_SELECTED_R1, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R1, CS.REVERSE_ON_APPEAL): C.SELECTED_FOR_PITCH,
    (C.NOT_SELECTED_R2, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R2, CS.REVERSE_ON_APPEAL): C.ADMITTED_TO_STEP4,
    # issue 12: an inadmissibility reversed on appeal is assessed after all (round 1)
    (C.INADMISSIBLE, CS.REVERSE_ON_APPEAL): C.SUBMITTED,
}


#: States in which a candidacy awaits the jury's decision of a round.
ROUND_ENTRY_STATE = {1: C.SUBMITTED, 2: C.SELECTED_FOR_PITCH}


#: States a non-selected candidacy is in after a round; the appeal can reverse them.
NOT_SELECTED_STATE = {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}


#: States after which nothing more happens to the candidacy (barring an appeal).
FINAL_CANDIDACY_STATES = frozenset({C.INADMISSIBLE, C.WITHDRAWN, C.NOT_SELECTED_R1,
                                    C.ADMITTED_TO_STEP4, C.NOT_SELECTED_R2})


def next_candidacy_state(state: CandidacyState, step: CandidacyStep) -> CandidacyState:
    return next_state(CANDIDACY_TRANSITIONS, N_("kandidatuur"), state, step,
                      CANDIDACY_STATE_LABELS)


def allowed_candidacy_steps(state: CandidacyState) -> frozenset[CandidacyStep]:
    return frozenset(step for (s, step) in CANDIDACY_TRANSITIONS if s == state)


CANDIDACY_STATE_LABELS = {
    CandidacyState.DRAFT: N_("concept (nog niet ingediend)"),
    CandidacyState.SUBMITTED: N_("ingediend"),
    CandidacyState.INADMISSIBLE: N_("onontvankelijk"),
    CandidacyState.WITHDRAWN: N_("ingetrokken"),
    CandidacyState.SELECTED_FOR_PITCH: N_("geselecteerd voor de pitch"),
    CandidacyState.NOT_SELECTED_R1: N_("niet geselecteerd na ronde 1"),
    CandidacyState.ADMITTED_TO_STEP4: N_("toegelaten tot stap 4"),
    CandidacyState.NOT_SELECTED_R2: N_("niet geselecteerd na ronde 2"),
}


#: The round a candidacy in this state awaits (display only).
AWAITED_ROUND = {state: round_no for round_no, state in ROUND_ENTRY_STATE.items()}


#: The step indicator: the steps in order, and which step each state is at.
STEPS = (N_("ingediend"), N_("ronde 1"), N_("pitch"), N_("ronde 2"), N_("stap 4"))


STEP_OF_STATE = {C.SUBMITTED: 0, C.NOT_SELECTED_R1: 1, C.SELECTED_FOR_PITCH: 2,
                 C.NOT_SELECTED_R2: 3, C.ADMITTED_TO_STEP4: 4}


class Criterion(str, enum.Enum):
    CRUCIAL_CONTRIBUTION = "crucial_contribution"
    FIT_FOR_PARTNERSHIP = "fit_for_partnership"


CRITERION_LABELS = {
    Criterion.CRUCIAL_CONTRIBUTION: N_("Cruciale bijdrage"),
    Criterion.FIT_FOR_PARTNERSHIP: N_("Fit for partnership"),
}

#: R-JURY-2: the four assessment questions per criterion, quoted from the call text
#: (section 6, "De jury beoordeelt deze criteria aan de hand van de volgende
#: beoordelingsvragen").
ASSESSMENT_QUESTIONS: Mapping[Criterion, tuple[str, str, str, str]] = {
    Criterion.CRUCIAL_CONTRIBUTION: (
        N_("Mate waarin de organisatie activiteiten voorstelt die een concreet (efficiënt en "
           "effectief) antwoord bieden op de vooropgestelde lokale noden en regio-uitdagingen;"),
        N_("Mate waarin de concrete activiteiten die de organisatie voorstelt een bijdrage vormt "
           "die andere kandiderende organisaties niet of onvoldoende kwalitatief kunnen leveren "
           "maar die essentieel is om aan de noden te voldoen;"),
        N_("Mate waarin onderbouwd wordt dat de organisatie de vereiste capaciteit en expertise "
           "(betreft doelgroep en de voorgestelde activiteiten) bezit om de voorgestelde "
           "activiteiten uit te voeren;"),
        N_("Voldoende concretisering inzake het principe van lokale verankering (via actuele "
           "inbedding in de lokale context en/of zich kunnen organiseren op voldoende "
           "aanwezigheid in die lokale context, zich zo lokaal mogelijk kunnen organiseren als "
           "nodig is vanuit klantperspectief)"),
    ),
    Criterion.FIT_FOR_PARTNERSHIP: (
        N_("Mate waarin een organisatie (of individu) concrete ervaring heeft met "
           "multidisciplinaire samenwerking (zowel binnen de eigen organisatie als met andere "
           "organisaties)"),
        N_("Mate waarin een organisatie de limieten van de door haar voorgestelde activiteiten "
           "erkent en kan aangeven welke complementaire activiteiten vanuit andere organisaties "
           "relevant zijn om de regio-uitdagingen aan te gaan."),
        N_("Mate waarin een organisatie vanuit eigen (positieve en negatieve) ervaringen haar "
           "engagement kan aantonen inzake samenwerking tussen verschillende organisaties"),
        N_("Mate waarin een organisatie kan aantonen dat ze gezamenlijk beslissingen kan nemen "
           "vanuit een gedeelde doelstelling, in openheid en gelijkwaardigheid met andere "
           "organisaties, mét oog voor ieders belangen."),
    ),
}


#: The eight assessment questions as answer keys: "crucial_contribution.1" ... (R-JURY-2).
QUESTION_KEYS = [f"{c.value}.{i}" for c in Criterion for i in range(1, 5)]
assert len(QUESTION_KEYS) == sum(len(q) for q in ASSESSMENT_QUESTIONS.values()) == 8


class Declaration(str, enum.Enum):
    """The declarations every candidacy carries (R-CAND-1, R-CAND-2)."""

    #: R-CAND-1: "Organisaties dienen zich individueel kandidaat te stellen en kunnen zich
    #: niet in een partnerschap of als consortium aanbieden."
    INDIVIDUAL = "individual"
    #: R-CAND-2: "Organisaties die alleen via facturatie hun kosten kunnen afrekenen, zijn
    #: de facto uitgesloten als partner."
    NOT_INVOICE_ONLY = "not_invoice_only"
    #: Call text, section 3/6: partners commit to exploring the organisation network.
    PARTNERSHIP_COMMITMENT = "partnership_commitment"
    #: Call text, section 5: "Organisaties die zich kandidaat stellen via deze call for
    #: interest engageren zich om bij goedkeuring het reeds vermelde Europa
    #: WSE-kwaliteitskader toe te passen" and "Aan de partnerschappen wordt dan ook een
    #: engagement gevraagd om dit kwaliteitsdenken toe te passen en erop gecoacht te willen
    #: en kunnen worden." (issue 12)
    QUALITY_FRAMEWORK = "quality_framework"


DECLARATION_TEXTS = {
    Declaration.INDIVIDUAL: N_("Onze organisatie stelt zich individueel kandidaat, niet in een "
                               "partnerschap of als consortium."),
    Declaration.NOT_INVOICE_ONLY: N_("Onze organisatie kan haar kosten anders dan enkel via "
                                     "facturatie afrekenen."),
    Declaration.PARTNERSHIP_COMMITMENT: N_("Onze organisatie engageert zich om te onderzoeken of "
                                           "ze wil instappen in een organisatienetwerk."),
    Declaration.QUALITY_FRAMEWORK: N_("Onze organisatie engageert zich om bij goedkeuring het "
                                      "kwaliteitskader van Europa WSE toe te passen en zich "
                                      "daarin te laten coachen."),
}


def is_local_government_of_work_area(kind: OrganisationKind, seat_nis_code: str | None,
                                     work_area_nis_codes: AbstractSet[str]) -> bool:
    """A local government (a municipality, an OCMW, an intermunicipal body or another local
    government) whose seat lies in one of the work area's municipalities: it is one of
    "de lokale besturen" of the work area, which take part since step 2 ("VDAB en de
    lokale besturen zoeken in elk werkingsgebied naar andere organisaties", section 6).
    Without a known seat, only the administrator's list of involved governments counts."""
    return (is_local_government(kind) and seat_nis_code is not None
            and seat_nis_code in work_area_nis_codes)


def check_may_apply(kind: OrganisationKind, involved_in_step2: bool,
                    seat_nis_code: str | None = None,
                    work_area_nis_codes: AbstractSet[str] = frozenset()) -> None:
    """R-CAND-2: everyone may apply on an equal basis, except VDAB and the local
    governments already involved in the work area from step 2.

    Call text, section 6, Rol Europa WSE, condition 3: "Het proces is toegankelijk
    voor alle organisaties (excl. VDAB en lokale besturen die al betrokken zijn vanaf
    stap 2 van het partnerschapsvormingsproces) om op een gelijke basis deel te
    nemen".

    "Involved" follows from the administrator's list of the work area
    (``involved_in_step2``) and from the data: a local government with its seat in the
    work area (:func:`is_local_government_of_work_area`).
    """
    if kind == OrganisationKind.VDAB:
        raise DomainError(N_("VDAB is vaste partner van elk partnerschap en kan zich niet "
                             "kandidaat stellen."), rule="R-CAND-2")
    if is_local_government(kind) and involved_in_step2:
        raise DomainError(N_("Dit lokaal bestuur is al betrokken bij het werkingsgebied sinds "
                             "stap 2 en kan zich niet kandidaat stellen."), rule="R-CAND-2")
    if is_local_government_of_work_area(kind, seat_nis_code, work_area_nis_codes):
        raise DomainError(N_("Dit lokaal bestuur heeft zijn zetel in het werkingsgebied: het is "
                             "betrokken sinds stap 2 en kan zich niet kandidaat stellen."),
                          rule="R-CAND-2")


def check_single_candidacy(existing_candidacies: int) -> None:
    """R-CAND-1: one candidacy per organisation per work area procedure.

    Call text: "Organisaties die zich voor meerdere werkingsgebieden kandidaat
    stellen, dienen een aparte kandidatuur in per werkingsgebied."
    """
    if existing_candidacies > 0:
        raise DomainError(N_("Deze organisatie heeft al een kandidatuur voor deze procedure; "
                             "per werkingsgebied is er één kandidatuur per organisatie."),
                          rule="R-CAND-1")


def check_declarations(declared: Mapping[Declaration, bool]) -> None:
    """R-CAND-1 and R-CAND-2: every declaration must be made before submission."""
    missing = [d for d in Declaration if not declared.get(d)]
    if missing:
        raise DomainError(N_("Bevestig alle verklaringen voor u indient: %(missing)s"),
                          rule="R-CAND-1", field="declarations",
                          missing=Labels((DECLARATION_TEXTS[d] for d in missing), sep=" "))


def check_before_deadline(now: datetime, deadline: datetime) -> None:
    """R-CAND-3: a candidacy is submitted before the deadline; after it, refused.

    The deadline instant itself is still on time.
    """
    if to_utc(now) > to_utc(deadline):
        raise DomainError(N_("De deadline voor kandidaturen (%(deadline)s) is verstreken."),
                          rule="R-CAND-3", deadline=format_brussels(deadline))


def check_contributions(contributions: Mapping[object, str], offered_challenges: set) -> None:
    """R-CAND-3: per chosen regional challenge (one or more) the unique contribution.

    Call text: "In de kandidatuur geven organisaties aan welke (unieke) bijdrage
    (activiteiten, expertise, ervaring, kennis, andere meerwaarde ...) ze kunnen
    leveren in functie van 1 of meerdere van de geformuleerde regio-uitdagingen."
    """
    chosen = {k: (v or "").strip() for k, v in contributions.items()}
    if not chosen:
        raise DomainError(N_("Kies minstens één regio-uitdaging en beschrijf uw bijdrage."),
                          rule="R-CAND-3", field="contributions")
    if not set(chosen) <= offered_challenges:
        raise DomainError(N_("Een gekozen regio-uitdaging hoort niet bij dit addendum."),
                          rule="R-CAND-3", field="contributions")
    if any(len(v) < 20 for v in chosen.values()):
        raise DomainError(N_("Beschrijf voor elke gekozen regio-uitdaging uw bijdrage "
                             "(minstens 20 tekens)."), rule="R-CAND-3", field="contributions")


def check_answers(answers: Mapping[str, str], question_keys: list[str]) -> None:
    """R-CAND-3 / R-JURY-2: the candidacy answers every assessment question."""
    empty = [k for k in question_keys if not (answers.get(k) or "").strip()]
    if empty:
        raise DomainError(N_("Beantwoord elke beoordelingsvraag (%(count)s nog leeg)."),
                          rule="R-CAND-3", field="answers", count=len(empty))


def check_inadmissibility_open(procedure_state: ProcedureState) -> None:
    """A candidacy is declared inadmissible at the check after the deadline, before the
    jury assesses it (the intake closed, round 1 running)."""
    if procedure_state not in (ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1):
        raise DomainError(N_("Een kandidatuur wordt onontvankelijk verklaard bij de controle na "
                             "de deadline, vóór de beoordeling."))


def check_editable(state: CandidacyState, now: datetime, deadline: datetime,
                   correcting: bool = False) -> None:
    """R-CAND-3: a draft is written and changed until the deadline; a submitted candidacy
    is changed only in a correction opened before the deadline (issue 13: "A submitted
    candidacy can be corrected (a new version, the earlier one kept) and attachments
    removed until the deadline")."""
    if state != CandidacyState.DRAFT and not (correcting and state == CandidacyState.SUBMITTED):
        raise DomainError(N_("Een ingediende kandidatuur kan enkel via een correctie worden "
                             "gewijzigd, tot de deadline."))
    check_before_deadline(now, deadline)


def check_correctable(state: CandidacyState, correcting: bool, intake_open: bool,
                      now: datetime, deadline: datetime) -> None:
    """Issue 13: the organisation opens a correction of its submitted candidacy while the
    intake is open and until the deadline (R-CAND-3: "Kandidaturen worden ingediend vóór de
    deadline"; the deadline instant itself is still on time). Not a draft (it is simply
    edited), not a withdrawn or decided candidacy, not twice at once."""
    if state != CandidacyState.SUBMITTED:
        raise DomainError(N_("Enkel een ingediende kandidatuur die nog niet beoordeeld is, kan "
                             "worden gecorrigeerd."), rule="R-CAND-3")
    if correcting:
        raise DomainError(N_("Er is al een correctie van deze kandidatuur geopend."),
                          rule="R-CAND-3")
    if not intake_open:
        raise DomainError(N_("De kandidaturen zijn afgesloten: een correctie is niet meer "
                             "mogelijk."), rule="R-CAND-3")
    check_before_deadline(now, deadline)


def correction_lapsed(correcting: bool, now: datetime, deadline: datetime) -> bool:
    """Issue 13: a correction opened but not resubmitted by the deadline lapses; the last
    submitted version stands (what the jury scores)."""
    return correcting and to_utc(now) > to_utc(deadline)


def answers_outdated(answered_addendum: int | None,
                     substantive_versions: Sequence[int]) -> bool:
    """Issue 12: a version of the addendum that adds or changes needs or regional
    challenges (``substantive_versions``, by number) came after the version the submitted
    candidacy answered: the organisation may update it until the deadline. Unknown
    (``None``: submitted before versions were kept) is not outdated."""
    return answered_addendum is not None and any(n > answered_addendum
                                                 for n in substantive_versions)


def check_withdrawable(state: CandidacyState, procedure_ratified: bool,
                       blockers: Sequence[str] = ()) -> None:
    """DOMAIN.md: withdrawn by the applicant any time before the final decision.

    The final decision is the admission to step 4, or the ratification of the procedure;
    a state without the withdraw step (already withdrawn, inadmissible) is refused by the
    state machine; ``blockers`` are refusals from elsewhere (an appeal under way).
    """
    if state == CandidacyState.ADMITTED_TO_STEP4 or procedure_ratified:
        raise DomainError(N_("Na de finale beslissing kan een kandidatuur niet meer worden "
                             "ingetrokken."))
    next_candidacy_state(state, CandidacyStep.WITHDRAW)
    if blockers:
        raise DomainError(blockers[0])


MAX_ATTACHMENT = 10 * 1024 * 1024
#: The quota per candidacy (configurable: ATTACHMENT_MAX_COUNT, ATTACHMENT_MAX_TOTAL_MB).
MAX_ATTACHMENTS_PER_CANDIDACY = 10
MAX_ATTACHMENTS_TOTAL = 30 * 1024 * 1024


def check_attachment_quota(sizes: Sequence[int], new_size: int, *, max_count: int,
                           max_total: int) -> None:
    """R-CAND-3 "Bijlagen zijn toegestaan" (section 5): allowed, but a candidacy is read
    by a jury in a few hours, so a candidacy carries at most ``max_count`` attachments of
    together at most ``max_total`` bytes (the call sets no number; each file is at most
    10 MB, ``MAX_ATTACHMENT``). Twelve files of 10 MB on one draft were accepted before."""
    if new_size > MAX_ATTACHMENT:
        raise DomainError(N_("Een bijlage is hoogstens 10 MB groot."), field="file",
                          rule="upload.too_large")
    if len(sizes) + 1 > max_count:
        raise DomainError(N_("Een kandidatuur heeft hoogstens %(count)s bijlagen. Voeg "
                             "documenten samen tot één bestand."), field="file",
                          rule="upload.quota", count=max_count)
    if sum(sizes) + new_size > max_total:
        raise DomainError(N_("De bijlagen van een kandidatuur zijn samen hoogstens "
                             "%(megabytes)s MB groot."), field="file", rule="upload.quota",
                          megabytes=max_total // (1024 * 1024))


#: R-APP-1: "tot 14 dagen na ontvangst van de e-mail"
APPEAL_WINDOW_DAYS = 14


def appeal_deadline(decision_received_at: datetime) -> datetime:
    """R-APP-1: the last instant at which an appeal (weerwoord) is on time.

    Call text, section 6, Beslissing: "Organisaties die niet geselecteerd zijn,
    kunnen tot 14 dagen na ontvangst van de e-mail waarin de beslissing wordt
    meegedeeld een beroep doen op een weerwoordprocedure."
    """
    return period_end(decision_received_at, APPEAL_WINDOW_DAYS)


def appeal_is_on_time(decision_received_at: datetime, now: datetime) -> bool:
    """R-APP-1: on time until 23:59:59 Brussels time on the 14th day after receipt
    (that whole last second included: 23:59:59.5 is still day 14)."""
    return to_utc(now) < appeal_deadline(decision_received_at) + timedelta(seconds=1)


#: The decisions an organisation may appeal, by "round": 0 is the inadmissibility at the
#: deadline check (DOMAIN.md, readings: "Inadmissibility … is a motivated decision with its
#: letter, and the organisation may appeal it like a non-selection"; call text, section 6:
#: "Alle kandidaten ontvangen een e-mail met de gemotiveerde beslissing").
APPEALABLE_STATE = {0: C.INADMISSIBLE, **NOT_SELECTED_STATE}


def appeal_round(state: CandidacyState) -> int | None:
    """The decision ("round"; 0: the inadmissibility) a candidacy in ``state`` could appeal,
    if any."""
    return next((r for r, s in APPEALABLE_STATE.items() if state == s), None)


def check_decision_round(round_no: int) -> int:
    """A decision whose receipt opens an appeal window: the inadmissibility (0) or a round."""
    if round_no != 0:
        check_round(round_no)
    return round_no


def effective_appeal_deadline(decision_received_at: datetime,
                              stated_deadline: datetime | None = None) -> datetime:
    """The later of the legal deadline (14 days after receipt) and the deadline the
    decision letter stated: the window is never shorter than what the letter promised
    (a letter delivered late, after retries, states a deadline counted from its date)."""
    legal = appeal_deadline(decision_received_at)
    return max(legal, to_utc(stated_deadline)) if stated_deadline else legal
