"""CLI commands: ``flask --app matching.app demo``, ``outbox``, ``audit verify``, ``letters
verify`` (and Flask-Migrate's ``db``, imported when it runs)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy import select

from matching.app.maintenance_cli import register_maintenance_cli
from matching.audit.keys import audit_key
from matching.audit.queries import record_checkpoint
from matching.audit.verify import changed_personal_values
from matching.candidacies.operations import send_outbox
from matching.candidacies.queries import letter_of_pdf, letter_seal_fingerprints
from matching.core.dates import BRUSSELS, format_brussels
from matching.core.db import db
from matching.letters.seal import SealCheck, UnreadablePdf, check_seal, current_seal
from matching.mail.models import OutboxMessage, OutboxState
from matching.oversight.models import FinalReport
from workareas.models import WorkArea


def _checkpoint() -> None:
    """Verify the audit chain once and record it, so that pages walk only what follows."""

    record_checkpoint()
    db.session.commit()


class MigrationCommands(click.Group):
    """``flask db …``: Flask-Migrate's command group, imported (with Alembic and Mako) only
    when a ``db`` command runs, not by every worker that creates the application (issue 17).
    Its parsing, help and commands are Flask-Migrate's own: the context is made by its group."""

    @staticmethod
    def _commands() -> click.Group:
        from flask_migrate.cli import db as commands

        return commands

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._commands().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._commands().get_command(ctx, cmd_name)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: click.Context | None = None, **extra: Any) -> click.Context:
        return self._commands().make_context(info_name, args, parent=parent, **extra)


