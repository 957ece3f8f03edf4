"""R-OBS-1, conditions 5 and 6: the record documents how the selection was made, and it
offers an appeal against a non-selection. The conditions 1 to 4 and their evaluation are in
:mod:`matching.oversight.rules`.

Pure: no Flask, no SQLAlchemy, no clock (``now`` is an argument).
"""

from __future__ import annotations

from datetime import datetime

from appeals.rules import OPEN_APPEAL_STATES
from juries.rules import Bloc
from matching.candidacies.rules import (
    CandidacyState,
    Criterion,
    effective_appeal_deadline,
)
from matching.core.dates import format_brussels, to_utc
from matching.core.errors import N_
from matching.oversight.facts import (
    ConditionResult,
    Finding,
    ProcedureFacts,
    all_decided,
    candidacy_names,
    decisions_by_round,
    result,
)

C = CandidacyState

# --- 5. documented and transparent ------------------------------------------------------------

MIN_MOTIVATION = 10  # as the database's CHECK on jury_decision.motivation


def condition_5(facts: ProcedureFacts) -> ConditionResult:
    """Condition 5, "Het proces is grondig gedocumenteerd en maakt transparant hoe de
    selectie is genomen/onderbouwd": every final score has its motivation (R-JURY-6);
    every decision records its method, consensus or the ballot with each organisation's
    vote (R-JURY-4); the jury had VDAB, the local government and an external at every
    decision (R-JURY-1); every decided candidate has its decision letter and the moment
    it received it (R-APP-1); the audit trail verifies."""
    names, findings = candidacy_names(facts), []
    blocs = {b.value for b in Bloc}
    ballots = 0
    for d in facts.decisions:
        who, where = names.get(d.candidacy_id, "?"), f"c{d.candidacy_id}"
        if d.motivation_length < MIN_MOTIVATION:
            findings.append(Finding(False, N_("%(who)s: score van ronde %(round)s zonder "
                                              "motivering."), {"who": who, "round": d.round},
                                    where))
        if d.method == "ballot":
            ballots += 1
            if d.ballot_state != "decided" or len(d.ballot_votes) < 2:
                findings.append(Finding(False, N_("%(who)s: stemming zonder de stem van de "
                                                  "organisaties vastgelegd."), {"who": who}, where))
        elif d.method != "consensus":
            findings.append(Finding(False, N_("%(who)s: beslissing zonder beslissingsmethode."),
                                    {"who": who}, where))
        if not blocs <= set(filter(None, d.jury_blocs.split(","))):
            findings.append(Finding(False, N_("%(who)s: bij de beslissing van ronde %(round)s was "
                                              "de jury niet volledig (VDAB, lokaal bestuur, "
                                              "externe)."), {"who": who, "round": d.round}, where))
    letters = {(lt.candidacy_id, lt.round) for lt in facts.letters}
    notices = {(n.candidacy_id, n.round) for n in facts.notices}
    states = {c.id: c.state for c in facts.candidacies}
    criteria = len(Criterion)
    decided_rounds = {key for key, scores in decisions_by_round(facts).items()
                      if len(scores) == criteria}
    # While the procedure runs, a decision may still await its letter (a round not closed,
    # a pitch not planned): that is pending, not a failure. Once everything is decided,
    # every candidate must have it; a candidacy withdrawn before its letter needs none.
    final, pending = all_decided(facts), 0
    for candidacy_id, round_no in sorted(decided_rounds):
        who, where = names.get(candidacy_id, "?"), f"c{candidacy_id}"
        if (candidacy_id, round_no) not in letters:
            if states.get(candidacy_id) == C.WITHDRAWN:
                continue
            if not final:
                pending += 1
                continue
            findings.append(Finding(
                False, N_("%(who)s: geen beslissingsbrief voor ronde %(round)s."),
                {"who": who, "round": round_no}, where))
        elif (candidacy_id, round_no) not in notices:
            if not final:
                pending += 1
                continue
            findings.append(Finding(False, N_("%(who)s: het moment van ontvangst van de beslissing "
                                              "van ronde %(round)s ontbreekt."),
                                    {"who": who, "round": round_no}, where))
    if pending:
        findings.append(Finding(True, N_("%(n)s beslissingen wachten nog op hun brief of de "
                                         "ontvangst ervan."), {"n": pending}, "brieven"))
    findings.append(Finding(True, N_("%(n)s gemotiveerde beslissingen, waarvan %(ballots)s via "
                                     "stemming; %(letters)s beslissingsbrieven."),
                            {"n": len(facts.decisions), "ballots": ballots,
                             "letters": len(letters)}, "kandidaturen"))
    if facts.audit_intact is False:
        findings.append(Finding(False, N_("De audittrail klopt niet meer vanaf gebeurtenis "
                                          "%(event)s."), {"event": facts.audit_broken_event},
                                "audit"))
    elif facts.audit_intact and facts.audit_full_at is not None:
        findings.append(Finding(True, N_("De audittrail (%(n)s gebeurtenissen) klopt: volledig "
                                         "nagerekend op %(at)s; de latere gebeurtenissen werden "
                                         "nagerekend bij het nagaan van deze voorwaarden."),
                                {"n": facts.audit_events,
                                 "at": format_brussels(facts.audit_full_at)}, "audit"))
    elif facts.audit_intact:
        findings.append(Finding(True, N_("De audittrail (%(n)s gebeurtenissen) is geverifieerd: "
                                         "elke schakel klopt."), {"n": facts.audit_events},
                                "audit"))
    complete = final and facts.audit_intact is not None
    return result(5, findings, complete)


