"""A realistic Dutch demo, built only through the operations (``flask --app matching.app demo``).

Five work areas, each in another stage of the procedure:

* **Regio Kortrijk** (West-Vlaanderen) is decided: a conflict of interest, an undecided and
  a decided ballot, an appeal reversed after round 1 (that candidacy then pitches too), an
  appeal confirmed after round 2 by a split panel, and a noodprocedure in step 4 concluded
  with a motivated ranking.
* **Waasland** (Oost-Vlaanderen) is in round 2: some pitches held and scored (one by
  ballot), some planned in the future, an appeal confirmed and one still under review.
* **Regio Mechelen** (Antwerpen) is in round 1: scores still missing, a ballot open (its
  jury is Regio Turnhout's).
* **Regio Turnhout** (Antwerpen) is published: candidacies open until a deadline in the
  future, drafts and submitted candidacies, a second version of the addendum.
* **Regio Oostende** (West-Vlaanderen) was just registered: no coordinator yet.

Every step is taken on a clock that walks forward per work area and never passes ``today``;
only deadlines, pitch moments and dates of the addendum lie in the future. The data (names,
texts) live in :mod:`matching.demo.data`. Nothing here commits: the caller does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from appeals.models import Appeal
from matching.accounts.models import Organisation, User
from matching.candidacies.models import Candidacy
from matching.core.dates import UTC, to_utc
from matching.core.db import db
from matching.demo.areas import kortrijk, mechelen, oostende, roeselare, turnhout, waasland
from matching.demo.builder import Clock, Demo
from workareas.models import WorkArea


def load_demo(today: datetime | None = None) -> dict[str, int]:
    """Fill the database with the demo, dated relative to ``today`` (default: now, UTC).

    Only through the operations; flushes, never commits. Meant for an empty database
    (``--if-empty``): the summary counts the rows in the database afterwards.
    """
    today = to_utc(today or datetime.now(UTC))
    demo = Demo(today)
    demo.setup(Clock(today).day(-230, 9))
    kortrijk(demo)
    roeselare(demo)
    waasland(demo)
    turnhout(demo)
    mechelen(demo)
    oostende(demo)
    db.session.flush()

    def count(model) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    return {"werkingsgebieden": count(WorkArea), "organisaties": count(Organisation),
            "kandidaturen": count(Candidacy), "gebruikers": count(User),
            "weerwoorden": count(Appeal)}
