"""A realistic Dutch demo, built only through the operations (``flask --app matching.app demo``).

Six work areas, together a procedure in every state (issue 13), so that every demo
account's task list has something to do at once (``tests/integration/test_demo.py``):

* **Regio Kortrijk** (West-Vlaanderen) is ratified and in step 4: a conflict of interest, an
  undecided and a decided ballot, an appeal reversed after round 1 (that candidacy then
  pitches too), an appeal confirmed after round 2 by a split panel, an observation of Europa
  WSE answered, the ratification (the six conditions met, the final report sealed); then,
  within the 8 weeks before the partnership starts, a noodprocedure concluded with a
  motivated ranking and a second one open (VDAB and the local government score).
* **Regio Roeselare** (West-Vlaanderen) is decided and ready to ratify: both rounds closed,
  every decision received, the appeal windows over, an observation answered (its jury is
  Regio Kortrijk's).
* **Waasland** (Oost-Vlaanderen) is in round 2: some pitches held and scored (one by
  ballot), some planned in the future, one still to plan, a consensus awaiting confirmation,
  a ballot open, an appeal confirmed and three under review (every appeal matchmaker judges
  one).
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
