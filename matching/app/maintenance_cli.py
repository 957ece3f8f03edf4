"""Commands for the people who run an installation (issue 14): the attachments' sweep,
the backup and the restore.

    flask --app matching.app attachments sweep [--remove]
    flask --app matching.app backup FILE
    flask --app matching.app restore FILE
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from matching.core.db import db


def register_maintenance_cli(app: Flask) -> None:
    @app.cli.group("attachments")
    def attachments_group() -> None:
        """Attachments: their bytes are in the database."""

    @attachments_group.command("sweep")
    @click.option("--remove", is_flag=True,
                  help="Delete the files of the old upload folder that the database holds "
                       "or that no attachment owns.")
    def attachments_sweep(remove: bool) -> None:
        """Move files uploaded before issue 14 into the database, name every orphan file and
        every attachment without (or with wrong) bytes; exit 1 unless all is clean."""
        from matching.candidacies.queries import upload_dir
        from matching.candidacies.storage import remove_files, sweep

        folder = upload_dir()
        report = sweep(folder, remove=remove)
        db.session.commit()
        if remove:
            remove_files(folder, report.removed)
        click.echo(f"{report.checked} bijlagen nagekeken; {len(report.moved)} bestanden naar de "
                   f"databank verplaatst; {len(report.orphans)} weesbestanden"
                   f"{' verwijderd' if remove else ''}; {len(report.missing)} bijlagen zonder "
                   f"inhoud; {len(report.mismatched)} met een afwijkende SHA-256.")
        for name in report.orphans:
            click.echo(f"  weesbestand: {Path(folder) / name}")
        for attachment_id in report.missing:
            click.echo(f"  zonder inhoud: bijlage {attachment_id}", err=True)
        for attachment_id in report.mismatched:
            click.echo(f"  afwijkende inhoud: bijlage {attachment_id}", err=True)
        if not report.clean:
            raise SystemExit(1)
