"""Pure rules for who may apply and what a candidacy holds (R-CAND-*).

No Flask, no SQLAlchemy, no clock: ``now`` is an argument.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime

from matching.errors import DomainError, N_
from matching.rules import format_brussels, to_utc


class OrganisationKind(str, enum.Enum):
    VDAB = "VDAB"
    LOCAL_GOVERNMENT = "LOCAL_GOVERNMENT"
    OTHER = "OTHER"


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


DECLARATION_TEXTS = {
    Declaration.INDIVIDUAL: N_("Onze organisatie stelt zich individueel kandidaat, niet in een "
                               "partnerschap of als consortium."),
    Declaration.NOT_INVOICE_ONLY: N_("Onze organisatie kan haar kosten anders dan enkel via "
                                     "facturatie afrekenen."),
    Declaration.PARTNERSHIP_COMMITMENT: N_("Onze organisatie engageert zich om te onderzoeken of "
                                           "ze wil instappen in een organisatienetwerk."),
}


def check_may_apply(kind: OrganisationKind, involved_in_step2: bool) -> None:
    """R-CAND-2: everyone may apply on an equal basis, except VDAB and the local
    governments already involved in the work area from step 2.

    Call text, section 6, Rol Europa WSE, condition 3: "Het proces is toegankelijk
    voor alle organisaties (excl. VDAB en lokale besturen die al betrokken zijn vanaf
    stap 2 van het partnerschapsvormingsproces) om op een gelijke basis deel te
    nemen".
    """
    if kind == OrganisationKind.VDAB:
        raise DomainError(N_("VDAB is vaste partner van elk partnerschap en kan zich niet "
                             "kandidaat stellen."), rule="R-CAND-2")
    if kind == OrganisationKind.LOCAL_GOVERNMENT and involved_in_step2:
        raise DomainError(N_("Dit lokaal bestuur is al betrokken bij het werkingsgebied sinds "
                             "stap 2 en kan zich niet kandidaat stellen."), rule="R-CAND-2")


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
                          missing=" ".join(DECLARATION_TEXTS[d] for d in missing))


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


def check_withdrawable(final_decision_taken: bool) -> None:
    """DOMAIN.md: withdrawn by the applicant any time before the final decision."""
    if final_decision_taken:
        raise DomainError(N_("Na de finale beslissing kan een kandidatuur niet meer worden "
                             "ingetrokken."))
