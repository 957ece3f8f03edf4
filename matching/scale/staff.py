"""The accounts shared by every work area of the scale dataset: the administrator, the
observer and the pool of appeal matchmakers."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role, second_factor_required
from matching.scale.data import (
    ADMIN_EMAIL,
    OBSERVER_EMAIL,
    PASSWORD,
    TOTP_SECRET,
    appeal_matchmaker_email,
    person,
)
from matching.scale.io import Sink


@dataclass
class Staff:
    """The accounts shared by every work area."""

    admin: int
    observer: int
    appeal_pool: list[tuple[int, str]]  # (user id, e-mail)
    password_hash: str

    @classmethod
    def create(cls, sink: Sink, areas: int, seed: int, now: datetime) -> Staff:
        probe = User()
        probe.set_password(PASSWORD)  # hashed once, the app's own way; reused for everyone
        if probe.password_hash is None:
            raise RuntimeError("User.set_password left no password hash")
        at = now - timedelta(days=3 * 365)
        staff = cls(0, 0, [], probe.password_hash)
        staff.admin = staff.account(sink, ADMIN_EMAIL, "Functioneel beheer (schaalproef)",
                                    Role.ADMINISTRATOR, at)
        staff.observer = staff.account(sink, OBSERVER_EMAIL, "Europa WSE (schaalproef)",
                                       Role.OBSERVER, at)
        rng = random.Random(f"{seed}:staff")
        for k in range(1, max(6, areas // 5) + 1):
            address = appeal_matchmaker_email(k)
            staff.appeal_pool.append((staff.account(sink, address, person(rng),
                                                    Role.APPEAL_MATCHMAKER, at), address))
        return staff

    def account(self, sink: Sink, address: str, name: str, role: Role | None, at: datetime,
                **scope: int | None) -> int:
        enrolled = role is not None and second_factor_required([role])
        user = sink.add(User, email=address, name=name, password_hash=self.password_hash,
                        active=True, created_at=at,
                        # the demo's second factor, for the roles that need one
                        totp_secret=TOTP_SECRET if enrolled else None,
                        totp_confirmed_at=at if enrolled else None, totp_last_step=None)
        if role is not None:
            self.grant(sink, user["id"], role, at, **scope)
        return user["id"]

    @staticmethod
    def grant(sink: Sink, user_id: int, role: Role, at: datetime, work_area_id: int | None = None,
              organisation_id: int | None = None) -> None:
        sink.add(RoleGrant, user_id=user_id, role=role, work_area_id=work_area_id,
                 organisation_id=organisation_id, granted_at=at)
