"""Accounts, their role grants, and organisations."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from matching.accounts.rules import OrganisationKind, Role
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
    #: Consecutive failed logins, and until when the next attempt waits (throttling).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    throttled_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user",
                                                   cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        if not self.password_hash:
            return False  # an invited account sets its password first
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def has_role(self, role: Role, *, work_area_id: int | None = None,
                 organisation_id: int | None = None) -> bool:
        return any(g.role == role
                   and (work_area_id is None or g.work_area_id == work_area_id)
                   and (organisation_id is None or g.organisation_id == organisation_id)
                   for g in self.grants)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class RoleGrant(Model):
    """A role held by a user; coordinator is per work area, applicant per organisation."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    work_area_id: Mapped[int | None] = mapped_column(ForeignKey("work_area.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="grants")

    __table_args__ = (
        CheckConstraint("(role = 'coordinator') = (work_area_id IS NOT NULL)",
                        name="work_area_iff_coordinator"),
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

    __table_args__ = (
        CheckConstraint("length(enterprise_number) = 10", name="enterprise_number_10_digits"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"
