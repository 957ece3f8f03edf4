"""The outcome letter of the emergency procedure, to each partner."""

from __future__ import annotations

from datetime import datetime

from matching.candidacies.models import Candidacy
from matching.candidacies.notifications import base_content
from matching.letters.content import LetterContent, LetterKind, RankedPartner


def emergency_outcome(emergency, candidacy: Candidacy, now: datetime) -> LetterContent:
    partners = {o.candidacy_id: RankedPartner(o.candidacy.organisation.name, o.crucial_contribution,
                                              o.fit_for_partnership, o.selected, o.rank)
                for o in emergency.outcomes}
    ranked = [(p.rank, p) for p in partners.values() if p.rank is not None]
    ranking = tuple(p for _, p in sorted(ranked, key=lambda pair: pair[0]))
    return base_content(LetterKind.EMERGENCY_OUTCOME, candidacy, now,
                 f"{candidacy.reference}/NOOD{emergency.id}",
                 emergency_motivation=emergency.motivation, ranking=ranking,
                 ranking_motivation=emergency.ranking_motivation or "",
                 own_result=partners[candidacy.id])