# --- 6. appeal on non-selection -----------------------------------------------------------------

def condition_6(facts: ProcedureFacts, now: datetime) -> ConditionResult:
    """Condition 6, "Het proces biedt de mogelijkheid tot weerwoord indien non-selectie"
    (R-APP-1..3): every non-selection letter states the appeal modalities and deadline;
    every appeal was judged by two matchmakers who were not on the jury, each with a
    motivation; no appeal is left open once the procedure is decided (before, an appeal
    under review is pending, not a failure). Met only once every appeal window closed."""
    names, findings = candidacy_names(facts), []
    received = {(n.candidacy_id, n.round): n.received_at for n in facts.notices}
    appealed = {(a.candidacy_id, a.round) for a in facts.appeals}
    windows_open = False
    non_selection = 0
    now_utc = to_utc(now)
    for lt in facts.letters:
        if lt.selected:
            continue
        non_selection += 1
        who = names.get(lt.candidacy_id, "?")
        if lt.appeal_deadline is None and lt.round == 0:
            findings.append(Finding(False, N_("%(who)s: de brief van onontvankelijkheid vermeldt "
                                              "de termijn voor een weerwoord niet."),
                                    {"who": who}, f"l{lt.id}"))
        elif lt.appeal_deadline is None:
            findings.append(Finding(False, N_("%(who)s: de brief van niet-selectie van ronde "
                                              "%(round)s vermeldt de termijn voor een weerwoord "
                                              "niet."), {"who": who, "round": lt.round},
                                    f"l{lt.id}"))
        key = (lt.candidacy_id, lt.round)
        at = received.get(key)
        if key not in appealed and (
                at is None or now_utc <= effective_appeal_deadline(at, lt.appeal_deadline)):
            windows_open = True
    # issue 12: an inadmissibility is appealed like a non-selection; without its letter the
    # organisation never learnt how and until when
    lettered = {(lt.candidacy_id, lt.round) for lt in facts.letters}
    for c in facts.candidacies:
        if c.state == CandidacyState.INADMISSIBLE and (c.id, 0) not in lettered:
            findings.append(Finding(False, N_("%(who)s: onontvankelijk verklaard zonder brief "
                                              "die de weg en de termijn voor een weerwoord "
                                              "noemt."), {"who": names.get(c.id, "?")},
                                    f"c{c.id}"))
    final = all_decided(facts)
    for a in facts.appeals:
        who, where = names.get(a.candidacy_id, "?"), f"a{a.id}"
        if a.state in OPEN_APPEAL_STATES:
            # While the procedure runs an appeal under review is normal; once everything is
            # decided, an open appeal means a non-selection was never judged.
            findings.append(Finding(not final, N_("%(who)s: het weerwoord van ronde %(round)s is "
                                                  "nog niet beslist."),
                                    {"who": who, "round": a.round}, where))
            continue
        members = [m for m in a.panel]
        if len({m.user_id for m in members}) != 2:
            findings.append(Finding(False, N_("%(who)s: het weerwoord werd niet door precies twee "
                                              "matchmakers beoordeeld."), {"who": who}, where))
        if any(m.user_id in facts.jury for m in members):
            findings.append(Finding(False, N_("%(who)s: een lid van het weerwoordpanel zat in de "
                                              "oorspronkelijke jury."), {"who": who}, where))
        if any(not m.position or not (m.motivation or "").strip() for m in members):
            findings.append(Finding(False, N_("%(who)s: een lid van het weerwoordpanel gaf geen "
                                              "gemotiveerd standpunt."), {"who": who}, where))
    decided = sum(1 for a in facts.appeals if a.state not in OPEN_APPEAL_STATES)
    findings.append(Finding(True, N_("%(letters)s brieven van niet-selectie met de termijn voor "
                                     "een weerwoord; %(appeals)s weerwoorden beslist door twee "
                                     "onafhankelijke matchmakers."),
                            {"letters": non_selection, "appeals": decided}, "weerwoorden"))
    if windows_open:
        findings.append(Finding(True, N_("Er loopt nog een termijn voor een weerwoord."), {},
                                "weerwoorden"))
    return result(6, findings, final and not windows_open
                   and not any(a.state in OPEN_APPEAL_STATES for a in facts.appeals))
