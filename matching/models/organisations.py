"""Organisations: candidates, VDAB and the local governments."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from matching.candidacy_rules import OrganisationKind
from matching.columns import enum_column
from matching.extensions import db


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    #: Belgian enterprise number, 10 digits, checked with mod 97 (matching.rules).
    enterprise_number: Mapped[str] = mapped_column(String(10), unique=True)
    legal_form: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "organisation_kind"))
    email: Mapped[str | None] = mapped_column(String(254))

    __table_args__ = (
        CheckConstraint("length(enterprise_number) = 10", name="enterprise_number_10_digits"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.name}>"
