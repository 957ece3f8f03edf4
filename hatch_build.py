"""Build hook: compile the translation catalogues (.po) into the wheel (.mo).

The .mo files are not kept in git (``make install`` compiles them in a source tree); a
wheel built from a clean checkout gets them from here, so an installed application speaks
English too.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileTranslations(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        if version == "editable":
            return  # a source tree: make install compiles them in place
        self._out = tempfile.TemporaryDirectory()
        catalogues = Path(self.root, "matching", "translations")
        for po_path in sorted(catalogues.glob("*/LC_MESSAGES/messages.po")):
            relative = po_path.relative_to(self.root).with_suffix(".mo")
            target = Path(self._out.name, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file)
            with target.open("wb") as mo_file:
                write_mo(mo_file, catalogue)
            build_data["force_include"][str(target)] = str(relative)

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        if getattr(self, "_out", None) is not None:
            self._out.cleanup()
