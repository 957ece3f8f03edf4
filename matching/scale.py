"""A large, consistent dataset for load tests, written with bulk inserts
(``flask --app matching scale --areas 60 --per-area 100 --seed 1``).

Where :mod:`matching.demo` plays three stories through the operations (slow, one row and
one audit event at a time), this module writes the rows those operations would have
written, in bulk: it draws every candidacy's fate first, then dates the story of each
work area and adds its rows, which are inserted per work area with one SQLAlchemy Core
``insert()`` executemany per table (on PostgreSQL one binary COPY: see ``Sink.copy``).
Ids are handed out in Python from each table's current maximum (on
PostgreSQL the sequences are moved past them at the end), so nothing is read back.
Run it while nobody else writes to the database.

What the dataset holds, per work area ``NNN`` (``Werkingsgebied NNN – <regio>``):

* its municipalities and involved local governments, a coordinator, a jury of 3 to 6
  matchmakers (VDAB, lokaal bestuur and extern always present) and one procedure whose
  published addendum has local needs with their motivation, regional challenges,
  contacts and pitch moments; the deadline lies 6 to 8 weeks after publication;
* ``--per-area`` candidacies, each of its own organisation (kind OTHER, a valid enterprise
  number) with its own applicant account, all declarations, one or two contributions
  and the answers;
* by procedure state (most ``decided``; a few ``round_1``, ``round_2`` and ``published``):
  the story up to today: drafts, submissions, withdrawals (with reason), inadmissible
  candidacies (with reason), conflicts of interest, individual assessments, consensus
  or ballots (one vote per bloc, the outcome the ⅔ majority; sometimes a first ballot
  without ⅔), motivated jury decisions, closed rounds (selected iff both scores ≥ 3,
  R-JURY-5), decision letters and the moment they were received, pitches (held, with
  report, or planned), appeals in every state with a panel of two appeal matchmakers
  outside the jury, reversals on appeal (a reversal after round 1 gets its own pitch);
* every state transition, and the audit event each operation would have recorded
  (individual assessments too, see ``AUDIT_ASSESSMENTS``), hash-chained
  (:mod:`matching.audit_chain`) onto the current head of the trail in time order, so
  ``flask --app matching audit verify`` passes afterwards. Accounts, organisations and
  saved drafts are not in the trail one by one: one ``scale.generate`` event records the
  load itself.

Simplifications, on purpose:

* Letters: a handful of real letters is rendered once through :mod:`matching.letters`
  (per kind, and for decisions per pair of scores) and their HTML, text, PDF bytes and
  SHA-256 are reused across rows. The sample's addressee and sender say "schaalproef";
  the row's subject, recipients, reference, dates and appeal deadline are the row's own.
  No receipt letters, and no e-mails in the outbox (the worker must not mail thousands
  of example addresses); the decision notices record the receipt.
* One procedure per work area; no noodprocedure (step 4); no attachments.

Deliberately imperfect procedures: about one in ten *decided* procedures (never work area
001) carries one defect, so the page of the six conditions (R-OBS-1) shows variety:

* ``open_appeal``: an appeal is still under review (condition 6);
* ``missing_letter``: a non-selected candidacy has no decision letter (condition 5);
* ``panel_from_jury``: an appeal was judged by a member of the jury (condition 6);
* ``no_appeal_deadline``: a non-selection letter states no appeal deadline (condition 6).

Every account has the password of the demo (``demo-wachtwoord-2025``), hashed once:
``admin@scale.example``, ``observer@scale.example``, ``coordinator.NNN@scale.example``,
``matchmaker.NNN.K@scale.example`` (K = 1 is VDAB, 2 lokaal bestuur, 3 extern),
``appeal-matchmaker.KK@scale.example`` and ``applicant.NNN.JJJJ@scale.example``.

Deterministic for a given ``--seed`` and day: the story is dated relative to today
(``--today`` fixes it).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Any

from operator import itemgetter

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String, func, insert, select, text
from sqlalchemy import Enum as SQLEnum

from appeals.models import Appeal, AppealReference, PanelMember
from appeals.rules import Position
from juries.models import (Assessment, Ballot, BallotState, ConflictDeclaration, Jury,
                           JuryDecision, JuryMembership, PitchAppointment, Vote)
from juries.rules import CRITERION_LABELS, SCALE, THRESHOLD, Bloc, Criterion, Method
from matching import demo_data as data
from matching.audit_chain import GENESIS, entry_hash
from matching.candidacy_rules import OrganisationKind
from matching.extensions import UTCDateTime, db
from matching.letters.compose import COMPLAINTS_DESK, SUBJECTS, render
from matching.letters.content import (Contact, CriterionResult, LetterContent, LetterKind,
                                      PanelPosition, PitchMoment, Recipient, Sender)
from matching.models.accounts import Role, RoleGrant, User
from matching.models.audit import AuditEvent, Transition
from matching.models.candidacies import Answer, Candidacy, Contribution, DecisionNotice
from matching.models.organisations import Organisation
from matching.letters.models import Letter
from matching.recording import AUDIT_CHAIN_LOCK
from matching.rules import BRUSSELS, UTC, appeal_deadline, brussels_date
from matching.statemachine import (AppealState, AppealStep, CandidacyState, CandidacyStep,
                                   ProcedureState, ProcedureStep)
from workareas.models import (AddendumVersion, ContactPerson, LocalNeed, Municipality, PitchSlot,
                              Procedure, RegionalChallenge, WorkArea, WorkAreaGovernment)

C, P, A = CandidacyState, ProcedureState, AppealState
CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
BLOCS = (Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN)

DOMAIN = "scale.example"
PASSWORD = data.PASSWORD
#: Individual assessments in the audit trail too (as the operations record them).
AUDIT_ASSESSMENTS = True
CHUNK = 10_000  # rows per executemany


class ScaleError(Exception):
    """The generator refuses (a Dutch message for the command line)."""


# --- accounts -------------------------------------------------------------------------------

def email(local: str) -> str:
    return f"{local}@{DOMAIN}"


ADMIN_EMAIL, OBSERVER_EMAIL = email("admin"), email("observer")


def coordinator_email(area: int) -> str:
    return email(f"coordinator.{area:03d}")


def matchmaker_email(area: int, k: int) -> str:
    return email(f"matchmaker.{area:03d}.{k}")


def appeal_matchmaker_email(k: int) -> str:
    return email(f"appeal-matchmaker.{k:02d}")


def applicant_email(area: int, j: int) -> str:
    return email(f"applicant.{area:03d}.{j:04d}")


# --- names: real Flemish regions and municipalities, fictitious people and organisations ---

REGIONS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Regio Brugge", "West-Vlaanderen", ("Brugge", "Damme", "Jabbeke", "Oostkamp", "Zuienkerke")),
    ("Regio Oostende", "West-Vlaanderen", ("Oostende", "Bredene", "Gistel", "Oudenburg",
                                           "Middelkerke")),
    ("Westkust", "West-Vlaanderen", ("De Panne", "Koksijde", "Nieuwpoort", "Veurne",
                                     "Alveringem")),
    ("Regio Ieper", "West-Vlaanderen", ("Ieper", "Zonnebeke", "Wervik", "Mesen",
                                        "Langemark-Poelkapelle")),
    ("Regio Poperinge", "West-Vlaanderen", ("Poperinge", "Vleteren", "Heuvelland")),
    ("Regio Kortrijk-Leie", "West-Vlaanderen", ("Kortrijk", "Harelbeke", "Kuurne", "Lendelede",
                                                "Zwevegem")),
    ("Regio Menen", "West-Vlaanderen", ("Menen", "Wevelgem", "Ledegem")),
    ("Regio Roeselare", "West-Vlaanderen", ("Roeselare", "Izegem", "Ingelmunster", "Hooglede",
                                            "Staden", "Moorslede", "Lichtervelde")),
    ("Regio Tielt", "West-Vlaanderen", ("Tielt", "Wingene", "Pittem", "Ardooie", "Meulebeke",
                                        "Dentergem", "Ruiselede")),
    ("Regio Waregem", "West-Vlaanderen", ("Waregem", "Anzegem", "Avelgem", "Spiere-Helkijn",
                                          "Deerlijk")),
    ("Houtland", "West-Vlaanderen", ("Torhout", "Zedelgem", "Ichtegem", "Kortemark",
                                     "Koekelare")),
    ("Oostkust", "West-Vlaanderen", ("Knokke-Heist", "Blankenberge", "De Haan")),
    ("Regio Diksmuide", "West-Vlaanderen", ("Diksmuide", "Lo-Reninge", "Houthulst")),
    ("Regio Gent", "Oost-Vlaanderen", ("Gent", "Merelbeke-Melle", "De Pinte",
                                       "Sint-Martens-Latem")),
    ("Gentse Kanaalzone", "Oost-Vlaanderen", ("Evergem", "Lochristi", "Destelbergen",
                                              "Wachtebeke")),
    ("Meetjesland", "Oost-Vlaanderen", ("Eeklo", "Maldegem", "Kaprijke", "Sint-Laureins",
                                        "Assenede", "Zelzate")),
    ("Leiestreek", "Oost-Vlaanderen", ("Deinze", "Nazareth", "Zulte")),
    ("Regio Aalter-Lievegem", "Oost-Vlaanderen", ("Aalter", "Lievegem")),
    ("Waasland-Noord", "Oost-Vlaanderen", ("Sint-Niklaas", "Beveren-Kruibeke-Zwijndrecht",
                                           "Stekene", "Sint-Gillis-Waas")),
    ("Waasland-Zuid", "Oost-Vlaanderen", ("Lokeren", "Temse", "Waasmunster", "Moerbeke")),
    ("Regio Dendermonde", "Oost-Vlaanderen", ("Dendermonde", "Hamme", "Berlare", "Buggenhout",
                                              "Lebbeke", "Wichelen", "Zele")),
    ("Regio Aalst", "Oost-Vlaanderen", ("Aalst", "Erpe-Mere", "Lede", "Denderleeuw", "Haaltert",
                                        "Herzele")),
    ("Denderstreek", "Oost-Vlaanderen", ("Ninove", "Geraardsbergen", "Lierde")),
    ("Vlaamse Ardennen", "Oost-Vlaanderen", ("Oudenaarde", "Ronse", "Kluisbergen", "Maarkedal",
                                             "Horebeke", "Zwalm", "Wortegem-Petegem", "Kruisem")),
    ("Regio Zottegem", "Oost-Vlaanderen", ("Zottegem", "Sint-Lievens-Houtem", "Oosterzele",
                                           "Brakel")),
    ("Regio Wetteren", "Oost-Vlaanderen", ("Wetteren", "Laarne")),
    ("Stad Antwerpen", "Antwerpen", ("Antwerpen",)),
    ("Antwerpse Noordrand", "Antwerpen", ("Brasschaat", "Kapellen", "Stabroek", "Schoten",
                                          "Brecht")),
    ("Antwerpse Zuidrand", "Antwerpen", ("Boom", "Niel", "Rumst", "Schelle", "Hemiksem",
                                         "Aartselaar")),
    ("Regio Mortsel-Kontich", "Antwerpen", ("Mortsel", "Edegem", "Kontich", "Hove", "Lint",
                                            "Boechout")),
    ("Regio Mechelen", "Antwerpen", ("Mechelen", "Bonheiden", "Sint-Katelijne-Waver",
                                     "Willebroek")),
    ("Klein-Brabant", "Antwerpen", ("Bornem", "Puurs-Sint-Amands")),
    ("Regio Lier", "Antwerpen", ("Lier", "Nijlen", "Berlaar", "Ranst", "Zandhoven")),
    ("Regio Heist-Putte", "Antwerpen", ("Heist-op-den-Berg", "Putte", "Duffel")),
    ("Regio Turnhout", "Antwerpen", ("Turnhout", "Oud-Turnhout", "Beerse", "Vosselaar", "Lille",
                                     "Kasterlee", "Merksplas", "Rijkevorsel")),
    ("Regio Geel-Herentals", "Antwerpen", ("Geel", "Olen", "Herentals", "Grobbendonk",
                                           "Herenthout", "Vorselaar", "Westerlo", "Herselt",
                                           "Hulshout")),
    ("Regio Mol", "Antwerpen", ("Mol", "Balen", "Dessel", "Retie", "Arendonk", "Ravels",
                                "Meerhout", "Laakdal")),
    ("Noorderkempen", "Antwerpen", ("Hoogstraten", "Malle", "Zoersel", "Wuustwezel",
                                    "Kalmthout", "Essen")),
    ("Voorkempen", "Antwerpen", ("Schilde", "Wijnegem", "Wommelgem")),
    ("Regio Leuven", "Vlaams-Brabant", ("Leuven", "Herent", "Kortenberg", "Bertem",
                                        "Oud-Heverlee", "Bierbeek", "Holsbeek", "Lubbeek")),
    ("Hageland-West", "Vlaams-Brabant", ("Aarschot", "Begijnendijk", "Rotselaar", "Tremelo",
                                         "Haacht", "Keerbergen", "Boortmeerbeek")),
    ("Hageland-Oost", "Vlaams-Brabant", ("Tienen", "Diest", "Scherpenheuvel-Zichem",
                                         "Tielt-Winge", "Glabbeek", "Kortenaken", "Bekkevoort")),
    ("Zuidoost-Brabant", "Vlaams-Brabant", ("Landen", "Linter", "Zoutleeuw", "Geetbets",
                                            "Hoegaarden", "Boutersem")),
    ("Noordrand", "Vlaams-Brabant", ("Vilvoorde", "Machelen", "Zaventem", "Grimbergen", "Meise",
                                     "Wemmel", "Steenokkerzeel", "Kampenhout")),
    ("Druivenstreek", "Vlaams-Brabant", ("Overijse", "Hoeilaart", "Tervuren", "Huldenberg",
                                         "Kraainem", "Wezembeek-Oppem")),
    ("Zennevallei", "Vlaams-Brabant", ("Halle", "Beersel", "Sint-Pieters-Leeuw", "Drogenbos",
                                       "Linkebeek")),
    ("Pajottenland", "Vlaams-Brabant", ("Dilbeek", "Lennik", "Gooik", "Galmaarden", "Herne",
                                        "Pepingen", "Bever")),
    ("Regio Asse", "Vlaams-Brabant", ("Asse", "Affligem", "Liedekerke", "Ternat", "Roosdaal",
                                      "Merchtem", "Opwijk", "Londerzeel",
                                      "Kapelle-op-den-Bos")),
    ("Regio Hasselt", "Limburg", ("Hasselt", "Zonhoven", "Diepenbeek", "Herk-de-Stad", "Halen",
                                  "Lummen")),
    ("Regio Genk", "Limburg", ("Genk", "As", "Zutendaal")),
    ("Maasland", "Limburg", ("Maasmechelen", "Lanaken", "Dilsen-Stokkem", "Maaseik")),
    ("Noord-Limburg", "Limburg", ("Lommel", "Pelt", "Hamont-Achel", "Hechtel-Eksel", "Peer",
                                  "Bree")),
    ("Midden-Limburg", "Limburg", ("Beringen", "Heusden-Zolder", "Houthalen-Helchteren",
                                   "Leopoldsburg", "Tessenderlo-Ham")),
    ("Zuid-Limburg", "Limburg", ("Sint-Truiden", "Tongeren-Borgloon", "Bilzen-Hoeselt",
                                 "Riemst", "Heers", "Gingelom", "Nieuwerkerken")),
    ("Kempen-Maas", "Limburg", ("Oudsbergen", "Kinrooi", "Bocholt")),
    ("Haspengouw", "Limburg", ("Alken", "Kortessem", "Wellen")),
    ("Brussel-Noord", "Brussel", ("Brussel", "Schaarbeek", "Evere", "Sint-Joost-ten-Node")),
    ("Brussel-West", "Brussel", ("Anderlecht", "Sint-Jans-Molenbeek", "Koekelberg", "Jette",
                                 "Ganshoren", "Sint-Agatha-Berchem")),
    ("Brussel-Zuid", "Brussel", ("Vorst", "Ukkel", "Sint-Gillis", "Elsene")),
    ("Brussel-Oost", "Brussel", ("Etterbeek", "Oudergem", "Sint-Lambrechts-Woluwe",
                                 "Sint-Pieters-Woluwe", "Watermaal-Bosvoorde")),
]
CITIES = {"Brugge", "Oostende", "Ieper", "Poperinge", "Kortrijk", "Menen", "Roeselare", "Tielt",
          "Waregem", "Torhout", "Blankenberge", "Diksmuide", "Gent", "Eeklo", "Deinze",
          "Sint-Niklaas", "Lokeren", "Dendermonde", "Aalst", "Ninove", "Geraardsbergen",
          "Oudenaarde", "Ronse", "Zottegem", "Antwerpen", "Mechelen", "Lier", "Turnhout", "Geel",
          "Herentals", "Mol", "Hoogstraten", "Leuven", "Aarschot", "Tienen", "Diest", "Landen",
          "Vilvoorde", "Halle", "Hasselt", "Genk", "Maaseik", "Lommel", "Beringen",
          "Sint-Truiden", "Tongeren-Borgloon", "Bilzen-Hoeselt", "Brussel"}
FIRST_NAMES = ["Annelies", "Koen", "Griet", "Hilde", "Lieselot", "Bart", "Els", "Wim", "Nadia",
               "Tom", "Wendy", "Karel", "Sara", "Ahmed", "Veerle", "Joris", "Sofie", "Pieter",
               "Lotte", "Jan", "An", "Mohamed", "Fatima", "Stijn", "Katrien", "Dirk", "Ines",
               "Ruben", "Elke", "Thomas", "Hanne", "Jeroen", "Marieke", "Youssef", "Leen", "Bram",
               "Nele", "Sander", "Femke", "Kristof", "Eva", "Wout", "Lies", "Yasmina", "Gert",
               "Charlotte", "Arne", "Ilse", "Hamza", "Tine"]
LAST_NAMES = ["Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
              "Wouters", "De Smet", "Dubois", "Hermans", "Aerts", "Desmet", "Vermeulen",
              "Van den Bossche", "Verhaeghe", "Vandenbulcke", "Vanhoutte", "De Bock",
              "Verstraeten", "El Amrani", "Benali", "Van Goethem", "Declercq", "Lambrecht",
              "Coppens", "Martens", "Pauwels", "Vervoort", "Smets", "Segers", "Vandamme",
              "Michiels", "Leclercq", "Cools", "Stevens", "Mahieu", "Baert", "Bogaert",
              "Vlaeminck", "Yılmaz", "Öztürk", "Ceulemans", "Dewulf", "Ramakers", "Thys",
              "Geerts", "Van Hecke", "D'hondt"]
ORG_TYPES = ["Buurtwerk", "Vormingscentrum", "Maatwerkbedrijf", "Welzijnsschakel", "Jobcoaching",
             "Taalpunt", "Sociaal restaurant", "Kringloopcentrum", "Ervaringsdeskundigen",
             "Opleidingscentrum", "Schuldhulp", "Huis van het Kind", "Jeugdwerk",
             "Vrijwilligerspunt", "Mobiliteitspunt", "Sportwerking", "Digitaal Huis",
             "Gezondheidshuis", "Atelier", "Werkplaats"]
ORG_STEMS = ["De Brug", "Kompas", "Werkwijs", "Horizon", "Trampoline", "De Sleutel", "Bindkracht",
             "Opstap", "Springplank", "Talentwerf", "Nieuwe Start", "Duo", "De Overstap",
             "Kansrijk", "Het Anker", "Buurtkracht", "De Schakel", "Opnieuw", "Werkmaat",
             "Vitamine W", "Mozaïek", "Stapsteen", "De Loods", "Weerwerk", "Sterk Werk", "Tandem",
             "Vonk", "De Ploeg", "Basis", "Groeikans"]
LEGAL_FORMS = ["vzw", "vzw", "vzw", "vzw", "cv", "cvso", "bv"]
EXPERTISE = ["arbeidsmarktinclusie", "armoedebestrijding", "sociale economie",
             "geestelijke gezondheid", "inburgering en integratie", "jeugdwerk en onderwijs"]
ACTIVITIES = [org[4] for org in data.ORGANISATIONS.values()]
NEEDS = [need for area in data.AREAS.values() for need in area["needs"]]
CHALLENGES = [c for area in data.AREAS.values() for c in area["challenges"]]
INADMISSIBLE_REASONS = list(data.INADMISSIBLE.values())
WITHDRAWAL_REASONS = list(data.WITHDRAWALS.values())
LAPSED = "niet ingediend voor de deadline"  # as close_candidacies writes it
APPEAL_TEXTS = [(a["grounds"], a["documents"]) for a in data.APPEALS.values()]
POSITION_TEXTS = {
    Position(p): [m for a in data.APPEALS.values() for _, q, m in a["panel"] if q == p]
    for p in ("confirm", "reverse")}

INTAKE = (("draft", 0.04), ("withdrawn", 0.03), ("inadmissible", 0.04))
# Score distributions: about a third passes round 1, about two thirds of those round 2.
R1_SCORES = ((1, 2, 3, 4), (10, 30, 40, 20))
R2_SCORES = ((1, 2, 3, 4), (2, 18, 50, 30))
METHODS = (("consensus", "ballot", "ballot2"), (88, 10, 2))  # ballot2: first ballot without ⅔
SLOT_HOURS = (9, 10, 11, 13, 14, 15, 16)
#: The timeline, in days after the candidacy deadline: round 1 closes; the pitches start once
#: its appeal window closed (by then the round-1 appeals are decided, or still open).
ROUND_1_CLOSES, PITCHES_FROM = 14, 31

# Appeal outcomes, as planned before the story is dated.
FILED, REVIEW, REVIEW_ONE = "filed", "under_review", "under_review_one_position"
CONFIRMED, CONFIRMED_SPLIT, REVERSED = "confirmed", "confirmed_split", "reversed"
DECIDED_CYCLE = (CONFIRMED, REVERSED, CONFIRMED_SPLIT, CONFIRMED)
ROUND2_CYCLE = (REVIEW_ONE, FILED, REVERSED, CONFIRMED, REVIEW, CONFIRMED_SPLIT)
POSITIONS = {CONFIRMED: (Position.CONFIRM, Position.CONFIRM),
             CONFIRMED_SPLIT: (Position.REVERSE, Position.CONFIRM),
             REVERSED: (Position.REVERSE, Position.REVERSE),
             REVIEW_ONE: (Position.REVERSE,), REVIEW: (), FILED: ()}

DEFECTS = {
    "open_appeal": "een weerwoord is nog in behandeling (voorwaarde 6)",
    "missing_letter": "een beslissingsbrief van niet-selectie ontbreekt (voorwaarde 5)",
    "panel_from_jury": "een jurylid zat in het weerwoordpanel (voorwaarde 6)",
    "no_appeal_deadline": "een brief van niet-selectie vermeldt geen weerwoordtermijn "
                          "(voorwaarde 6)",
}
DEFECT_CYCLE = tuple(DEFECTS)

#: Insert order: every table after the tables it refers to.
TABLES = [Organisation, WorkArea, Municipality, WorkAreaGovernment, User, RoleGrant, Procedure,
          AddendumVersion, LocalNeed, RegionalChallenge, ContactPerson, PitchSlot, Jury,
          JuryMembership, Candidacy, Contribution, Answer, ConflictDeclaration, Assessment,
          Ballot, Vote, JuryDecision, PitchAppointment, DecisionNotice, Appeal, AppealReference,
          PanelMember, Letter, Transition]


# --- the plan: which work area is in which state ---------------------------------------------

@dataclass(frozen=True)
class AreaPlan:
    number: int  # 1-based, as in the names and e-mail addresses
    state: ProcedureState
    defect: str | None = None


def plan_areas(areas: int, seed: int) -> list[AreaPlan]:
    """Most procedures decided, some in round 1 or 2, a few published; area 001 is always
    a decided procedure without defects; about one decided procedure in ten has one."""
    published = max(1, round(areas * 0.05)) if areas >= 3 else 0
    round_2 = max(1, round(areas * 0.08)) if areas >= 2 else 0
    round_1 = max(1, round(areas * 0.08)) if areas >= 4 else 0
    others = list(range(2, areas + 1))
    random.Random(f"{seed}:plan").shuffle(others)
    states = {1: P.DECIDED}
    for state, count in ((P.PUBLISHED, published), (P.ROUND_1, round_1), (P.ROUND_2, round_2)):
        for number in others[:count]:
            states[number] = state
        others = others[count:]
    states.update({number: P.DECIDED for number in others})
    decided = sorted(n for n, s in states.items() if s == P.DECIDED and n != 1)
    defects = {n: DEFECT_CYCLE[k % len(DEFECT_CYCLE)] for k, n in enumerate(decided[4::10])}
    return [AreaPlan(n, states[n], defects.get(n)) for n in range(1, areas + 1)]


# --- what happens to each candidacy, before any date is set -----------------------------------

@dataclass
class Fate:
    intake: str  # draft | withdrawn | inadmissible | assessed
    scores: dict[int, dict[Criterion, tuple[int, str]]]  # round -> criterion -> (score, method)
    conflict: bool = False
    appeal: dict[int, str] = field(default_factory=dict)  # round -> planned outcome

    def passes(self, round_no: int) -> bool:
        return all(score >= THRESHOLD for score, _ in self.scores[round_no].values())

    @property
    def assessed(self) -> bool:
        return self.intake == "assessed"

    @property
    def pitches(self) -> bool:
        return self.assessed and (self.passes(1) or self.appeal.get(1) == REVERSED)


def draw_fates(rng: random.Random, n: int) -> list[Fate]:
    return [Fate(intake, draw_scores(rng), conflict=rng.random() < 0.015)
            for intake in draw_intakes(rng, n)]


def draw_intakes(rng: random.Random, n: int) -> list[str]:
    """Per procedure about 4 % drafts (they lapse at the deadline), 3 % withdrawals and 4 %
    inadmissible candidacies, at least one of each from ten candidacies on; the rest is
    assessed."""
    quotas = [(kind, max(1 if n >= 10 else 0, round(n * share))) for kind, share in INTAKE]
    positions = rng.sample(range(n), min(n, sum(k for _, k in quotas)))
    intakes = ["assessed"] * n
    for kind, k in quotas:
        for position in positions[:k]:
            intakes[position] = kind
        positions = positions[k:]
    return intakes


def draw_scores(rng: random.Random) -> dict[int, dict[Criterion, tuple[int, str]]]:
    return {round_no: {c: (rng.choices(*table)[0], rng.choices(*METHODS)[0]) for c in Criterion}
            for round_no, table in ((1, R1_SCORES), (2, R2_SCORES))}


def plan_appeals(rng: random.Random, fates: list[Fate], state: ProcedureState,
                 defect: str | None) -> None:
    """Some non-selected candidacies appeal; the planned outcomes cycle through the states."""
    if state not in (P.DECIDED, P.ROUND_2):
        return
    cycle = DECIDED_CYCLE if state == P.DECIDED else ROUND2_CYCLE
    losers = [f for f in fates if f.assessed and not f.passes(1)]
    for k, fate in enumerate(some(rng, losers, 0.12, at_least=2)):
        fate.appeal[1] = cycle[k % len(cycle)]
    if state == P.DECIDED:
        losers = [f for f in fates if f.pitches and not f.passes(2)]
        for k, fate in enumerate(some(rng, losers, 0.10, at_least=1)):
            fate.appeal[2] = DECIDED_CYCLE[k % len(DECIDED_CYCLE)]
    if defect == "open_appeal":  # the last appeal of the latest round stays open
        appealed = [(round_no, f) for f in fates for round_no in f.appeal]
        if appealed:
            round_no, fate = max(appealed, key=lambda pair: pair[0])
            fate.appeal[round_no] = REVIEW_ONE


def some(rng: random.Random, items: list, share: float, at_least: int) -> list:
    return rng.sample(items, min(len(items), max(at_least, round(len(items) * share))))


# --- rows, ids and the audit trail ------------------------------------------------------------

def plain(value: Any) -> Any:
    """JSON for a summary, as :func:`matching.recording.audit` writes it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