def register_cli(app: Flask) -> None:
    # Flask-Migrate's `db` group (Migrate.init_app registered it before issue 17)
    app.cli.add_command(MigrationCommands("db", help="Perform database migrations."))

    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database holds no work area.")
    def demo_command(if_empty: bool) -> None:
        """Fill the database with a realistic Dutch demo, dated relative to today."""
        from sqlalchemy import func, select


        if if_empty and db.session.scalar(select(func.count(WorkArea.id))):
            click.echo("De database bevat al gegevens; geen demo geladen.")
            return
        from matching.demo import load_demo  # CLI only (issue 17: not in every worker)

        summary = load_demo()
        db.session.commit()
        _checkpoint()
        click.echo("Demo geladen: " + ", ".join(f"{k}: {v}" for k, v in summary.items()))

    @app.cli.command("create-admin")
    @click.option("--email", required=True, help="The administrator's e-mail address.")
    @click.option("--name", required=True, help="The administrator's name.")
    @click.password_option(help="At least 12 characters (asked when not given).")
    def create_admin_command(email: str, name: str, password: str) -> None:
        """Create the first administrator of a fresh installation (nothing when one exists)."""
        from datetime import UTC, datetime

        from matching.accounts.operations import create_first_administrator
        from matching.core.errors import DomainError

        try:
            user = create_first_administrator(email, name, password, now=datetime.now(UTC))
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            click.echo(error.message)
            return
        click.echo(f"Beheerder {user.email} aangemaakt.")

    @app.cli.command("scale")
    @click.option("--areas", default=60, show_default=True, type=click.IntRange(1, 999),
                  help="Number of work areas.")
    @click.option("--per-area", default=100, show_default=True, type=click.IntRange(1, 9999),
                  help="Candidacies per work area.")
    @click.option("--seed", default=1, show_default=True, type=int, help="Random seed.")
    @click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None,
                  help="Date the story as if today were this day (default: now).")
    def scale_command(areas: int, per_area: int, seed: int, today) -> None:
        """Fill the database with a large, consistent dataset for load tests (bulk inserts)."""
        import time
        from datetime import datetime
        from datetime import time as clock

        from matching.scale import ScaleError, generate  # CLI only (issue 17)

        started = time.perf_counter()
        noon = datetime.combine(today.date(), clock(12), tzinfo=BRUSSELS) if today else None
        try:
            report = generate(areas, per_area, seed, today=noon)
        except ScaleError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        _checkpoint()
        if db.engine.dialect.name == "postgresql":
            # The planner's statistics of the tables just filled: without them it guesses
            # (autovacuum gathers them in time, where it runs; a database copied from this
            # one as a template keeps them). Issue 17: without statistics a join with the
            # organisations read all 61,750 of them at 10x.
            with db.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        # User-facing output (Dutch).
        click.echo("Schaalgegevens geladen:")
        for line in report.lines():
            click.echo(f"  {line}")
        click.echo(f"Duur: {time.perf_counter() - started:.1f} s")

    @app.cli.group("outbox")
    def outbox_group() -> None:
        """The mail outbox: letters are mailed only after their transaction committed."""

    @outbox_group.command("send")
    @click.option("--watch", is_flag=True, help="Keep running; send what becomes due.")
    @click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
    @click.option("--limit", default=100, show_default=True, help="Messages per round.")
    def outbox_send(watch: bool, interval: float, limit: int) -> None:
        """Send the pending e-mails (with back-off on failures)."""
        import time

        from flask import current_app

        from matching.core.web import utcnow
        from matching.tasks.reminders import send_reminders

        reminded_at = 0.0
        while True:
            if watch and time.monotonic() - reminded_at >= current_app.config["REMINDER_INTERVAL"]:
                send_reminders(utcnow())  # each reminder once (a unique key), then sent below
                reminded_at = time.monotonic()
            counts = send_outbox(current_app.config, limit=limit)
            if any(counts.values()) or not watch:
                click.echo(f"verzonden: {counts['sent']}, opnieuw later: {counts['retry']}, "
                           f"mislukt: {counts['failed']}")
            if not watch:
                return
            time.sleep(interval)

    @outbox_group.command("status")
    def outbox_status() -> None:
        """How many messages are pending, sending, sent and failed."""
        from sqlalchemy import func, select


        counts = dict(db.session.execute(select(OutboxMessage.state, func.count())
                                         .group_by(OutboxMessage.state)).tuples().all())
        click.echo(", ".join(f"{s.value}: {counts.get(s, 0)}" for s in OutboxState))

    @app.cli.group("reminders")
    def reminders_group() -> None:
        """Reminders before deadlines and to jury members with scores missing."""

    @reminders_group.command("send")
    def reminders_send() -> None:
        """Queue the reminders due now (each exactly once); the outbox worker sends them."""
        from matching.core.web import utcnow
        from matching.tasks.reminders import send_reminders

        counts = send_reminders(utcnow())
        click.echo(f"herinneringen klaargezet: kandidaturen {counts['candidacy']}, "
                   f"weerwoorden {counts['appeal']}, scores {counts['scores']}, "
                   f"dagelijkse overzichten {counts['digests']}")

    @app.cli.group("audit")
    def audit_group() -> None:
        """The audit trail: an append-only hash chain of every operation."""

    @audit_group.command("verify")
    def audit_verify() -> None:
        """Recompute every entry's hash and follow every link; exit 1 at the first break."""

        checkpoint, report = record_checkpoint()
        db.session.commit()  # pages continue from this checkpoint (condition 5)
        if report.broken is not None:
            click.echo(f"De audittrail is NIET intact: {report.broken.describe()}.", err=True)
            raise SystemExit(1)
        changed = changed_personal_values(db.session, audit_key())
        if changed:
            click.echo("De apart bewaarde persoonsgegevens van gebeurtenis(sen) "
                       f"{', '.join(map(str, changed[:10]))} zijn gewijzigd buiten de "
                       "bewaring om (personal values changed).", err=True)
            raise SystemExit(1)
        click.echo(f"De audittrail is intact: {checkpoint.events} gebeurtenissen.")

    @app.cli.group("retention")
    def retention_group() -> None:
        """Retention (issue 18): pseudonymise and delete personal data past their period."""

    @retention_group.command("run")
    @click.option("--dry-run", is_flag=True, help="Only count what would be done.")
    def retention_run(dry_run: bool) -> None:
        """Pseudonymise expired procedures and inactive accounts, delete old drafts; safe
        to run daily (a second run changes nothing)."""
        from matching.core.web import utcnow
        from matching.privacy.retention import run_retention

        report = run_retention(now=utcnow(), dry_run=dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        verb = "zou" if dry_run else "heeft"
        click.echo(f"De bewaring {verb}: {report.procedures} procedures en "
                   f"{report.accounts} accounts gepseudonimiseerd, {report.drafts} nooit "
                   f"ingediende kandidaturen verwijderd (met {report.attachments} bijlagen)"
                   + (" (proefdraai: niets gewijzigd)." if dry_run else "."))

    @app.cli.group("roles")
    def roles_group() -> None:
        """PostgreSQL: the application's own role (migrations run as the owner)."""

    @roles_group.command("grant")
    @click.option("--role", help="The application's role (default: <database>_app).")
    def roles_grant(role: str | None) -> None:
        """Run as the owner after every migration: create or update the application's role
        with only the rights it needs (password from APP_DATABASE_PASSWORD, if set)."""
        import os

        from matching.app.roles import default_role, grant_app_role

        if db.engine.dialect.name != "postgresql":
            raise click.ClickException("roles are a PostgreSQL matter (SQLite has none)")
        with db.engine.begin() as connection:
            role = role or default_role(connection)
            grant_app_role(connection, role, os.environ.get("APP_DATABASE_PASSWORD"))
        click.echo(f"De rol {role} mag rijen lezen en schrijven, maar geen tabel wijzigen en "
                   "de audittrail niet aanpassen.")

    @roles_group.command("check")
    def roles_check() -> None:
        """Run with the application's DATABASE_URL: exit 1 when it connects with more
        rights than it needs (a superuser, the owner of the tables)."""
        from matching.app.roles import app_role_problems

        if db.engine.dialect.name != "postgresql":
            raise click.ClickException("roles are a PostgreSQL matter (SQLite has none)")
        with db.engine.connect() as connection:
            problems = app_role_problems(connection)
        for problem in problems:
            click.echo(f"Te veel rechten: {problem}.", err=True)
        if problems:
            raise SystemExit(1)
        click.echo("De toepassing verbindt met een rol met enkel de rechten die ze nodig heeft.")

    @app.cli.group("letters")
    def letters_group() -> None:
        """Letters and final reports as sent: check a PDF against the seal and the record."""

    @letters_group.command("verify")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def letters_verify(path: Path) -> None:
        """Whether FILE is an unaltered letter (or final report) of this system, which one,
        and when it was sealed; exit 1 when it is not."""
        ok, lines = verify_pdf(path.read_bytes())
        for line in lines:
            click.echo(line, err=not ok)
        if not ok:
            raise SystemExit(1)

    register_maintenance_cli(app)  # attachments sweep, backup, restore (issue 14)


def verify_pdf(data: bytes) -> tuple[bool, list[str]]:
    """What ``flask letters verify`` says of a file (Dutch, as the other commands)."""
    digest = hashlib.sha256(data).hexdigest()
    letter = letter_of_pdf(digest)
    report = db.session.scalar(select(FinalReport).where(FinalReport.sha256 == digest))
    ours = {current_seal().fingerprint} | letter_seal_fingerprints() | {
        fingerprint for fingerprint in db.session.scalars(select(FinalReport.seal_fingerprint))
        if fingerprint}
    try:
        check = check_seal(data, ours)
    except UnreadablePdf:
        return False, ["NIET geldig: dit bestand is geen leesbare pdf."]
    facts = [f"  SHA-256: {digest}"]
    what, sealed_at = "", None
    if letter is not None:
        stored_letter, stored = letter
        facts[:0] = [f"  Kenmerk: {stored_letter.reference}", f"  Versie: {stored_letter.version}"]
        what = "een ongewijzigde brief van dit systeem"
        sealed_at = stored.sealed_at
    elif report is not None:
        facts[:0] = [f"  Procedure: {report.procedure_id}"]
        what = "het ongewijzigde eindverslag van stap 3 van dit systeem"
        sealed_at = report.sealed_at
    if check.valid:
        moment = format_brussels(check.signed_at) if check.signed_at else "onbekend"
        facts += [f"  Verzegeld op: {moment} (Belgische tijd)", f"  Zegel: {check.signer}"]
        if letter is None and report is None:
            return False, ["NIET herkend: het zegel is geldig en van dit systeem, maar dit "
                           "systeem bewaart geen brief of eindverslag met deze inhoud.", *facts]
        return True, [f"Geldig: {what}.", *facts]
    if not check.signed and (letter is not None or report is not None) and sealed_at is None:
        return True, [f"Geldig: {what}, verzonden vóór de verzegeling van brieven (zonder "
                      "zegel); het bestand is identiek aan wat dit systeem bewaart.", *facts]
    return False, [f"NIET geldig: {_why_not(check)}", f"  SHA-256: {digest}"]


def _why_not(check: SealCheck) -> str:
    if not check.signed:
        return "het bestand draagt geen zegel van dit systeem en is geen brief die het bewaart."
    if not check.intact:
        return "het bestand werd gewijzigd na de verzegeling."
    if not check.whole_file:
        return "na de verzegeling werd iets aan het bestand toegevoegd."
    return "het zegel is niet gemaakt met een certificaat van dit systeem."
