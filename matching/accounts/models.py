"""Accounts, their role grants, and organisations."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.accounts.passwords import hash_password, password_matches
from matching.accounts.rules import AccountState, OrganisationKind, Role, account_state
from matching.core.db import Model, UTCDateTime, enum_column


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Optional; the person corrects it (and their name) on their account page (GDPR art. 16).
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Set by an administrator who deactivated the account (issue 11): it cannot sign in,
    #: its sessions stop working, its links (invitation, confirmation, reset) are refused.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The second factor (TOTP, base32). Kept here from the start of the enrolment; it
    #: counts only once the first code confirmed it (``totp_confirmed_at``).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The time step of the last code accepted: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger())
    #: The language the person last used the site in ("nl", "en"): the notifications and
    #: reminders they receive are written in it (None: Dutch).
    locale: Mapped[str | None] = mapped_column(String(5))
    #: One daily overview instead of a separate e-mail per notification (letters always
    #: leave on their own: they are decisions).
    digest: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    #: When the retention run pseudonymised the account (issue 18: inactive beyond its
    #: period): its name, address and phone are pseudonyms, its second factor, sessions
    #: and recovery codes are gone (``matching.privacy.retention``).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan",
        foreign_keys="RoleGrant.user_id")

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False  # an invited account sets its password first
        return password_matches(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        """Confirmed (or invitation accepted) and not deactivated."""
        return self.active and self.deactivated_at is None

    @property
    def state(self) -> AccountState:
        return account_state(active=self.active, has_password=self.password_hash is not None,
                             deactivated=self.deactivated_at is not None)

    def has_role(self, role: Role, *, work_area_id: int | None = None,
                 organisation_id: int | None = None) -> bool:
        return any(g.role == role
                   and (work_area_id is None or g.work_area_id == work_area_id)
                   and (organisation_id is None or g.organisation_id == organisation_id)
                   for g in self.grants)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(Model):
    """A role held by a user; coordinator is per work area, applicant per organisation.
    A matchmaker or appeal matchmaker may carry the work area they were invited for (by
    its coordinator); an administrator's or observer's grant is global."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    work_area_id: Mapped[int | None] = mapped_column(ForeignKey("work_area.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Who granted it (None: self-registration, the first administrator, the demo).
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="grants", foreign_keys=[user_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    __table_args__ = (
        CheckConstraint("role <> 'coordinator' OR work_area_id IS NOT NULL",
                        name="coordinator_has_work_area"),
        CheckConstraint("work_area_id IS NULL OR role IN ('coordinator', 'matchmaker', "
                        "'appeal_matchmaker')", name="work_area_only_for_area_roles"),
        CheckConstraint("(role = 'applicant') = (organisation_id IS NOT NULL)",
                        name="organisation_iff_applicant"),
        UniqueConstraint("user_id", "role", "work_area_id", "organisation_id"),
        Index("ix_role_grant_role_scope", "role", "work_area_id", "organisation_id"),
    )


class Organisation(Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Belgian enterprise number, 10 digits, checked with mod 97 (matching.rules).
    enterprise_number: Mapped[str] = mapped_column(String(10), unique=True)
    legal_form: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_column(OrganisationKind, "organisation_kind"))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The NIS (REFNIS) code of the municipality of its seat (matching/accounts/data), so that
    #: "a local government of the work area" follows from the data (R-CAND-2).
    seat_nis_code: Mapped[str | None] = mapped_column(String(5))

    __table_args__ = (
        CheckConstraint("length(enterprise_number) = 10", name="enterprise_number_10_digits"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"


class AccountSession(Model):
    """A signed-in session, kept on the server: the browser's cookie carries only a random
    id, of which this row keeps the SHA-256. It counts until it is ended (logout, a password
    change or reset, deactivation, a reset second factor) or times out (idle, lifetime)."""

    __tablename__ = "account_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: True between the password and the second factor (or its enrolment): such a session
    #: signs nobody in.
    pending: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(30))

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)",
                                      name="ended_with_reason"),)


class RecoveryCode(Model):
    """One of the ten single-use recovery codes of an account's second factor (hashed)."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DigestItem(Model):
    """A notification kept for the daily overview of a person who chose one."""

    __tablename__ = "digest_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_digest_item_pending", "user_id", "sent_at"),)