#: ``json.dumps(summary, default=plain, ensure_ascii=False, sort_keys=True)``, built once.
SUMMARY = json.JSONEncoder(default=plain, ensure_ascii=False, sort_keys=True)


class Sink:
    """Rows per table, with ids handed out in Python from the table's current maximum."""

    def __init__(self, session):
        self.session = session
        self.use_copy = session.get_bind().dialect.name == "postgresql"
        self.rows: dict[type, list[dict]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.next_id = {m: (session.scalar(select(func.max(m.__table__.c.id))) or 0) + 1
                        for m in [*TABLES, AuditEvent] if "id" in m.__table__.c}

    def take_id(self, model: type) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model: type, **values: Any) -> dict:
        """A row; its id is assigned now (transitions get theirs in time order at flush)."""
        if model in self.next_id and model is not Transition:
            values = {"id": self.take_id(model), **values}
        self.rows[model].append(values)
        return values

    def flush(self) -> None:
        """Insert every pending row, table by table in dependency order."""
        transitions = sorted(self.rows.get(Transition, []), key=lambda r: r["at"])
        for row in transitions:  # a state's history reads in id order
            row["id"] = self.take_id(Transition)
        self.rows[Transition] = transitions
        for model in TABLES:
            self.insert(model, self.rows.pop(model, []))

    def insert(self, model: type, rows: list[dict]) -> None:
        if rows:
            (self.copy if self.use_copy else self.execute)(model.__table__, rows)
        self.counts[model.__tablename__] += len(rows)

    def execute(self, table, rows: list[dict]) -> None:
        """SQLAlchemy Core: one executemany per chunk."""
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(table), rows[start:start + CHUNK])

    def copy(self, table, rows: list[dict]) -> None:
        """PostgreSQL: binary COPY on the session's own connection (the same transaction).

        psycopg's executemany sends one INSERT per row: about 17,000 rows a second here,
        minutes for the 10x dataset; COPY is several times faster, and its binary format
        sends the letters' PDF bytes as they are. The server checks every CHECK, UNIQUE and
        foreign key as for an INSERT. Values go in as the column types would bind them.
        """
        columns = [c for c in table.columns if c.name in rows[0]]
        values = itemgetter(*(c.name for c in columns))
        enums = [i for i, c in enumerate(columns) if isinstance(c.type, SQLEnum)]
        cursor = self.session.connection().connection.driver_connection.cursor()
        names = ", ".join(f'"{c.name}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([pg_type(c.type) for c in columns])
            for row in rows:
                record = list(values(row)) if len(columns) > 1 else [values(row)]
                for i in enums:  # psycopg would write an Enum's name, not its value
                    record[i] = record[i].value if record[i] is not None else None
                copy.write_row(record)


#: PostgreSQL's wire type for each column type of the models (binary COPY needs them).
PG_TYPES = ((UTCDateTime, "timestamptz"), (SQLEnum, "text"), (String, "text"),
            (Boolean, "bool"), (Integer, "int4"), (Date, "date"), (LargeBinary, "bytea"))


def pg_type(column_type) -> str:
    return next(name for kind, name in PG_TYPES if isinstance(column_type, kind))


class AuditTrail:
    """The audit events of the whole load, hash-chained in time order at the end."""

    def __init__(self):
        self.events: list[tuple] = []

    def add(self, at: datetime, actor_id: int | None, action: str, object_type: str,
            object_id: int | None, procedure_id: int | None, **summary: Any) -> None:
        self.events.append((at, len(self.events), actor_id, action, object_type, object_id,
                            procedure_id, SUMMARY.encode(summary)))

    def write(self, sink: Sink) -> int:
        """Continue the chain from its head (under the chain's lock), in time order."""
        session = sink.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
        head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                               .order_by(AuditEvent.id.desc()).limit(1)).first()
        prev = head.hash if head else GENESIS
        next_id = max(sink.next_id[AuditEvent], (head.id + 1) if head else 1)
        self.events.sort(key=lambda e: (e[0], e[1]))
        rows = []
        for offset, (at, _, actor_id, action, otype, oid, pid, summary) in enumerate(self.events):
            event_id = next_id + offset
            digest = entry_hash(event_id, at, actor_id, action, otype, oid, pid, summary, prev)
            rows.append({"id": event_id, "at": at, "actor_id": actor_id, "action": action,
                         "object_type": otype, "object_id": oid, "procedure_id": pid,
                         "summary": summary, "prev_hash": prev, "hash": digest})
            prev = digest
            if len(rows) == CHUNK:
                sink.insert(AuditEvent, rows)
                rows = []
        sink.insert(AuditEvent, rows)
        sink.next_id[AuditEvent] = next_id + len(self.events)
        return len(self.events)


