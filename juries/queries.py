"""Read-only views of the jury's work that the pages and letters share."""

from __future__ import annotations

from dataclasses import dataclass

from juries.operations import eligible_members, individual_scores
from juries.rules import Criterion
from matching.models.accounts import User
from matching.models.candidacies import Candidacy


@dataclass(frozen=True)
class Spread:
    """The individual scores of the jury on one criterion, once they may be seen."""

    scores: dict[int, int]  # user id → score
    missing: list[int]  # eligible matchmakers who have not scored yet

    @property
    def agreed(self) -> bool:
        return not self.missing and len(set(self.scores.values())) == 1


def visible_spread(candidacy: Candidacy, round_no: int, criterion: Criterion,
                   viewer: User) -> Spread | None:
    """The spread of individual scores, or None while the viewer may not see it.

    Reading (DOMAIN.md): a matchmaker does not see the others' individual scores for a
    candidacy before entering their own (no anchoring); after that the spread is shown
    to the whole jury. Matchmakers with a conflict for the candidacy never see it.
    """
    eligible = [m.user_id for m in eligible_members(candidacy)]
    if viewer.id not in eligible:
        return None
    scores = individual_scores(candidacy, round_no, criterion)
    if viewer.id not in scores:
        return None
    return Spread(scores={u: s for u, s in scores.items() if u in eligible},
                  missing=[u for u in eligible if u not in scores])
