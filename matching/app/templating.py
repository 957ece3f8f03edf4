"""The templates' Jinja environment: Flask's, with a template's globals whose keys are a
set (issue 17).

Every ``{% from "…" import … %}`` asks, on every rendering, which globals of the importing
template the imported one lacks (``ctx.globals_keys - template.globals.keys()``, Jinja's
``Template._get_default_module``). A template's globals are a :class:`collections.ChainMap`
of its own over the environment's, and the set difference then tests each of some thirty
names through the abstract ``KeysView`` and ``ChainMap.__contains__`` (a generator per
name): about 20 µs per import, four imports on the account page. Here ``keys()`` answers
the same names as a set, built afresh at each call (so a global added later still
counts); everything else is Jinja's ``ChainMap``.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import MutableMapping
from typing import Any

from flask.templating import Environment as FlaskEnvironment


class TemplateGlobals(ChainMap):
    """Jinja's globals of a template, ``keys()`` a set of the names of all its maps."""

    def keys(self):
        return set().union(*self.maps)


class Environment(FlaskEnvironment):
    """Flask's Jinja environment with :class:`TemplateGlobals`."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return TemplateGlobals({} if d is None else d, self.globals)