# --- letters: a handful rendered for real, their bytes reused ----------------------------------

@dataclass(frozen=True)
class Sample:
    html: str
    text: str
    pdf: bytes
    sha256: str
    ics: bytes | None


class LetterSamples:
    """Real letters rendered once through :mod:`matching.letters` and reused across rows.

    Rendering one letter takes tens of milliseconds (ReportLab), far too slow for tens of
    thousands of rows, so each kind (and for a decision each pair of scores, so the scores
    and motivations in a letter are the row's own) is rendered once: its HTML, text, PDF
    bytes and SHA-256 are shared by every row of that kind. The sample is addressed to a
    "Voorbeeldorganisatie (schaalproef)", so nobody mistakes it for a real letter.
    """

    def __init__(self, today: datetime):
        self.today = today
        self.cache: dict[tuple, Sample] = {}

    def get(self, kind: LetterKind, key: tuple = ()) -> Sample:
        if (kind, key) not in self.cache:
            _, html, text_, pdf, ics = render(self.content(kind, key), "nl")
            digest = hashlib.sha256(pdf).hexdigest()
            self.cache[(kind, key)] = Sample(html, text_, pdf, digest, ics)
        return self.cache[(kind, key)]

    def content(self, kind: LetterKind, key: tuple) -> LetterContent:
        now = self.today
        contact = Contact("Coördinatie werkingsgebied", "Gemeente Voorbeeld",
                          email("coordinator.voorbeeld"), "09 000 00 00")
        base = dict(kind=kind, reference=f"SCHAALPROEF/{kind.value}",
                    letter_date=brussels_date(now),
                    sender=Sender("Werkingsgebied (schaalproef)", ("Gemeente Voorbeeld",),
                                  (contact,)),
                    recipient=Recipient("Voorbeeldorganisatie (schaalproef) vzw", "0000.000.097",
                                        email("applicant.voorbeeld")),
                    candidacy_reference="KAND-SCHAALPROEF",
                    procedure_title="Matching (schaalproef)")
        if kind in (LetterKind.APPEAL_RECEIPT, LetterKind.APPEAL_OUTCOME):
            outcome = key[0] if key else None
            panel = tuple(PanelPosition(p.value, POSITION_TEXTS[p][0])
                          for p in POSITIONS.get(outcome, ()))
            return LetterContent(**base, round=1, appeal_filed_at=now, appeal_outcome=outcome,
                                 panel=panel, complaints_desk=COMPLAINTS_DESK)
        round_no = 1 if kind in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND1_NOT_SELECTED) else 2
        results = tuple(CriterionResult(c.value, CRITERION_LABELS[c], s, SCALE[s],
                                        motivation(c, s, round_no), Method.CONSENSUS.value)
                        for c, s in zip(Criterion, key))
        not_selected = kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED)
        start = now + timedelta(days=14)
        pitch = (PitchMoment(start, start + timedelta(minutes=45), "Gemeentehuis Voorbeeld")
                 if kind == LetterKind.ROUND1_SELECTED else None)
        return LetterContent(**base, round=round_no, results=results, threshold=THRESHOLD,
                             pitch=pitch,
                             appeal_deadline=appeal_deadline(now) if not_selected else None,
                             appeal_how=contact.email if not_selected else "")


