"""R-OBS-1: the six procedural conditions Europa WSE checks before it ratifies.

Pure: no Flask, no SQLAlchemy, no clock. Each condition is a function of the procedure's
facts (:mod:`matching.oversight.facts`, loaded in bulk by
:mod:`matching.oversight.facts_queries`), and ``now`` where a deadline matters, returning
met, not met or not yet determinable, with the findings that prove it. A finding names the
record it is about (``c12`` is candidacy 12, ``a3`` appeal 3, ``l7`` letter 7, ``addendum``,
``jury``, ``audit``), so the observer reaches the evidence with one click.

Call text, section 6, "Rol Europa WSE": "De rol van Europa WSE is in deze fase (fase 3)
beperkt tot het bekrachtigen van het proces dat is gelopen in deze call for interest. Ze
kijkt hierbij na of het proces voldoet aan de volgende voorwaarden:
1. Het proces kan overal in Vlaanderen worden toegepast;
2. Het proces nodigt organisaties apart uit (nog niet in consortium);
3. Het proces is toegankelijk voor alle organisaties (excl. VDAB en lokale besturen die
   al betrokken zijn vanaf stap 2 van het partnerschapsvormingsproces) om op een gelijke
   basis deel te nemen;
4. Het proces bouwt voort op de resultaten van stap 2 van het
   partnerschapsvormingsproces;
5. Het proces is grondig gedocumenteerd en maakt transparant hoe de selectie is
   genomen/onderbouwd;
6. Het proces biedt de mogelijkheid tot weerwoord indien non-selectie."

Status: a condition with a failing finding is *not met*, whatever the stage; without
one it is *met* only once the procedure reached the stage where the whole condition can
be checked (e.g. the appeals only after every appeal window closed), and *not yet
determinable* before.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from juries.rules import MAX_SCORE, MIN_SCORE, THRESHOLD, Bloc, ballot_outcome
from matching.accounts.rules import OrganisationKind
from matching.candidacies.rules import (
    ROUND_ENTRY_STATE,
    CandidacyState,
    Criterion,
    is_local_government_of_work_area,
)
from matching.core.dates import format_brussels, to_utc
from matching.core.errors import N_, DomainError
from matching.oversight.facts import (
    ConditionResult,
    Finding,
    ProcedureFacts,
    Status,
    all_decided,
    candidacy_names,
    decisions_by_round,
    in_procedure,
    reached,
    result,
    reversed_on_appeal,
)
from matching.oversight.record_rules import condition_5, condition_6
from workareas.rules import ProcedureState, earliest_candidacy_deadline

C = CandidacyState
_BLOCS = {b.value: b for b in Bloc}  # Bloc(value), without the enum's call per vote
_CRITERIA = len(Criterion)

# --- 1. the same standard procedure -------------------------------------------------------------

#: The state a candidacy reaches after a round, by whether it passed the threshold.
_AFTER_ROUND = {(1, True): C.SELECTED_FOR_PITCH, (1, False): C.NOT_SELECTED_R1,
                (2, True): C.ADMITTED_TO_STEP4, (2, False): C.NOT_SELECTED_R2}
#: States that prove a round's outcome (later states of a selected candidacy included).
_PASSED_R1 = {C.SELECTED_FOR_PITCH, C.ADMITTED_TO_STEP4, C.NOT_SELECTED_R2}


def condition_1(facts: ProcedureFacts) -> ConditionResult:
    """Condition 1, "Het proces kan overal in Vlaanderen worden toegepast": the standard
    criteria (R-JURY-2), the scale 1–4 (R-JURY-3), ⅔ of one vote per organisation
    (R-JURY-4) and the threshold of 3 on both criteria (R-JURY-5), with no local
    deviation. Checked on the records: every decision is on a standard criterion and the
    scale; every ballot's outcome is the ⅔ majority of its bloc votes; every candidacy's
    state follows from its round's scores and the threshold (or from a reversed appeal).
    """
    names, findings = candidacy_names(facts), []
    standard = {c.value for c in Criterion}
    for d in facts.decisions:
        where = f"c{d.candidacy_id}"
        if d.criterion not in standard:
            findings.append(Finding(False, N_("%(who)s: beslissing op een criterium dat niet in "
                                              "de oproep staat (%(criterion)s)."),
                                    {"who": names.get(d.candidacy_id, "?"),
                                     "criterion": d.criterion}, where))
        if not MIN_SCORE <= d.score <= MAX_SCORE:
            findings.append(Finding(False, N_("%(who)s: score %(score)s ligt buiten de schaal "
                                              "1 tot 4."),
                                    {"who": names.get(d.candidacy_id, "?"), "score": d.score},
                                    where))
        if d.method == "ballot":
            votes = {_BLOCS.get(b) or Bloc(b): s for b, s in d.ballot_votes.items()}
            if ballot_outcome(votes) != d.score or d.ballot_outcome != d.score:
                findings.append(Finding(
                    False, N_("%(who)s: de stemming geeft niet de ⅔-meerderheid "
                              "van één stem per organisatie als uitkomst."),
                    {"who": names.get(d.candidacy_id, "?")}, where))
    by_round, reversed_ = decisions_by_round(facts), reversed_on_appeal(facts)
    checked = 0
    for c in in_procedure(facts):
        for round_no in (1, 2):
            scores = by_round.get((c.id, round_no), {})
            if set(scores) != standard or c.state == ROUND_ENTRY_STATE[round_no]:
                continue  # not decided yet, or decided but the round not closed yet
            checked += 1
            passed = all(d.score >= THRESHOLD for d in scores.values())
            if not _state_fits(c.state, round_no, passed, (c.id, round_no) in reversed_):
                findings.append(Finding(False, N_("%(who)s: de toestand '%(state)s' volgt niet uit "
                                                  "de scores van ronde %(round)s en de drempel "
                                                  "van 3 op beide criteria."),
                                        {"who": names[c.id], "state": c.state.value,
                                         "round": round_no}, f"c{c.id}"))
    findings.append(Finding(True, N_("%(n)s beslissingen per ronde getoetst aan de twee criteria, "
                                     "de schaal 1–4, de ⅔-regel en de drempel van 3."),
                            {"n": checked}, "kandidaturen"))
    return result(1, findings, all_decided(facts))


def _state_fits(state: CandidacyState, round_no: int, passed: bool, reversed_: bool) -> bool:
    if state == C.WITHDRAWN:
        return True
    if round_no == 1:
        if passed or reversed_:
            return state in _PASSED_R1
        return state == C.NOT_SELECTED_R1
    if passed or reversed_:
        return state == C.ADMITTED_TO_STEP4
    return state == C.NOT_SELECTED_R2


# --- 2. organisations invited separately ------------------------------------------------------

def condition_2(facts: ProcedureFacts) -> ConditionResult:
    """Condition 2, "Het proces nodigt organisaties apart uit (nog niet in consortium)"
    (R-CAND-1: "Organisaties dienen zich individueel kandidaat te stellen en kunnen zich
    niet in een partnerschap of als consortium aanbieden."): every submitted candidacy
    carries the individual-application declaration and no organisation has two
    candidacies in the procedure."""
    names, findings = candidacy_names(facts), []
    submitted = in_procedure(facts)
    for c in submitted:
        if not c.declares_individual:
            findings.append(Finding(False, N_("%(who)s: de verklaring dat de organisatie zich "
                                              "individueel kandidaat stelt ontbreekt."),
                                    {"who": names[c.id]}, f"c{c.id}"))
    counts = Counter(c.organisation_id for c in facts.candidacies)
    for c in facts.candidacies:
        if counts[c.organisation_id] > 1:
            findings.append(Finding(False, N_("%(who)s: de organisatie heeft meer dan één "
                                              "kandidatuur in deze procedure."),
                                    {"who": names[c.id]}, f"c{c.id}"))
    findings.append(Finding(True, N_("%(n)s ingediende kandidaturen, elk van één organisatie met "
                                     "de verklaring van individuele kandidaatstelling."),
                            {"n": len(submitted)}, "kandidaturen"))
    return result(2, findings, reached(facts, ProcedureState.CANDIDACY_CLOSED))


# --- 3. open on an equal basis ----------------------------------------------------------------

def condition_3(facts: ProcedureFacts) -> ConditionResult:
    """Condition 3, "Het proces is toegankelijk voor alle organisaties (excl. VDAB en
    lokale besturen die al betrokken zijn vanaf stap 2 ...) om op een gelijke basis deel
    te nemen": the addendum was public at least six weeks before the deadline (R-ADD-2:
    "Partners krijgen minimaal 6 weken tijd om zich kandidaat te stellen nadat de lokale
    noden van een werkingsgebied zijn gepubliceerd"); no VDAB nor a local government of
    the work area among the candidates (R-CAND-2); every candidacy received before the
    deadline was assessed in round 1, unless withdrawn or declared inadmissible with a
    recorded reason."""
    names, findings = candidacy_names(facts), []
    if facts.published_at and facts.candidacy_deadline:
        earliest = earliest_candidacy_deadline(facts.published_at)
        ok = to_utc(facts.candidacy_deadline) >= earliest
        days = (to_utc(facts.candidacy_deadline) - to_utc(facts.published_at)) / timedelta(days=1)
        findings.append(Finding(
            ok, N_("Gepubliceerd op %(published)s, deadline %(deadline)s: %(days)s dagen "
                   "(minstens 6 weken vereist).") if ok else
            N_("Gepubliceerd op %(published)s, deadline %(deadline)s: slechts %(days)s dagen, "
               "minder dan de vereiste 6 weken."),
            {"published": format_brussels(facts.published_at),
             "deadline": format_brussels(facts.candidacy_deadline),
             "days": f"{days:.1f}".replace(".", ",")}, "addendum"))
    for c in in_procedure(facts):
        if (c.organisation_kind == "VDAB" or c.organisation_id in facts.area_government_ids
                or is_local_government_of_work_area(OrganisationKind(c.organisation_kind),
                                                    c.seat_nis_code, facts.area_nis_codes)):
            findings.append(Finding(False, N_("%(who)s: VDAB of een lokaal bestuur van het "
                                              "werkingsgebied mag zich niet kandidaat stellen."),
                                    {"who": names[c.id]}, f"c{c.id}"))
    assessed_by_stage = reached(facts, ProcedureState.ROUND_2)
    round1 = decisions_by_round(facts)
    assessed = 0
    inadmissibility_letters = {lt.candidacy_id for lt in facts.letters if lt.round == 0}
    for c in in_procedure(facts):
        if c.state == C.INADMISSIBLE:
            if not (c.inadmissible_reason or "").strip():
                findings.append(Finding(False, N_("%(who)s: onontvankelijk zonder vastgelegde "
                                                  "reden."), {"who": names[c.id]}, f"c{c.id}"))
            if c.id not in inadmissibility_letters:
                # issue 12: "Alle kandidaten ontvangen een e-mail met de gemotiveerde
                # beslissing" (call text, section 6), the inadmissible ones too
                findings.append(Finding(False, N_("%(who)s: onontvankelijk verklaard zonder "
                                                  "gemotiveerde brief."), {"who": names[c.id]},
                                        f"c{c.id}"))
            continue
        if c.state == C.WITHDRAWN:
            continue
        if len(round1.get((c.id, 1), {})) == _CRITERIA:
            assessed += 1
        elif assessed_by_stage:
            findings.append(Finding(False, N_("%(who)s: tijdig ingediend maar niet beoordeeld in "
                                              "ronde 1."), {"who": names[c.id]}, f"c{c.id}"))
    findings.append(Finding(True, N_("%(n)s kandidaturen beoordeeld in ronde 1; onontvankelijke "
                                     "en ingetrokken kandidaturen met hun reden."),
                            {"n": assessed}, "kandidaturen"))
    return result(3, findings, facts.published_at is not None and assessed_by_stage)


# --- 4. builds on step 2 ------------------------------------------------------------------------

def condition_4(facts: ProcedureFacts) -> ConditionResult:
    """Condition 4, "Het proces bouwt voort op de resultaten van stap 2": the addendum
    holds the local needs with their motivation and the regional challenges (R-ADD-1),
    and every candidacy addresses at least one of those challenges (R-CAND-3: "de unieke
    bijdrage ... aan één of meerdere regio-uitdagingen")."""
    names, findings = candidacy_names(facts), []
    if facts.published_at is not None:
        if not facts.needs:
            findings.append(Finding(False, N_("Het addendum bevat geen lokale noden."), {},
                                    "addendum"))
        for need in facts.needs:
            if not need.motivation.strip():
                findings.append(Finding(False, N_("Lokale nood '%(title)s' zonder motivering."),
                                        {"title": need.title}, "addendum"))
        if not facts.challenge_codes:
            findings.append(Finding(False, N_("Het addendum bevat geen regio-uitdagingen."), {},
                                    "addendum"))
        findings.append(Finding(True, N_("Het addendum bevat %(needs)s lokale noden met motivering "
                                         "en %(challenges)s regio-uitdagingen."),
                                {"needs": len(facts.needs),
                                 "challenges": len(facts.challenge_codes)}, "addendum"))
    for c in in_procedure(facts):
        if c.state == C.WITHDRAWN:
            continue
        if not c.challenge_codes & facts.challenge_codes:
            findings.append(Finding(False, N_("%(who)s: de kandidatuur speelt op geen enkele "
                                              "regio-uitdaging van het addendum in."),
                                    {"who": names[c.id]}, f"c{c.id}"))
    return result(4, findings, reached(facts, ProcedureState.CANDIDACY_CLOSED))


CONDITIONS: Sequence[Callable[..., ConditionResult]] = (
    condition_1, condition_2, condition_3, condition_4, condition_5, condition_6)


def without_clock(facts: ProcedureFacts) -> list[ConditionResult]:
    """Conditions 1 to 5 of one procedure, in order: they read the facts only, not the
    clock (the same facts give the same findings at any moment)."""
    return [condition_1(facts), condition_2(facts), condition_3(facts), condition_4(facts),
            condition_5(facts)]


def evaluate(facts: ProcedureFacts, now: datetime) -> list[ConditionResult]:
    """The six conditions of one procedure, in order (condition 6 reads the clock: an appeal
    window closes)."""
    return [*without_clock(facts), condition_6(facts, now)]


def unmet(results: Sequence[ConditionResult]) -> list[int]:
    """The numbers of the conditions that are not (yet) met: ratification needs none."""
    return [r.number for r in results if r.status != Status.MET]


def check_decision_after_answer(unanswered_refusal: bool) -> None:
    """Issue 11 (R-OBS-1): after a motivated refusal to ratify, the coordinators answer
    and the observer then decides again, ratifying or refusing again; not before the
    answer."""
    if unanswered_refusal:
        raise DomainError(N_("De coördinatoren hebben de vorige weigering nog niet "
                             "beantwoord; beslis opnieuw na hun antwoord."), rule="R-OBS-1")
