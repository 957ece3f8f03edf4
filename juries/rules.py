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

from matching.errors import DomainError, N_
from matching.rules import EMERGENCY_WINDOW_WEEKS, add_brussels_weeks, format_brussels, to_utc


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


class Criterion(str, enum.Enum):
    CRUCIAL_CONTRIBUTION = "crucial_contribution"
    FIT_FOR_PARTNERSHIP = "fit_for_partnership"


class Method(str, enum.Enum):
    CONSENSUS = "consensus"
    BALLOT = "ballot"


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
ROUNDS = (1, 2)


def check_score(score: int) -> int:
    """R-JURY-3: a score is a whole number from 1 to 4."""
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise DomainError(N_("Een score is een geheel getal van 1 tot 4."), rule="R-JURY-3",
                          field="score")
    return score


def check_round(round_no: int) -> int:
    if round_no not in ROUNDS:
        raise DomainError(N_("Er zijn enkel ronde 1 en ronde 2."), field="round")
    return round_no


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
        names = ", ".join(BLOC_LABELS[b] for b in missing) or "-"
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


def is_consensus(individual_scores: Mapping[object, int], eligible: Iterable[object],
                 score: int) -> bool:
    """R-JURY-4, first sentence: "De jury streeft naar consensus."

    Reading (DOMAIN.md): consensus means every matchmaker of the jury without a
    conflict for the candidacy agrees on the score. ``individual_scores`` maps a
    matchmaker to their score; ``eligible`` are the matchmakers without conflict.
    """
    eligible = list(eligible)
    return bool(eligible) and all(individual_scores.get(m) == score for m in eligible)


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
        raise DomainError(N_("Een motivering is verplicht (minstens 10 tekens) voor elke %(what)s."),
                          rule="R-JURY-6", field="motivation", what=what)
    return text


@dataclass(frozen=True)
class RoundReadiness:
    """What is still missing before a candidacy's round can close."""

    missing_criteria: tuple[Criterion, ...]
    pitch_missing: bool

    @property
    def ready(self) -> bool:
        return not self.missing_criteria and not self.pitch_missing


def round_readiness(round_no: int, decided: Iterable[Criterion], pitch_held: bool) -> RoundReadiness:
    """R-JURY-6 and R-PITCH-1: a round closes only with a decided, motivated score on
    both criteria, and in round 2 only after the pitch ("Op basis van dit
    matchingsgesprek wordt een finale beoordeling gemaakt").
    """
    decided = set(decided)
    return RoundReadiness(
        missing_criteria=tuple(c for c in Criterion if c not in decided),
        pitch_missing=(round_no == 2 and not pitch_held),
    )


# --- R-STEP4: the emergency procedure of step 4 ------------------------------------------

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
    given = [scores.get(b) for b in EMERGENCY_BLOCS]
    if None in given or given[0] != given[1]:
        return None
    return check_score(given[0])


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