def motivation(criterion: Criterion, score: int, round_no: int, ballot: bool = False) -> str:
    text_ = data.MOTIVATIONS[criterion][score]
    text_ = f"Na het matchingsgesprek: {text_}" if round_no == 2 else text_
    return data.BALLOT_MOTIVATION.format(motivation=text_) if ballot else text_


# --- the whole load ---------------------------------------------------------------------------

@dataclass
class ScaleReport:
    counts: dict[str, int]
    areas_by_state: dict[str, list[int]]
    defects: dict[int, str]
    large_procedures: list[tuple[int, str, int]]  # (procedure id, work area, candidacies)
    first_applicant_state: str

    def lines(self) -> list[str]:
        out = [f"{table}: {n}" for table, n in sorted(self.counts.items())]
        for state, numbers in self.areas_by_state.items():
            out.append(f"procedures {state}: werkingsgebied "
                       + ", ".join(f"{n:03d}" for n in numbers))
        for number, defect in sorted(self.defects.items()):
            out.append(f"bewust onvolledig: werkingsgebied {number:03d}: {DEFECTS[defect]}")
        if self.large_procedures:
            out.append(f"procedures met 200+ kandidaturen: {len(self.large_procedures)} "
                       f"(bv. procedure {self.large_procedures[0][0]}, "
                       f"{self.large_procedures[0][1]}: {self.large_procedures[0][2]})")
        out.append(f"aanmelden met wachtwoord '{PASSWORD}': beheerder {ADMIN_EMAIL}, waarnemer "
                   f"{OBSERVER_EMAIL}, coördinator {coordinator_email(1)}, matchmaker "
                   f"{matchmaker_email(1, 1)}, weerwoord-matchmaker {appeal_matchmaker_email(1)}, "
                   f"aanvrager {applicant_email(1, 1)} (kandidatuur: {self.first_applicant_state})")
        return out


def holds_scale_data(session) -> bool:
    return session.scalar(select(func.count(User.id)).where(User.email.like(f"%@{DOMAIN}"))) > 0


