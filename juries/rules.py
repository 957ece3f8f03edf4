"""Pure rules of the local jury: composition, criteria, scale, votes, threshold.

No Flask, no SQLAlchemy, no clock. Source: call text, section 6 ("Lokale jury",
"Matchingsproces") and section 7 (noodprocedure).
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from matching.candidacies.rules import Criterion
from matching.core.errors import N_, DomainError, Labels


class Bloc(str, enum.Enum):
    """The three organisations that each hold one vote (R-JURY-4)."""

    VDAB = "VDAB"
    LOKAAL_BESTUUR = "LOKAAL_BESTUUR"
    EXTERN = "EXTERN"


BLOC_LABELS = {
    Bloc.VDAB: N_("VDAB"),
    Bloc.LOKAAL_BESTUUR: N_("lokaal bestuur"),
    Bloc.EXTERN: N_("onafhankelijke externe"),
}


class Method(str, enum.Enum):
    CONSENSUS = "consensus"
    BALLOT = "ballot"


METHOD_LABELS = {Method.CONSENSUS: N_("consensus"), Method.BALLOT: N_("stemming")}


class ConsensusState(str, enum.Enum):
    """A consensus recorded by a member who is not the chair (issue 13)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


CONSENSUS_STATE_LABELS = {
    ConsensusState.PENDING: N_("wacht op bevestiging"),
    ConsensusState.CONFIRMED: N_("bevestigd"),
    ConsensusState.WITHDRAWN: N_("ingetrokken of vervangen"),
}


#: R-JURY-3: the scale, quoted from the call text.
SCALE: Mapping[int, str] = {
    1: N_("Organisatie vertoont grote tekortkomingen betreffende de meeste criteria"),
    2: N_("Organisatie voldoet op enkele criteria, maar vertoont cruciale tekortkomingen op "
          "andere criteria"),
    3: N_("Organisatie voldoet op de meeste criteria, met beperkte tekortkomingen op andere "
          "criteria"),
    4: N_("Organisatie voldoet aan alle criteria"),
}


MIN_SCORE, MAX_SCORE = 1, 4


#: R-JURY-5: "een minimale score van 3"
THRESHOLD = 3


#: R-JURY-4: one vote each for VDAB, the local government and the external(s).
VOTES_PER_BALLOT = len(Bloc)


#: R-JURY-4: "de stem van de meerderheid (⅔) is doorslaggevend": 2 of 3 votes.
MAJORITY_NUMERATOR, MAJORITY_DENOMINATOR = 2, 3


def check_score(score: int) -> int:
    """R-JURY-3: a score is a whole number from 1 to 4."""
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise DomainError(N_("Een score is een geheel getal van 1 tot 4."), rule="R-JURY-3",
                          field="score")
    return score


def missing_blocs(blocs: Iterable[Bloc]) -> list[Bloc]:
    """Blocs that have no matchmaker among ``blocs`` (in the order of the call)."""
    present = set(blocs)
    return [b for b in Bloc if b not in present]


def jury_is_complete(blocs: Sequence[Bloc]) -> bool:
    """R-JURY-1: at least 3 matchmakers with at least one from each bloc."""
    return len(blocs) >= 3 and not missing_blocs(blocs)


def check_jury_composition(blocs: Sequence[Bloc], *, for_candidacy: str | None = None) -> None:
    """R-JURY-1: refuse a jury that cannot score.

    Call text, section 6, Lokale jury: "Deze bestaat uit minimaal 3 matchmakers
    (evaluatoren), waarvan minimaal 1 vertegenwoordiger van VDAB; minimaal 1
    vertegenwoordiger van het lokaal bestuur; minimaal 1 onafhankelijke externe, die
    expertise heeft op de matchingscriteria."

    ``blocs`` lists the bloc of every matchmaker (for a candidacy: every matchmaker
    without a conflict of interest for it).
    """
    missing = missing_blocs(blocs)
    if missing or len(blocs) < 3:
        names = Labels(BLOC_LABELS[b] for b in missing) if missing else "-"
        if for_candidacy:
            raise DomainError(
                N_("Zonder de matchmakers met een belangenconflict voldoet de jury niet meer "
                   "voor de kandidatuur van %(candidacy)s: minstens 3 matchmakers met minstens "
                   "1 van VDAB, 1 van het lokaal bestuur en 1 onafhankelijke externe "
                   "(ontbreekt: %(missing)s)."),
                rule="R-JURY-1", candidacy=for_candidacy, missing=names)
        raise DomainError(
            N_("De jury moet minstens 3 matchmakers tellen met minstens 1 van VDAB, 1 van het "
               "lokaal bestuur en 1 onafhankelijke externe (ontbreekt: %(missing)s)."),
            rule="R-JURY-1", missing=names)


MemberT = TypeVar("MemberT")  # whatever names a matchmaker (an account id)


