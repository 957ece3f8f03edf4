"""CLI commands: ``flask --app matching demo`` (and, through Flask-Migrate, ``db``)."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    @click.option("--if-empty", is_flag=True, help="Only when the database holds no work area.")
    def demo_command(if_empty: bool) -> None:
        """Fill the database with a realistic Dutch demo, dated relative to today."""
        from sqlalchemy import func, select

        from matching.demo import load_demo
        from matching.extensions import db
        from matching.schema import WorkArea

        if if_empty and db.session.scalar(select(func.count(WorkArea.id))):
            click.echo("De database bevat al gegevens; geen demo geladen.")
            return
        summary = load_demo()
        db.session.commit()
        click.echo("Demo geladen: " + ", ".join(f"{k}: {v}" for k, v in summary.items()))
