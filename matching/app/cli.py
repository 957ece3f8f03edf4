"""CLI commands: ``flask --app matching.app demo``, ``outbox``, ``audit verify`` (and, through
Flask-Migrate, ``db``)."""

from __future__ import annotations

import click
from flask import Flask

from matching.audit.queries import record_checkpoint
from matching.candidacies.operations import send_outbox
from matching.core.dates import BRUSSELS
from matching.core.db import db
from matching.demo import load_demo
from matching.mail.models import OutboxMessage, OutboxState
from matching.scale import ScaleError, generate
from workareas.models import WorkArea


def _checkpoint() -> None:
    """Verify the audit chain once and record it, so that pages walk only what follows."""

    record_checkpoint()
    db.session.commit()


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database holds no work area.")
    def demo_command(if_empty: bool) -> None:
        """Fill the database with a realistic Dutch demo, dated relative to today."""
        from sqlalchemy import func, select


        if if_empty and db.session.scalar(select(func.count(WorkArea.id))):
            click.echo("De database bevat al gegevens; geen demo geladen.")
            return
        summary = load_demo()
        db.session.commit()
        _checkpoint()
        click.echo("Demo geladen: " + ", ".join(f"{k}: {v}" for k, v in summary.items()))

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


        started = time.perf_counter()
        noon = datetime.combine(today.date(), clock(12), tzinfo=BRUSSELS) if today else None
        try:
            report = generate(areas, per_area, seed, today=noon)
        except ScaleError as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        _checkpoint()
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


        while True:
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
        click.echo(f"De audittrail is intact: {checkpoint.events} gebeurtenissen.")