def is_consensus(individual_scores: Mapping[MemberT, int], eligible: Iterable[MemberT],
                 score: int) -> bool:
    """R-JURY-4, first sentence: "De jury streeft naar consensus."

    Reading (DOMAIN.md): consensus means every matchmaker of the jury without a
    conflict for the candidacy agrees on the score. ``individual_scores`` maps a
    matchmaker to their score; ``eligible`` are the matchmakers without conflict.
    """
    eligible = list(eligible)
    return bool(eligible) and all(individual_scores.get(m) == score for m in eligible)


def check_consensus(individual_scores: Mapping[MemberT, int], eligible: Sequence[MemberT],
                    score: int, names: Mapping[MemberT, str]) -> None:
    """R-JURY-4: refuse a consensus on ``score`` unless every matchmaker without a conflict
    gave it, with the advice that fits the situation (issue 13):

    - someone has not scored yet: who;
    - everyone gave the same score, but not this one: the consensus is *their* score (not
      "the individual scores differ", which would be untrue);
    - the individual scores differ: there is no consensus, vote per organisation (⅔).

    Call text: "De jury streeft naar consensus. Indien de jury geen consensus vindt is de
    stem van de meerderheid (⅔) doorslaggevend".
    """
    check_score(score)
    if is_consensus(individual_scores, eligible, score):
        return
    missing = [names.get(m, str(m)) for m in eligible if m not in individual_scores]
    if missing or not eligible:
        raise DomainError(N_("Nog geen individuele score van: %(names)s."),
                          rule="R-JURY-4", names=", ".join(missing) or "-")
    given = {individual_scores[m] for m in eligible}
    if len(given) == 1:
        raise DomainError(N_("Alle matchmakers gaven score %(given)s, niet %(score)s: de "
                             "consensus is score %(given)s."), rule="R-JURY-4",
                          field="score", score=score, given=given.pop())
    raise DomainError(N_("Er is geen consensus over score %(score)s: de individuele scores "
                         "verschillen. Stem dan per organisatie (⅔)."),
                      rule="R-JURY-4", score=score)


def consensus_is_final(recorder_is_chair: bool) -> bool:
    """Issue 13: the consensus recorded by the member the jury chose as its chair counts at
    once; recorded by any other member it waits for a member of another organisation to
    confirm it. (The call only says "De jury streeft naar consensus"; the four-eyes rule
    keeps one matchmaker from deciding for the jury alone.)"""
    return recorder_is_chair


def check_confirmation(recorder: MemberT, recorder_bloc: Bloc, confirmer: MemberT,
                       confirmer_bloc: Bloc) -> None:
    """Issue 13: a pending consensus is confirmed by a second member of *another*
    organisation (bloc, R-JURY-4: "zowel VDAB, het lokaal bestuur als de onafhankelijke
    externe"); never by the recorder, nor by a colleague of the same organisation."""
    if confirmer == recorder:
        raise DomainError(N_("U legde deze consensus zelf vast: een jurylid van een andere "
                             "organisatie bevestigt ze."), rule="R-JURY-4")
    if Bloc(confirmer_bloc) == Bloc(recorder_bloc):
        raise DomainError(N_("U bent van dezelfde organisatie (%(bloc)s) als wie de consensus "
                             "vastlegde: een jurylid van een andere organisatie bevestigt ze."),
                          rule="R-JURY-4", bloc=BLOC_LABELS[Bloc(recorder_bloc)])


def ballot_outcome(votes: Mapping[Bloc, int]) -> int | None:
    """R-JURY-4: the score that has ⅔ of the three bloc votes, or None.

    Call text: "Indien de jury geen consensus vindt is de stem van de meerderheid (⅔)
    doorslaggevend, hierbij heeft zowel VDAB, het lokaal bestuur als de onafhankelijke
    externe 1 stem (ongeacht van het aantal matchmakers per organisatie)."

    ``votes`` holds at most one vote per bloc (a mapping cannot hold two); ⅔ is
    counted against all three votes, so 2 equal votes decide and 1 does not; three
    different scores decide nothing and the jury holds a new ballot.
    """
    for bloc, score in votes.items():
        Bloc(bloc)
        check_score(score)
    if not votes:
        return None
    score, count = Counter(votes.values()).most_common(1)[0]
    if count * MAJORITY_DENOMINATOR >= MAJORITY_NUMERATOR * VOTES_PER_BALLOT:
        return score
    return None


def ballot_can_close(votes: Mapping[Bloc, int]) -> bool:
    """A ballot closes when every bloc voted or the outcome can no longer change."""
    return len(votes) == VOTES_PER_BALLOT or ballot_outcome(votes) is not None


def passes_threshold(scores: Mapping[Criterion, int]) -> bool:
    """R-JURY-5: selected only with at least 3 on *both* criteria.

    Call text: "Organisaties worden zowel na ronde 1 als ronde 2 geselecteerd indien
    ze een minimale score van 3 halen op zowel 'cruciale bijdrage' als 'fit for
    partnership'."
    """
    if set(scores) != set(Criterion):
        raise DomainError(N_("Een beslissing vraagt een score op beide criteria."),
                          rule="R-JURY-5")
    checked = [check_score(s) for s in scores.values()]
    return all(s >= THRESHOLD for s in checked)


