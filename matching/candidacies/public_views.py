"""The public page where anyone checks a letter: given its reference ("Ons kenmerk"), the
SHA-256 and the sealing moment of each of its versions, so that a recipient, a lawyer or
the appeal panel can compare a PDF with what this system sent. Nothing personal: no
names, no addresses, not even the kind of letter (that would tell a decision)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from matching.candidacies.queries import letter_versions

bp = Blueprint("letter_verification", __name__)

#: A reference is short (KAND-001-1-00012/R1/PITCH): longer input is not looked up.
MAX_REFERENCE = 60


@bp.get("/brieven/echtheid")
def verify():
    reference = " ".join((request.args.get("kenmerk") or "").split())[:MAX_REFERENCE + 1]
    too_long = len(reference) > MAX_REFERENCE
    versions = letter_versions(reference) if reference and not too_long else []
    response = render_template("public/letter_verification.html", reference=reference,
                               versions=versions, too_long=too_long,
                               latest=max((v.version for v in versions), default=None))
    return response, 200
