"""Which pages ``make bench`` loads and as whom, found in the generated data: the bare
route, the logged-in layout, the public addenda list, the round board, the jury dashboard,
the applicant dashboard, the observer overview and the six-condition page, the public
addendum page, the list and the addendum asked again with their validator (304), with the
accounts that see them and what "rows" means for each."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select

from juries.models import Jury, JuryMembership
from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ROUND_ENTRY_STATE, CandidacyState
from matching.core.db import db
from workareas.models import AddendumVersion, Procedure, WorkArea
from workareas.rules import ProcedureState


@dataclass
class Page:
    key: str
    label: str
    path: str
    role: str | None  # whose session: None (anonymous), or a key of Targets.accounts
    rows: int | None = None  # what "rows" means for this page, counted in the data
    rows_what: str = ""
    #: Sent again with the validator of its first answer (``If-None-Match``, the same
    #: session cookie): the conditional request a browser makes, answered 304.
    revalidate: bool = False

    @property
    def expect(self) -> int:
        return 304 if self.revalidate else 200


@dataclass
class Targets:
    accounts: dict[str, dict] = field(default_factory=dict)  # role -> {id, email}
    pages: list[Page] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # page key -> why it is skipped
    board_procedure_id: int | None = None
    board_candidacies: int = 0
    procedure_ids: list[int] = field(default_factory=list)  # the newest of every work area
    totals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def discover(app) -> Targets:
    """The pages of the benchmark and the accounts that see them, found in the data: the
    round board holding closest to 200 candidacies, its coordinator and a matchmaker of its
    jury; the procedure with closest to 200 candidacies (six-condition page, final report);
    the applicant with the most candidacies; an observer."""

    t = Targets()
    with app.app_context():
        s = db.session
        t.totals = {
            "work_areas": s.scalar(select(func.count(WorkArea.id))),
            "procedures": s.scalar(select(func.count(Procedure.id))),
            "candidacies": s.scalar(select(func.count(Candidacy.id))),
            "users": s.scalar(select(func.count(User.id))),
        }
        per_procedure = s.execute(
            select(Candidacy.procedure_id, func.count(Candidacy.id))
            .where(Candidacy.state != CandidacyState.DRAFT)
            .group_by(Candidacy.procedure_id)).all()
        if per_procedure:
            pid, n = min(per_procedure, key=lambda r: (abs(r[1] - 200), -r[1], r[0]))
            t.board_procedure_id, t.board_candidacies = pid, n
        t.procedure_ids = [pid for (pid,) in s.execute(
            select(func.max(Procedure.id)).group_by(Procedure.work_area_id)
            .order_by(func.max(Procedure.id)))]

        def user_with(role, **scope):
            q = (select(User.id, User.email).join(RoleGrant, RoleGrant.user_id == User.id)
                 .where(RoleGrant.role == role, User.active.is_(True)))
            for k, v in scope.items():
                q = q.where(getattr(RoleGrant, k) == v)
            row = s.execute(q.order_by(User.id).limit(1)).first()
            return {"id": row[0], "email": row[1]} if row else None

        observer = user_with(Role.OBSERVER)
        if observer:
            t.accounts["observer"] = observer
        board = s.get(Procedure, t.board_procedure_id) if t.board_procedure_id else None
        applicant = s.execute(
            select(User.id, User.email, func.count(Candidacy.id))
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Candidacy, Candidacy.organisation_id == RoleGrant.organisation_id)
            .where(RoleGrant.role == Role.APPLICANT)
            .group_by(User.id, User.email).order_by(func.count(Candidacy.id).desc(), User.id)
            .limit(1)).first()
        if applicant:
            t.accounts["applicant"] = {"id": applicant[0], "email": applicant[1]}

        published = s.scalar(select(func.count(Procedure.id))
                             .where(Procedure.state != ProcedureState.DRAFT))
        t.pages.append(Page("ping", "bare route /ping (ceiling)", "/ping", None))
        if "observer" in t.accounts:
            # The floor of every logged-in page: the user's own load and the layout.
            t.pages.append(Page("layout", "reference: logged-in layout only (/mijn-account)",
                                "/mijn-account", "observer"))
        t.pages.append(Page("addenda", "public addenda list", "/addenda", None, published,
                            "published procedures"))
        # Issue 17: the list and one addendum asked again by a browser that has them (304).
        t.pages.append(Page("addenda_304", "public addenda list, revalidated (304)",
                            "/addenda", None, published, "published procedures",
                            revalidate=True))
        public = s.execute(
            select(Procedure.id, func.count(AddendumVersion.id))
            .join(AddendumVersion, AddendumVersion.procedure_id == Procedure.id)
            .where(Procedure.state != ProcedureState.DRAFT,
                   AddendumVersion.published_at.is_not(None))
            .group_by(Procedure.id)
            .order_by(func.count(AddendumVersion.id).desc(), Procedure.id).limit(1)).first()
        if public:
            t.pages.append(Page("addendum", "public addendum page", f"/addenda/{public[0]}",
                                None, public[1], "published versions"))
            t.pages.append(Page("addendum_304", "public addendum page, revalidated (304)",
                                f"/addenda/{public[0]}", None, public[1],
                                "published versions", revalidate=True))
        # The board: the (procedure, round) whose board holds closest to 200 candidacies
        # (a decided procedure's boards are empty).
        boards = s.execute(
            select(Candidacy.procedure_id, Candidacy.state, func.count(Candidacy.id))
            .where(Candidacy.state.in_(list(ROUND_ENTRY_STATE.values())))
            .group_by(Candidacy.procedure_id, Candidacy.state)).all()
        round_of = {state: r for r, state in ROUND_ENTRY_STATE.items()}
        if boards:
            pid, state, n = min(boards, key=lambda r: (abs(r[2] - 200), -r[2], r[0]))
            board_procedure = s.get(Procedure, pid)
            coordinator = user_with(Role.COORDINATOR, work_area_id=board_procedure.work_area_id)
            if coordinator:
                t.accounts["board_coordinator"] = coordinator
                round_no = round_of[state]
                t.pages.append(Page("board", f"coordinator's round board (round {round_no})",
                                    f"/coordinatie/procedures/{pid}/rondes/{round_no}",
                                    "board_coordinator", n, "candidacies on the board"))
        # A matchmaker of the board's jury (else of the 200-candidacy procedure's).
        jury_of = board_procedure.id if boards else (board.id if board is not None else None)
        if jury_of is not None:
            member = s.execute(
                select(User.id, User.email).join(JuryMembership, JuryMembership.user_id == User.id)
                .join(Jury, Jury.id == JuryMembership.jury_id)
                .where(Jury.procedure_id == jury_of).order_by(JuryMembership.id).limit(1)).first()
            if member:
                t.accounts["matchmaker"] = {"id": member[0], "email": member[1]}
        if "matchmaker" in t.accounts:
            uid = t.accounts["matchmaker"]["id"]
            n = s.scalar(select(func.count(Candidacy.id))
                         .join(Jury, Jury.procedure_id == Candidacy.procedure_id)
                         .join(JuryMembership, JuryMembership.jury_id == Jury.id)
                         .where(JuryMembership.user_id == uid,
                                Candidacy.state != CandidacyState.DRAFT))
            t.pages.append(Page("jury", "matchmaker's jury dashboard", "/jury", "matchmaker", n,
                                "candidacies of the matchmaker's juries"))
        if "applicant" in t.accounts:
            t.pages.append(Page("applicant", "applicant dashboard", "/mijn-kandidaturen",
                                "applicant", applicant[2], "candidacies of the organisation"))
        if "observer" in t.accounts:
            t.pages.append(Page("overview", "observer overview (all work areas)", "/observatie",
                                "observer", t.totals["procedures"], "procedures"))
            if board is not None:
                t.pages.append(Page("conditions", "six conditions of a work area",
                                    f"/observatie/procedures/{board.id}/voorwaarden",
                                    "observer", t.board_candidacies, "candidacies"))
        for key, role in (("layout", "observer"), ("overview", "observer"),
                          ("conditions", "observer"), ("board", "board_coordinator"),
                          ("jury", "matchmaker"), ("applicant", "applicant")):
            if role not in t.accounts:
                t.missing.setdefault(key, f"no {role} account in the data: page skipped")
        if not any(p.key == "board" for p in t.pages):
            t.missing.setdefault("board", "no candidacy awaits a round: no round board")
        t.notes = list(dict.fromkeys(t.missing.values()))
    return t
