"""What the emergency procedure's pages read: per partner and criterion each bloc's
re-score, whether they agree (R-STEP4-2), and who would be selected (R-STEP4-1)."""

from __future__ import annotations

from dataclasses import dataclass, field

from juries.emergency.models import EmergencyProcedure, EmergencyScore
from juries.emergency.operations import agreed_scores
from juries.emergency.rules import EMERGENCY_BLOCS, emergency_selected
from juries.rules import Bloc
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion


@dataclass
class CriterionRow:
    criterion: Criterion
    by_bloc: dict[Bloc, EmergencyScore]
    agreed: int | None

    @property
    def status(self) -> str:
        """'agreed', 'disagree' (both scored, differently) or 'missing'."""
        if self.agreed is not None:
            return "agreed"
        return "disagree" if len(self.by_bloc) == len(EMERGENCY_BLOCS) else "missing"


@dataclass
class PartnerRow:
    candidacy: Candidacy
    criteria: list[CriterionRow] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(c.agreed is not None for c in self.criteria)

    @property
    def selected(self) -> bool:
        return self.complete and emergency_selected({c.criterion: c.agreed for c in self.criteria
                                                     if c.agreed is not None})


def partner_rows(emergency: EmergencyProcedure, partners: list[Candidacy]) -> list[PartnerRow]:
    rows = []
    for candidacy in partners:
        agreed = agreed_scores(emergency, candidacy)
        row = PartnerRow(candidacy)
        for criterion in Criterion:
            by_bloc = {s.bloc: s for s in emergency.scores
                       if s.candidacy_id == candidacy.id and s.criterion == criterion}
            row.criteria.append(CriterionRow(criterion, by_bloc, agreed[criterion]))
        rows.append(row)
    return rows
