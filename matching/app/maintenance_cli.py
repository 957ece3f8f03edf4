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

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    def backup(path: Path) -> None:
        """Write a consistent archive of the whole database (every table, the attachments'
        bytes, the audit trail's head and its latest checkpoint) to PATH (a ZIP)."""
        import time

        from matching.app.backup import write_backup

        started = time.perf_counter()
        partial = path.with_name(path.name + ".part")
        with open(partial, "wb") as out:
            manifest = write_backup(out)
        partial.replace(path)  # never a half-written archive under the final name
        rows = sum(t["rows"] for t in manifest["tables"].values())
        head = manifest["audit_head"]
        click.echo(f"Back-up geschreven naar {path}: {len(manifest['tables'])} tabellen, "
                   f"{rows} rijen, {manifest['attachments']} bijlagen, audittrail tot "
                   f"gebeurtenis {head['id'] if head else '-'}; "
                   f"{path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s.")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def restore(path: Path) -> None:
        """Load the archive PATH into this database, which must be migrated and EMPTY; then
        verify the audit trail and every attachment's SHA-256. Exit 1 when refused or when
        the verification fails."""
        import time

        from matching.app.backup import BackupError, restore_backup

        started = time.perf_counter()
        try:
            report = restore_backup(str(path))
        except BackupError as error:
            click.echo(f"Herstel geweigerd: {error}.", err=True)
            raise SystemExit(1) from None
        click.echo(f"Hersteld: {report.tables} tabellen, {report.rows} rijen in "
                   f"{time.perf_counter() - started:.1f} s; audittrail "
                   f"{'intact' if report.audit_intact else 'NIET intact'} "
                   f"({report.audit_events} gebeurtenissen); {report.attachments_checked} "
                   f"bijlagen nagekeken, {len(report.attachments_bad)} afwijkend.")
        for problem in report.problems:
            click.echo(f"  {problem}", err=True)
        if report.problems:
            raise SystemExit(1)