def generate(areas: int, per_area: int, seed: int, today: datetime | None = None) -> ScaleReport:
    """Write the dataset into the current session's transaction (the caller commits)."""
    session = db.session
    if holds_scale_data(session):
        raise ScaleError(f"De database bevat al schaalgegevens (accounts @{DOMAIN}). Gebruik een "
                         "lege database: maak er een aan en voer daarop "
                         "'flask --app matching db upgrade' uit.")
    now = (today or datetime.now(UTC)).astimezone(UTC)
    sink, trail = Sink(session), AuditTrail()
    people = Staff.create(sink, areas, seed, now)
    trail.add(now, people.admin, "scale.generate", "scale", None, None,
              areas=areas, per_area=per_area, seed=seed)
    sink.flush()
    samples, numbers = LetterSamples(now), EnterpriseNumbers(session)
    plans, defects, large, first_state = plan_areas(areas, seed), {}, [], ""
    for plan in plans:
        story = AreaStory(plan, per_area, seed, now, sink, trail, people, samples, numbers)
        story.tell()
        sink.flush()
        if story.defect_applied:
            defects[plan.number] = plan.defect
        if per_area >= 200:
            large.append((story.procedure["id"], story.area_name, per_area))
        if plan.number == 1:
            first_state = story.cands[0].row["state"].value
    sink.counts["audit_event"] += trail.write(sink)
    reset_sequences(sink)
    by_state: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        by_state[plan.state.value].append(plan.number)
    return ScaleReport(dict(sink.counts), dict(by_state), defects, large, first_state)


def reset_sequences(sink: Sink) -> None:
    """PostgreSQL: move each id sequence past the ids handed out here."""
    if sink.session.get_bind().dialect.name != "postgresql":
        return
    for model, next_id in sink.next_id.items():
        if next_id > 1:
            sink.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                                 {"t": model.__tablename__, "v": next_id - 1})


class EnterpriseNumbers:
    """Valid, unused enterprise numbers: ``1`` + seven digits + the mod-97 check."""

    def __init__(self, session):
        self.used = set(session.scalars(select(Organisation.enterprise_number)))
        self.body = 17_000_000

    def next(self) -> str:
        while True:
            self.body += 1
            check = 97 - self.body % 97
            number = f"{self.body:08d}{check:02d}"
            if number not in self.used:
                self.used.add(number)
                return number