def check_motivation(motivation: str | None, *, what: str = "score") -> str:
    """R-JURY-6: every final score has a written motivation.

    Call text: "In deze communicatie wordt per criterium gemotiveerd waarom een
    bepaalde score werd toegekend."
    """
    text = (motivation or "").strip()
    if len(text) < 10:
        raise DomainError(
            N_("Een motivering is verplicht (minstens 10 tekens) voor elke %(what)s."),
            rule="R-JURY-6", field="motivation", what=what)
    return text


@dataclass(frozen=True)
class RoundReadiness:
    """What is still missing before a candidacy's round can close."""

    missing_criteria: tuple[Criterion, ...]
    pitch_missing: bool
    #: Criteria with a consensus that still awaits its confirmation (not decided yet).
    awaiting_confirmation: tuple[Criterion, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.missing_criteria and not self.pitch_missing


def round_readiness(round_no: int, decided: Iterable[Criterion],
                    pitch_held: bool, pending: Iterable[Criterion] = ()) -> RoundReadiness:
    """R-JURY-6 and R-PITCH-1: a round closes only with a decided, motivated score on
    both criteria, and in round 2 only after the pitch ("Op basis van dit
    matchingsgesprek wordt een finale beoordeling gemaakt").

    A consensus awaiting confirmation (``pending``) is not decided (issue 13): the criterion
    stays missing, and is named as awaiting confirmation.
    """
    decided = set(decided)
    missing = tuple(c for c in Criterion if c not in decided)
    pending = set(pending)
    return RoundReadiness(
        missing_criteria=missing,
        pitch_missing=(round_no == 2 and not pitch_held),
        awaiting_confirmation=tuple(c for c in missing if c in pending),
    )


def admitted_after_round_2(scores: Mapping[Criterion, int], no_show: bool) -> bool:
    """R-PITCH-1 / R-JURY-5 with a no-show (issue 13). The call: "In deze tweede ronde
    nodigt de jury de geselecteerde organisaties uit om hun kandidatuur te komen pitchen
    op een matchingsgesprek. Op basis van dit matchingsgesprek wordt een finale beoordeling
    gemaakt". The call is silent on an organisation that does not come; this system's
    reading (README, readings): without the matching interview there is no basis for
    admission to step 4, so a recorded no-show is not admitted whatever the scores. The
    jury still gives and motivates its final score (the letter states them), and the
    coordinator may instead give the organisation a new slot (a reason beyond its control),
    which clears the no-show for the round (the audit trail keeps it)."""
    return passes_threshold(scores) and not no_show


class PitchOutcome(str, enum.Enum):
    """What the coordinator records after a pitch moment (issue 13)."""

    HELD = "held"
    NO_SHOW = "no_show"


#: The shortest report of a held pitch, or note of a no-show, that says something.
PITCH_NOTE_MIN = 10


def check_pitch_outcome(outcome: PitchOutcome, *, planned: bool, held: bool, no_show: bool,
                        starts_at: datetime | None, now: datetime) -> None:
    """R-PITCH-1 (issue 13): whether the outcome of a pitch may be recorded now.

    Call text: "In deze tweede ronde nodigt de jury de geselecteerde organisaties uit om
    hun kandidatuur te komen pitchen op een matchingsgesprek. Op basis van dit
    matchingsgesprek wordt een finale beoordeling gemaakt". A pitch is recorded once:
    held (the jury may then give its final score) or a no-show; only a planned pitch,
    and only once its moment has begun (``starts_at`` and ``now`` in UTC). After a no-show
    only a new moment (``plan_pitch``) opens it again. The operations and the round board
    ask this same rule."""
    if not planned:
        raise DomainError(N_("Er is nog geen pitch gepland voor deze kandidatuur."))
    if held:
        raise DomainError(N_("Deze pitch is al geregistreerd.") if outcome == PitchOutcome.HELD
                          else N_("Deze pitch is als gehouden geregistreerd."))
    if no_show:
        raise DomainError(N_("De organisatie is niet opgedaagd; plan eerst een nieuw "
                             "pitch-moment.") if outcome == PitchOutcome.HELD
                          else N_("Het niet opdagen is al geregistreerd."))
    if starts_at is None or now < starts_at:
        raise DomainError(N_("Een pitch kan pas na het begin van het pitch-moment als gehouden "
                             "worden geregistreerd.") if outcome == PitchOutcome.HELD
                          else N_("Niet opdagen registreert u pas na het begin van het "
                                  "pitch-moment."))


def check_pitch_note(outcome: PitchOutcome, text: str) -> str:
    """The report of a held pitch or the note of a no-show, stripped: at least
    :data:`PITCH_NOTE_MIN` characters (what the jury and the trail read later)."""
    text = (text or "").strip()
    if len(text) < PITCH_NOTE_MIN:
        if outcome == PitchOutcome.HELD:
            raise DomainError(N_("Vat de pitch kort samen (minstens 10 tekens)."), field="report")
        raise DomainError(N_("Noteer kort wat er gebeurde (minstens 10 tekens)."), field="note")
    return text
