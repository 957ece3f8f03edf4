"""Pure rules of the appeal (weerwoord): its state machine, window, grounds, panel and
outcome (R-APP-*).

No Flask, no SQLAlchemy, no clock: ``now`` is an argument. The appeal's states:
``filed → under_review → confirmed | reversed``; a reversal moves the candidacy on
(:data:`matching.candidacies.rules.CANDIDACY_TRANSITIONS`).
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from matching.candidacies.rules import effective_appeal_deadline
from matching.core.dates import format_brussels, to_utc
from matching.core.errors import N_, DomainError
from matching.core.states import next_state


class AppealState(str, enum.Enum):
    FILED = "filed"
    UNDER_REVIEW = "under_review"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"


class AppealStep(str, enum.Enum):
    ASSIGN_PANEL = "assign_panel"
    CONFIRM = "confirm"
    REVERSE = "reverse"


A, AS = AppealState, AppealStep


APPEAL_TRANSITIONS: Mapping[tuple[AppealState, AppealStep], AppealState] = {
    (A.FILED, AS.ASSIGN_PANEL): A.UNDER_REVIEW,
    (A.UNDER_REVIEW, AS.CONFIRM): A.CONFIRMED,
    (A.UNDER_REVIEW, AS.REVERSE): A.REVERSED,
}


OPEN_APPEAL_STATES = frozenset({A.FILED, A.UNDER_REVIEW})


def next_appeal_state(state: AppealState, step: AppealStep) -> AppealState:
    return next_state(APPEAL_TRANSITIONS, N_("weerwoord"), state, step, APPEAL_STATE_LABELS)


APPEAL_STATE_LABELS = {
    AppealState.FILED: N_("ingediend"),
    AppealState.UNDER_REVIEW: N_("in behandeling bij het panel"),
    AppealState.CONFIRMED: N_("niet-selectie bevestigd"),
    AppealState.REVERSED: N_("niet-selectie omgekeerd"),
}


class AppealChannel(str, enum.Enum):
    """How an appeal reached the local governments (issue 12: one route, nothing lost)."""

    PLATFORM = "platform"
    EMAIL = "email"
    POST = "post"


APPEAL_CHANNEL_LABELS = {
    AppealChannel.PLATFORM: N_("via het weerwoordformulier"),
    AppealChannel.EMAIL: N_("per e-mail, geregistreerd door de coördinator"),
    AppealChannel.POST: N_("per post, geregistreerd door de coördinator"),
}


def check_registration(channel: AppealChannel, received_at: datetime, now: datetime) -> None:
    """An appeal the coordinator registers arrived by e-mail or post, at a moment that is
    not in the future; whether that moment is on time is :func:`check_appeal_window`'s,
    with the same deadline as the form (DOMAIN.md: "an appeal that reaches the coordinator
    by e-mail or post within the window is registered by the coordinator with the moment it
    was received, so no appeal is lost")."""
    if channel == AppealChannel.PLATFORM:
        raise DomainError(N_("Registreer enkel een weerwoord dat per e-mail of per post "
                             "binnenkwam."), field="channel")
    if to_utc(received_at) > to_utc(now):
        raise DomainError(N_("Het moment van ontvangst ligt niet in de toekomst."),
                          field="received_at")


class Position(str, enum.Enum):
    CONFIRM = "confirm"
    REVERSE = "reverse"


POSITION_LABELS = {Position.CONFIRM: N_("De niet-selectie bevestigen"),
                   Position.REVERSE: N_("De niet-selectie omkeren")}


def check_appeal_window(decision_received_at: datetime | None, now: datetime,
                        stated_deadline: datetime | None = None) -> None:
    """R-APP-1: "Organisaties die niet geselecteerd zijn, kunnen tot 14 dagen na
    ontvangst van de e-mail waarin de beslissing wordt meegedeeld een beroep doen op
    een weerwoordprocedure."
    """
    if decision_received_at is None:
        raise DomainError(N_("De beslissing is nog niet ontvangen; het weerwoord kan pas daarna."),
                          rule="R-APP-1")
    deadline = effective_appeal_deadline(decision_received_at, stated_deadline)
    if to_utc(now) >= deadline + timedelta(seconds=1):
        raise DomainError(N_("De termijn voor een weerwoord liep af op %(deadline)s."),
                          rule="R-APP-1", deadline=format_brussels(deadline))


def check_grounds(grounds: str | None, referenced_documents: Sequence[str]) -> None:
    """R-APP-2: only material errors: documentation not (sufficiently) taken into account.

    Call text: "Het weerwoord kan enkel betrekking hebben op materiële fouten, nl.
    documentatie die niet of onvoldoende meegenomen werd bij de beoordeling.
    Inhoudelijk (wat betreft de substantie van voorstellen en de toepassing hierop van
    de criteria, gegeven de beschikbare informatie) kan er geen weerwoordprocedure
    worden opgestart."
    """
    if len((grounds or "").strip()) < 20:
        raise DomainError(N_("Beschrijf de materiële fout (minstens 20 tekens): welke "
                             "documentatie werd niet of onvoldoende meegenomen?"),
                          rule="R-APP-2", field="grounds")
    if not [d for d in referenced_documents if d.strip()]:
        raise DomainError(N_("Verwijs naar de documentatie die niet of onvoldoende werd "
                             "meegenomen; een weerwoord over de inhoud of de toepassing van de "
                             "criteria is niet mogelijk."), rule="R-APP-2",
                          field="referenced_documents")


def check_panel(panel: Sequence[object], jury: Collection[object],
                conflicted: Collection[object]) -> None:
    """R-APP-3: two independent matchmakers who were not on the original jury.

    Call text: "In de weerwoordprocedure zullen twee onafhankelijke matchmakers, die
    niet in de originele jury zaten, de motivatie tot het weerwoord en de motivering
    van jury afwegen tegen elkaar."
    """
    if len(panel) != 2 or len(set(panel)) != 2:
        raise DomainError(N_("Een weerwoord wordt beoordeeld door precies twee verschillende "
                             "matchmakers."), rule="R-APP-3", field="panel")
    if any(m in jury for m in panel):
        raise DomainError(N_("Een matchmaker van de oorspronkelijke jury kan het weerwoord niet "
                             "beoordelen."), rule="R-APP-3", field="panel")
    if any(m in conflicted for m in panel):
        raise DomainError(N_("Een matchmaker met een belangenconflict voor deze kandidatuur kan "
                             "het weerwoord niet beoordelen."), rule="R-APP-3", field="panel")


def appeal_outcome(positions: Sequence[Position]) -> Position | None:
    """R-APP-3: the panel confirms or reverses, each with a thorough motivation.

    Call text: "Ze kunnen de beslissingen om de partner niet te selecteren vervolgens
    bekrachtigen of omkeren." The call is silent on a split panel: this system
    reverses only when both members agree to reverse; one confirm is enough to
    confirm. None while a position is missing.
    """
    if len(positions) < 2:
        return None
    if all(Position(p) == Position.REVERSE for p in positions):
        return Position.REVERSE
    return Position.CONFIRM