@dataclass
class Staff:
    """The accounts shared by every work area."""

    admin: int
    observer: int
    appeal_pool: list[tuple[int, str]]  # (user id, e-mail)
    password_hash: str

    @classmethod
    def create(cls, sink: Sink, areas: int, seed: int, now: datetime) -> Staff:
        probe = User()
        probe.set_password(PASSWORD)  # hashed once, the app's own way; reused for everyone
        at = now - timedelta(days=3 * 365)
        staff = cls(0, 0, [], probe.password_hash)
        staff.admin = staff.account(sink, ADMIN_EMAIL, "Functioneel beheer (schaalproef)",
                                    Role.ADMINISTRATOR, at)
        staff.observer = staff.account(sink, OBSERVER_EMAIL, "Europa WSE (schaalproef)",
                                       Role.OBSERVER, at)
        rng = random.Random(f"{seed}:staff")
        for k in range(1, max(6, areas // 5) + 1):
            address = appeal_matchmaker_email(k)
            staff.appeal_pool.append((staff.account(sink, address, person(rng),
                                                    Role.APPEAL_MATCHMAKER, at), address))
        return staff

    def account(self, sink: Sink, address: str, name: str, role: Role | None, at: datetime,
                **scope: int | None) -> int:
        user = sink.add(User, email=address, name=name, password_hash=self.password_hash,
                        active=True, created_at=at, failed_logins=0, throttled_until=None)
        if role is not None:
            self.grant(sink, user["id"], role, at, **scope)
        return user["id"]

    @staticmethod
    def grant(sink: Sink, user_id: int, role: Role, at: datetime, work_area_id: int | None = None,
              organisation_id: int | None = None) -> None:
        sink.add(RoleGrant, user_id=user_id, role=role, work_area_id=work_area_id,
                 organisation_id=organisation_id, granted_at=at)


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


# --- one work area's story --------------------------------------------------------------------

@dataclass
class Member:
    user_id: int
    email: str
    bloc: Bloc


@dataclass
class Cand:
    """A candidacy's row and what the story needs to know about it."""

    row: dict
    fate: Fate
    applicant: int
    applicant_email: str
    organisation: str
    eligible: list[Member] = field(default_factory=list)
    notice: dict[int, datetime] = field(default_factory=dict)  # round -> received_at
    pitch: dict | None = None  # its pitch appointment row
    slot: dict | None = None  # the pitch slot row of that appointment


class AreaStory:
    """The rows of one work area, dated so that the procedure is in its planned state today."""

    def __init__(self, plan: AreaPlan, per_area: int, seed: int, now: datetime, sink: Sink,
                 trail: AuditTrail, staff: Staff, samples: LetterSamples,
                 numbers: EnterpriseNumbers):
        self.plan, self.n, self.now = plan, per_area, now
        self.sink, self.trail, self.staff, self.samples, self.numbers = (
            sink, trail, staff, samples, numbers)
        self.rng = random.Random(f"{seed}:{plan.number}")
        self.region, self.province, self.towns = REGIONS[(plan.number - 1) % len(REGIONS)]
        self.area_name = f"Werkingsgebied {plan.number:03d} – {self.region}"
        self.fates = draw_fates(self.rng, per_area)
        plan_appeals(self.rng, self.fates, plan.state, plan.defect)
        self.defect_applied = False
        self.defective: Cand | None = None  # the candidacy whose letter a defect spoils
        self.cands: list[Cand] = []
        self.slots: list[dict] = []
        self.deadline_day = self.rng.randint(42, 56)
        self.p_date = brussels_date(now) - timedelta(days=self.days_before_today())

    # --- time -------------------------------------------------------------------------------

    def days_before_today(self) -> int:
        """How long ago the addendum was published, so that today falls in the planned stage."""
        d, state = self.deadline_day, self.plan.state
        if state == P.PUBLISHED:
            return self.rng.randint(18, 35)
        if state == P.ROUND_1:
            return d + 1 + self.rng.randint(4, 8)
        # Calendar days of pitches: seven a weekday.
        pitch_days = math.ceil(math.ceil(sum(f.pitches for f in self.fates) / len(SLOT_HOURS))
                               * 7 / 5)
        if state == P.ROUND_2:  # halfway the pitches; the round-1 appeals are all filed
            return d + PITCHES_FROM + max(2, pitch_days // 2)
        # After the last pitch (a reversal's may come later), round 2 closes and its appeal
        # windows close too.
        return d + PITCHES_FROM + pitch_days + 12 + 21 + self.rng.randint(3, 60)

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """Brussels wall-clock time ``day`` days after the publication date, in UTC."""
        local = datetime.combine(self.p_date + timedelta(days=day), time(0), tzinfo=BRUSSELS)
        return (local + timedelta(hours=hour, minutes=minute)).astimezone(UTC)

    def past(self, instant: datetime) -> bool:
        return instant < self.now

    # --- recording, as matching.recording does ----------------------------------------------

    def audit(self, at: datetime, actor: int | None, action: str, object_type: str,
              object_id: int | None, **summary: Any) -> None:
        self.trail.add(at, actor, action, object_type, object_id, self.procedure["id"], **summary)

    def move(self, row: dict, object_type: str, step: Enum, to: Enum, actor: int | None,
             at: datetime, reason: str = "") -> None:
        """A state transition with its audit event (as :func:`matching.recording.transition`)."""
        before = row["state"]
        row["state"] = to
        self.sink.add(Transition, object_type=object_type, object_id=row["id"], step=step.value,
                      from_state=before.value, to_state=to.value, actor_id=actor, at=at,
                      reason=reason)
        self.audit(at, actor, f"{object_type}.{step.value}", object_type, row["id"],
                   before=before.value, after=to.value, reason=reason)

    # --- the story --------------------------------------------------------------------------

    def tell(self) -> None:
        self.setup()
        self.intake()
        state = self.plan.state
        if state == P.PUBLISHED:
            self.future_slots()
            return
        self.close_intake()
        self.round_1()
        if state == P.ROUND_1:
            self.future_slots()
            return
        self.close_round_1()
        self.plan_pitches()
        self.appeals(1)
        self.round_2()
        if state == P.DECIDED:
            self.close_round_2()
            self.appeals(2)
        self.spare_slots()

    # --- set-up: work area, people, procedure, addendum, jury ---------------------------------

    def setup(self) -> None:
        admin, created = self.staff.admin, self.at(-9, 9)
        area = self.sink.add(WorkArea, name=self.area_name, province=self.province)
        self.area_id = area["id"]
        for town in sorted(set(self.towns)):
            self.sink.add(Municipality, work_area_id=self.area_id, name=town)
        self.governments = self.add_governments()
        self.coordinator_name = person(self.rng)
        self.coordinator = self.staff.account(
            self.sink, coordinator_email(self.plan.number), self.coordinator_name,
            Role.COORDINATOR, created, work_area_id=self.area_id)
        self.jury = self.add_jury_members(self.at(-8, 9))
        self.add_procedure()
        self.trail.add(created, admin, "work_area.create", "work_area", self.area_id, None,
                       name=self.area_name, municipalities=len(self.towns))

    def add_governments(self) -> list[str]:
        names = []
        for town in self.towns[:3]:
            name = f"{'Stad' if town in CITIES else 'Gemeente'} {town}"
            org = self.sink.add(Organisation, name=name, enterprise_number=self.numbers.next(),
                                legal_form="gemeente", kind=OrganisationKind.LOCAL_GOVERNMENT,
                                email=None)
            self.sink.add(WorkAreaGovernment, work_area_id=self.area_id, organisation_id=org["id"])
            names.append(name)
        return names

    def add_jury_members(self, at: datetime) -> list[Member]:
        blocs = [*BLOCS, *self.rng.choices(BLOCS, k=self.rng.randint(0, 3))]
        members = []
        for k, bloc in enumerate(blocs, 1):
            address = matchmaker_email(self.plan.number, k)
            user_id = self.staff.account(self.sink, address, person(self.rng), Role.MATCHMAKER, at)
            members.append(Member(user_id, address, bloc))
        if self.plan.defect == "panel_from_jury":  # may then (wrongly) sit on a panel
            self.staff.grant(self.sink, members[0].user_id, Role.APPEAL_MATCHMAKER, at)
        return members

    def affiliation(self, member: Member, k: int) -> str:
        if member.bloc == Bloc.VDAB:
            return f"VDAB {self.towns[0]}"
        if member.bloc == Bloc.LOKAAL_BESTUUR:
            return self.governments[k % len(self.governments)]
        return f"onafhankelijk expert {self.rng.choice(EXPERTISE)}"

    def add_procedure(self) -> None:
        created, published = self.at(-6, 10), self.at(0, 10)
        year = self.p_date.year
        self.procedure = self.sink.add(
            Procedure, work_area_id=self.area_id, sequence=1,
            title=f"Matching {self.region} {year}",
            state=P.DRAFT, created_at=created, published_at=published, ratified_at=None)
        pid = self.procedure["id"]
        self.trail.add(created, self.coordinator, "procedure.create", "procedure", pid, None,
                       work_area=self.area_name, sequence=1)
        self.deadline = self.at(self.deadline_day, 12)
        self.location = self.rng.choice(["Stadhuis", "Sociaal Huis", "VDAB-werkwinkel"]) \
            + f" {self.towns[0]}"
        self.needs = self.rng.sample(NEEDS, 3)
        self.challenges = self.rng.sample(CHALLENGES, 3)
        self.add_version(1, self.at(-6, 10, 30), published, "")
        jury = self.sink.add(Jury, procedure_id=pid, composed_at=self.at(-4, 14))
        for k, member in enumerate(self.jury):
            self.sink.add(JuryMembership, jury_id=jury["id"], user_id=member.user_id,
                          bloc=member.bloc, affiliation=self.affiliation(member, k))
        self.audit(self.at(-4, 14), self.coordinator, "jury.compose", "jury", jury["id"],
                   members=[f"{m.email}:{m.bloc.value}" for m in self.jury])
        self.move(self.procedure, "procedure", ProcedureStep.PUBLISH, P.PUBLISHED,
                  self.coordinator, published, reason="addendum v1")
        if self.plan.state == P.PUBLISHED and self.past(self.at(7, 11)):
            self.add_version(2, self.at(7, 11), self.at(7, 11),
                             "De motivering van de lokale noden werd verduidelijkt; de deadline "
                             "blijft ongewijzigd.")

    def add_version(self, number: int, created: datetime, published: datetime,
                    change_note: str) -> None:
        delimitation = (f"Het werkingsgebied {self.region} omvat "
                        + (f"de gemeenten {', '.join(self.towns[:-1])} en {self.towns[-1]}"
                           if len(self.towns) > 1 else f"de gemeente {self.towns[0]}")
                        + ". Het volgt de afbakening uit stap 1.")
        version = self.sink.add(
            AddendumVersion, procedure_id=self.procedure["id"], number=number,
            delimitation=delimitation, candidacy_deadline=self.deadline,
            expected_decision_date=self.p_date + timedelta(days=self.deadline_day + 60),
            partnership_start_date=self.p_date + timedelta(days=self.deadline_day + 240),
            change_note=change_note, created_at=created, published_at=published)
        vid = version["id"]
        for i, (title, why) in enumerate(self.needs, 1):
            self.sink.add(LocalNeed, version_id=vid, position=i, title=title, description="",
                          motivation=why)
        for i, (title, groups, obstacles, chances, goals) in enumerate(self.challenges, 1):
            self.sink.add(RegionalChallenge, version_id=vid, position=i, code=f"RU{i}",
                          title=title, target_groups=groups, obstacles=obstacles,
                          opportunities=chances, objectives=goals)
        contacts = [(self.coordinator_name, self.governments[0],
                     coordinator_email(self.plan.number), "09 123 45 67"),
                    (f"Contactpunt VDAB {self.towns[0]}", f"VDAB {self.towns[0]}",
                     self.jury[0].email, "0800 30 700")]
        for i, (name, organisation, address, phone) in enumerate(contacts, 1):
            self.sink.add(ContactPerson, version_id=vid, position=i, name=name,
                          organisation=organisation, email=address, phone=phone)
        action = "addendum.edit_draft" if number == 1 else "addendum.new_version"
        self.audit(created, self.coordinator, action, "addendum_version", vid, version=number)

    # --- intake ---------------------------------------------------------------------------------

    def intake(self) -> None:
        last_start = self.deadline_day - 2
        if self.plan.state == P.PUBLISHED:
            last_start = min(last_start, (brussels_date(self.now) - self.p_date).days - 1)
        combos = [(t, s, town) for t in ORG_TYPES for s in ORG_STEMS for town in self.towns]
        self.rng.shuffle(combos)
        for j, fate in enumerate(self.fates):
            kind, stem, town = combos[j % len(combos)]
            suffix = f" – afdeling {j // len(combos) + 1}" if j >= len(combos) else ""
            self.candidacy(j + 1, fate, f"{kind} {stem} {town}{suffix}",
                           self.rng.randint(1, last_start))

    def candidacy(self, j: int, fate: Fate, name: str, start_day: int) -> None:
        form = self.rng.choice(LEGAL_FORMS)
        org = self.sink.add(Organisation, name=f"{name} {form}",
                            enterprise_number=self.numbers.next(), legal_form=form, kind=OrganisationKind.OTHER, email=None)
        started = self.at(start_day, self.rng.randint(8, 19), self.rng.randint(0, 59))
        address = applicant_email(self.plan.number, j)
        applicant = self.staff.account(self.sink, address, person(self.rng), Role.APPLICANT,
                                       started - timedelta(days=2), organisation_id=org["id"])
        row = self.sink.add(
            Candidacy, organisation_id=org["id"], procedure_id=self.procedure["id"],
            state=C.DRAFT, reference=f"KAND-{self.area_id:03d}-1-{org['id']:05d}",
            created_at=started, submitted_at=None, withdrawn_at=None, withdrawal_reason=None,
            inadmissible_reason=None, partnership_fit=data.PARTNERSHIP_FIT,
            declares_individual=True, declares_not_invoice_only=True,
            declares_partnership_commitment=True)
        cand = Cand(row, fate, applicant, address, org["name"])
        self.cands.append(cand)
        self.audit(started, applicant, "candidacy.start", "candidacy", row["id"],
                   organisation=org["name"])
        self.content(cand, started + timedelta(minutes=self.rng.randint(20, 120)))
        self.submit(cand, start_day)

    def content(self, cand: Cand, at: datetime) -> None:
        cid, activity = cand.row["id"], self.rng.choice(ACTIVITIES)
        codes = sorted(self.rng.sample(range(1, 4), self.rng.choice((1, 1, 2))))
        for code in codes:
            goal = self.challenges[code - 1][4]
            self.sink.add(Contribution, candidacy_id=cid, challenge_code=f"RU{code}",
                          text=data.CONTRIBUTION.format(activity=activity,
                                                        objective=goal[0].lower() + goal[1:]))
        fill = {"activity": activity, "staff": self.rng.randint(3, 12),
                "reached": self.rng.randint(40, 160),
                "places": f"{self.rng.choice(self.towns)} en omliggende gemeenten"}
        complete = cand.fate.intake != "draft"
        answers = [(k, v) for k, v in data.ANSWERS.items() if complete or k.startswith(CC.value)]
        for key, template in answers:
            criterion, question = key.split(".")
            self.sink.add(Answer, candidacy_id=cid, criterion=Criterion(criterion),
                          question=int(question), text=template.format(**fill))
        self.audit(at, cand.applicant, "candidacy.save", "candidacy", cid,
                   contributions=[f"RU{c}" for c in codes], answers=len(answers))

    def submit(self, cand: Cand, start_day: int) -> None:
        fate, row = cand.fate, cand.row
        if fate.intake == "draft":
            return
        day = self.rng.randint(start_day + 1, min(start_day + 10, self.deadline_day - 1))
        submitted = self.at(day, self.rng.randint(8, 21), self.rng.randint(0, 59))
        if not self.past(submitted):
            return  # still a draft today
        row["submitted_at"] = submitted
        self.move(row, "candidacy", CandidacyStep.SUBMIT, C.SUBMITTED, cand.applicant, submitted)
        withdrawn = submitted + timedelta(days=self.rng.randint(1, 4), hours=self.rng.randint(0, 5))
        if fate.intake == "withdrawn" and self.past(withdrawn):
            reason = self.rng.choice(WITHDRAWAL_REASONS)
            row["withdrawn_at"], row["withdrawal_reason"] = withdrawn, reason
            self.move(row, "candidacy", CandidacyStep.WITHDRAW, C.WITHDRAWN, cand.applicant,
                      withdrawn, reason=reason)

    # --- after the deadline ---------------------------------------------------------------------

    def close_intake(self) -> None:
        """Drafts lapse; the deadline check refuses some; round 1 starts; conflicts."""
        d, coordinator = self.deadline_day, self.coordinator
        closed = self.at(d + 1, 9)
        for cand in self.cands:
            if cand.row["state"] == C.DRAFT:
                cand.row["withdrawn_at"], cand.row["withdrawal_reason"] = closed, LAPSED
                self.move(cand.row, "candidacy", CandidacyStep.WITHDRAW, C.WITHDRAWN, coordinator,
                          closed, reason=LAPSED)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_CANDIDACIES,
                  P.CANDIDACY_CLOSED, coordinator, closed)
        refused = [c for c in self.cands
                   if c.fate.intake == "inadmissible" and c.row["state"] == C.SUBMITTED]
        for k, cand in enumerate(refused):
            reason = self.rng.choice(INADMISSIBLE_REASONS)
            cand.row["inadmissible_reason"] = reason
            self.move(cand.row, "candidacy", CandidacyStep.DECLARE_INADMISSIBLE, C.INADMISSIBLE,
                      coordinator, self.at(d + 1, 10, k % 60), reason=reason)
        self.move(self.procedure, "procedure", ProcedureStep.START_ROUND_1, P.ROUND_1,
                  coordinator, self.at(d + 1, 11))
        for k, cand in enumerate(self.assessed()):
            cand.eligible = list(self.jury)
            if cand.fate.conflict:
                self.conflict(cand, self.at(d + 2, 9, k % 240))

    def assessed(self) -> list[Cand]:
        return [c for c in self.cands if c.fate.assessed and c.row["state"] == C.SUBMITTED]

    def conflict(self, cand: Cand, at: datetime) -> None:
        """A matchmaker of a bloc with two or more seats declares a conflict of interest."""
        counts = Counter(m.bloc for m in self.jury)
        options = [m for m in self.jury if counts[m.bloc] > 1]
        if not options:
            return
        member = self.rng.choice(options)
        row = self.sink.add(ConflictDeclaration, user_id=member.user_id,
                            candidacy_id=cand.row["id"], declared_at=at,
                            reason=f"Ik ben bestuurder van {cand.organisation}.")
        cand.eligible = [m for m in self.jury if m is not member]
        self.audit(at, member.user_id, "conflict.declare", "conflict_declaration", row["id"],
                   candidacy=cand.row["reference"])

    # --- scoring --------------------------------------------------------------------------------

    def round_1(self) -> None:
        d = self.deadline_day
        for k, cand in enumerate(self.assessed()):
            start = self.at(d + 3 + k % 10, 8, 30 + (k // 10) * 4)
            if not self.past(start + timedelta(minutes=60)):
                continue
            only_assessed = self.plan.state == P.ROUND_1 and k % 5 == 0
            self.score(cand, 1, start, decide=not only_assessed)

    def score(self, cand: Cand, round_no: int, start: datetime, decide: bool = True) -> None:
        """Every eligible matchmaker's own score, then the jury's decision per criterion
        (without ``decide``: the jury is still busy, only the first criterion is scored)."""
        for offset, criterion in enumerate(Criterion if decide else [CC]):
            score, method = cand.fate.scores[round_no][criterion]
            at = start + timedelta(minutes=25 * offset)
            ballots = self.votes(score, method)
            # Without consensus, the outvoted bloc's matchmakers scored differently.
            dissent = {b: s for b, s in (ballots[-1] if ballots else {}).items() if s != score}
            for m, member in enumerate(cand.eligible):
                self.assess(cand, round_no, criterion, dissent.get(member.bloc, score), member,
                            at + timedelta(minutes=m))
            if decide:
                self.decide(cand, round_no, criterion, score, ballots, at + timedelta(minutes=10))

    def votes(self, score: int, method: str) -> list[dict[Bloc, int]]:
        """The ballots' votes per bloc: the last one decides with ⅔; a first one may not."""
        if method == "consensus":
            return []
        dissenter = self.rng.choice(BLOCS)
        deciding = {b: (score + 1 if score < 4 else score - 1) if b == dissenter else score
                    for b in BLOCS}
        if method == "ballot":
            return [deciding]
        low = min(max(score - 1, 1), 2)
        spread = list(range(low, low + 3))
        self.rng.shuffle(spread)
        return [dict(zip(BLOCS, spread)), deciding]

    def assess(self, cand: Cand, round_no: int, criterion: Criterion, score: int, member: Member,
               at: datetime) -> None:
        row = self.sink.add(Assessment, user_id=member.user_id, candidacy_id=cand.row["id"],
                            round=round_no, criterion=criterion, score=score,
                            note_1=data.NOTES[score][0], note_2=data.NOTES[score][1],
                            note_3=data.NOTES[score][2], note_4=data.NOTES[score][3],
                            recorded_at=at)
        if AUDIT_ASSESSMENTS:
            self.audit(at, member.user_id, "assessment.record", "assessment", row["id"],
                       candidacy=cand.row["reference"], round=round_no, criterion=criterion,
                       bloc=member.bloc, before=None, after=score)

    def decide(self, cand: Cand, round_no: int, criterion: Criterion, score: int,
               ballots: list[dict[Bloc, int]], at: datetime) -> None:
        chair, ballot_id = cand.eligible[0], None
        for k, votes in enumerate(ballots):
            opened = at + timedelta(minutes=6 * k)
            ballot_id = self.ballot(cand, round_no, criterion, votes, opened,
                                    decided=k == len(ballots) - 1)
        decided = at + timedelta(minutes=6 * len(ballots))
        row = self.sink.add(
            JuryDecision, candidacy_id=cand.row["id"], round=round_no, criterion=criterion,
            score=score, motivation=motivation(criterion, score, round_no, bool(ballots)),
            method=Method.BALLOT if ballots else Method.CONSENSUS, ballot_id=ballot_id,
            decided_by_id=chair.user_id, decided_at=decided,
            jury_blocs=",".join(sorted(m.bloc.value for m in cand.eligible)))
        self.audit(decided, chair.user_id, "decision.record", "jury_decision", row["id"],
                   candidacy=cand.row["reference"], round=round_no, criterion=criterion,
                   score=score, method=row["method"])

    def ballot(self, cand: Cand, round_no: int, criterion: Criterion, votes: dict[Bloc, int],
               opened: datetime, decided: bool) -> int:
        chair = cand.eligible[0]
        closed, outcome = opened + timedelta(minutes=5), None
        if decided:
            outcome = max(set(votes.values()), key=list(votes.values()).count)
        row = self.sink.add(Ballot, candidacy_id=cand.row["id"], round=round_no,
                            criterion=criterion,
                            state=BallotState.DECIDED if decided else BallotState.UNDECIDED,
                            opened_at=opened, closed_at=closed, outcome_score=outcome)
        self.audit(opened, chair.user_id, "ballot.open", "ballot", row["id"],
                   candidacy=cand.row["reference"], round=round_no, criterion=criterion)
        for k, bloc in enumerate(BLOCS):
            voter = next(m for m in cand.eligible if m.bloc == bloc)
            cast = opened + timedelta(minutes=1 + k)
            vote = self.sink.add(Vote, ballot_id=row["id"], bloc=bloc, score=votes[bloc],
                                 cast_by_id=voter.user_id, cast_at=cast)
            self.audit(cast, voter.user_id, "ballot.vote", "vote", vote["id"], ballot=row["id"],
                       bloc=bloc, score=votes[bloc])
        self.audit(closed, chair.user_id, "ballot.close", "ballot", row["id"],
                   votes={b.value: s for b, s in votes.items()}, outcome=outcome)
        return row["id"]

    # --- closing a round: transitions, letters, notices ---------------------------------------

    def close_round_1(self) -> None:
        closed = self.at(self.deadline_day + ROUND_1_CLOSES, 16)
        if self.plan.defect in ("missing_letter", "no_appeal_deadline"):
            self.defective = next((c for c in self.assessed()
                                   if not c.fate.passes(1) and not c.fate.appeal), None)
        for cand in self.assessed():
            self.decide_candidacy(cand, 1, closed)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_ROUND_1, P.ROUND_2,
                  self.coordinator, closed)

    def decide_candidacy(self, cand: Cand, round_no: int, closed: datetime) -> None:
        scores = {c: s for c, (s, _) in cand.fate.scores[round_no].items()}
        passed = cand.fate.passes(round_no)
        step, to = {(1, True): (CandidacyStep.SELECT_R1, C.SELECTED_FOR_PITCH),
                    (1, False): (CandidacyStep.REJECT_R1, C.NOT_SELECTED_R1),
                    (2, True): (CandidacyStep.ADMIT_R2, C.ADMITTED_TO_STEP4),
                    (2, False): (CandidacyStep.REJECT_R2, C.NOT_SELECTED_R2)}[(round_no, passed)]
        self.move(cand.row, "candidacy", step, to, self.coordinator, closed,
                  reason=", ".join(f"{c.value}={s}" for c, s in scores.items()))
        if round_no == 1 and passed:
            return  # the letter goes with the pitch invitation
        kind = {(1, False): LetterKind.ROUND1_NOT_SELECTED, (2, True): LetterKind.ROUND2_ADMITTED,
                (2, False): LetterKind.ROUND2_NOT_ADMITTED}[(round_no, passed)]
        defect = self.plan.defect if cand is self.defective and round_no == 1 else None
        self.defect_applied |= defect is not None
        if defect == "missing_letter":
            return  # no letter, so no e-mail and no receipt either
        deadline = None if passed or defect == "no_appeal_deadline" else appeal_deadline(closed)
        self.letter(kind, cand, closed, round_no, self.coordinator, scores=tuple(scores.values()),
                    deadline=deadline)
        self.receive(cand, round_no, passed, closed)

    def receive(self, cand: Cand, round_no: int, selected: bool, sent: datetime) -> None:
        """The decision e-mail arrives the next morning (R-APP-1 counts from here)."""
        received = sent + timedelta(hours=self.rng.randint(15, 20), minutes=self.rng.randint(0, 59))
        row = self.sink.add(DecisionNotice, candidacy_id=cand.row["id"], round=round_no,
                            selected=selected, received_at=received)
        cand.notice[round_no] = received
        self.trail.add(received, None, "decision_notice.received", "decision_notice", row["id"],
                       self.procedure["id"], round=round_no, received_at=received)

    def letter(self, kind: LetterKind, cand: Cand, at: datetime, round_no: int, actor: int,
               scores: tuple = (), deadline: datetime | None = None,
               appeal: dict | None = None, outcome: str | None = None) -> None:
        sample = self.samples.get(kind, scores or ((outcome,) if outcome else ()))
        suffix = {LetterKind.ROUND1_SELECTED: f"/R{round_no}/PITCH",
                  LetterKind.APPEAL_RECEIPT: f"/W{round_no}",
                  LetterKind.APPEAL_OUTCOME: f"/W{round_no}/U"}.get(kind, f"/R{round_no}")
        reference = cand.row["reference"] + suffix
        row = self.sink.add(
            Letter, kind=kind, reference=reference, version=1, procedure_id=self.procedure["id"],
            candidacy_id=cand.row["id"], appeal_id=appeal["id"] if appeal else None,
            round=round_no, locale="nl", subject=SUBJECTS[kind] % {"area": self.area_name},
            recipients=cand.applicant_email, html=sample.html, text=sample.text, pdf=sample.pdf,
            pdf_sha256=sample.sha256, ics=sample.ics, appeal_deadline=deadline, created_at=at,
            created_by_id=actor, supersedes_id=None, correction_reason=None)
        self.audit(at, actor, "letter.issue", "letter", row["id"], kind=kind, reference=reference,
                   version=1, sha256=sample.sha256)

    # --- pitches --------------------------------------------------------------------------------

    def slot(self, after: datetime) -> dict:
        """The next pitch moment (weekdays, seven a day) after ``after`` and the last one."""
        if self.slots:
            after = max(after, self.slots[-1]["starts_at"])
        day = brussels_date(after)
        while True:
            if day.weekday() < 5:
                for hour in SLOT_HOURS:
                    start = datetime.combine(day, time(hour), tzinfo=BRUSSELS).astimezone(UTC)
                    if start > after:
                        return self.add_slot(start)
            day += timedelta(days=1)

    def add_slot(self, start: datetime) -> dict:
        row = self.sink.add(PitchSlot, procedure_id=self.procedure["id"], starts_at=start,
                            ends_at=start + timedelta(minutes=45), location=self.location)
        self.slots.append(row)
        self.audit(self.at(-5, 11), self.coordinator, "pitch_slot.add", "pitch_slot", row["id"],
                   starts_at=start, location=self.location)
        return row

    def future_slots(self) -> None:
        first = self.at(self.deadline_day + PITCHES_FROM, 8)
        for _ in range(max(3, math.ceil(self.n * 0.4))):
            self.slot(first)

    def spare_slots(self) -> None:
        """Two pitch moments more than needed, as an addendum plans them."""
        for _ in range(2):
            self.slot(self.at(self.deadline_day + PITCHES_FROM, 8))

    def plan_pitches(self) -> None:
        planned = self.at(self.deadline_day + ROUND_1_CLOSES + 1, 9)
        first = self.at(self.deadline_day + PITCHES_FROM, 8)
        for k, cand in enumerate(c for c in self.cands if c.row["state"] == C.SELECTED_FOR_PITCH):
            at = planned + timedelta(minutes=k)
            self.plan_pitch(cand, self.slot(first), at)
            self.receive(cand, 1, True, at)

    def plan_pitch(self, cand: Cand, slot: dict, at: datetime) -> None:
        row = self.sink.add(PitchAppointment, candidacy_id=cand.row["id"], slot_id=slot["id"],
                            planned_at=at, held_at=None, report=None)
        cand.pitch = row
        cand.slot = slot
        self.audit(at, self.coordinator, "pitch.plan", "pitch_appointment", row["id"],
                   candidacy=cand.row["reference"], starts_at=slot["starts_at"])
        scores = tuple(s for s, _ in cand.fate.scores[1].values())
        self.letter(LetterKind.ROUND1_SELECTED, cand, at, 1, self.coordinator, scores=scores)

    def round_2(self) -> None:
        pitching = sorted((c for c in self.cands if c.pitch is not None),
                          key=lambda c: c.slot["starts_at"])
        self.last_r2 = None
        for cand in pitching:
            held = cand.slot["starts_at"] + timedelta(minutes=50)
            if not self.past(held):
                continue
            cand.pitch["held_at"] = held
            cand.pitch["report"] = data.PITCH_REPORT.format(name=cand.organisation)
            self.audit(held, self.coordinator, "pitch.held", "pitch_appointment",
                       cand.pitch["id"], candidacy=cand.row["reference"])
            start = cand.slot["starts_at"] + timedelta(days=1)
            if self.past(start + timedelta(minutes=60)):
                self.score(cand, 2, start)
                self.last_r2 = start + timedelta(minutes=60)

    def close_round_2(self) -> None:
        last = self.last_r2 or self.at(self.deadline_day + PITCHES_FROM, 8)
        closed = datetime.combine(brussels_date(last) + timedelta(days=2), time(16),
                                  tzinfo=BRUSSELS).astimezone(UTC)
        for cand in self.cands:
            if cand.row["state"] == C.SELECTED_FOR_PITCH:
                self.decide_candidacy(cand, 2, closed)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_ROUND_2, P.DECIDED,
                  self.coordinator, closed)

    # --- appeals --------------------------------------------------------------------------------

    def appeals(self, round_no: int) -> None:
        waiting = {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}[round_no]
        for cand in self.cands:
            outcome = cand.fate.appeal.get(round_no)
            if outcome and cand.row["state"] == waiting and round_no in cand.notice:
                self.appeal(cand, round_no, outcome)

    def appeal(self, cand: Cand, round_no: int, outcome: str) -> None:
        filed = self.day_after(cand.notice[round_no], self.rng.randint(2, 10), 15)
        grounds, documents = self.rng.choice(APPEAL_TEXTS)
        row = self.sink.add(Appeal, candidacy_id=cand.row["id"], round=round_no, state=A.FILED,
                            grounds=grounds, filed_at=filed, filed_by_id=cand.applicant,
                            decided_at=None)
        for document in documents:
            self.sink.add(AppealReference, appeal_id=row["id"], document=document,
                          attachment_id=None)
        self.audit(filed, cand.applicant, "appeal.file", "appeal", row["id"],
                   candidacy=cand.row["reference"], round=round_no, documents=len(documents))
        self.letter(LetterKind.APPEAL_RECEIPT, cand, filed, round_no, cand.applicant, appeal=row)
        if outcome != FILED:
            self.review(cand, row, outcome, self.day_after(filed, 1, 9))

    def day_after(self, instant: datetime, days: int, hour: int) -> datetime:
        day = brussels_date(instant) + timedelta(days=days)
        return datetime.combine(day, time(hour), tzinfo=BRUSSELS).astimezone(UTC)

    def review(self, cand: Cand, appeal: dict, outcome: str, assigned: datetime) -> None:
        panel = self.rng.sample(self.staff.appeal_pool, 2)
        if self.plan.defect == "panel_from_jury" and not self.defect_applied \
                and outcome in (CONFIRMED, CONFIRMED_SPLIT, REVERSED):
            panel[1] = (self.jury[0].user_id, self.jury[0].email)
            self.defect_applied = True
        members = [self.sink.add(PanelMember, appeal_id=appeal["id"], user_id=user_id,
                                 position=None, motivation=None, decided_at=None)
                   for user_id, _ in panel]
        self.move(appeal, "appeal", AppealStep.ASSIGN_PANEL, A.UNDER_REVIEW, self.coordinator,
                  assigned, reason=", ".join(address for _, address in panel))
        if outcome == REVIEW_ONE and self.plan.state == P.DECIDED:
            self.defect_applied = True  # the planned open appeal
        for k, position in enumerate(POSITIONS[outcome]):
            at = self.day_after(assigned, 3 + k, 14 - 3 * k)
            members[k].update(position=position, decided_at=at,
                              motivation=self.rng.choice(POSITION_TEXTS[position]))
            self.audit(at, members[k]["user_id"], "appeal.position", "appeal_panel_member",
                       members[k]["id"], appeal=appeal["id"], position=position)
        if outcome in (CONFIRMED, CONFIRMED_SPLIT, REVERSED):
            self.conclude(cand, appeal, outcome, members[1])

    def conclude(self, cand: Cand, appeal: dict, outcome: str, last: dict) -> None:
        at, actor, round_no = last["decided_at"], last["user_id"], appeal["round"]
        appeal["decided_at"] = at
        if outcome == REVERSED:
            self.move(appeal, "appeal", AppealStep.REVERSE, A.REVERSED, actor, at)
            to = C.SELECTED_FOR_PITCH if round_no == 1 else C.ADMITTED_TO_STEP4
            self.move(cand.row, "candidacy", CandidacyStep.REVERSE_ON_APPEAL, to, actor, at,
                      reason=f"weerwoord {appeal['id']} omgekeerd")
        else:
            self.move(appeal, "appeal", AppealStep.CONFIRM, A.CONFIRMED, actor, at)
        self.letter(LetterKind.APPEAL_OUTCOME, cand, at, round_no, actor, appeal=appeal,
                    outcome=A.REVERSED.value if outcome == REVERSED else A.CONFIRMED.value)
        if outcome == REVERSED and round_no == 1:  # its own pitch (DOMAIN.md, readings)
            planned = self.day_after(at, 1, 9)
            self.plan_pitch(cand, self.slot(self.day_after(at, 5, 8)), planned)
