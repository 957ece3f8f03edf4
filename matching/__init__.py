"""Matching and jury scoring for the ESF+ call for interest "Lokale partnerschappen".

``flask --app matching ...`` finds :func:`create_app` here. The factory imports
Flask lazily so that the pure rule modules of this package (``matching.rules``,
``matching.statemachine`` ...) can be imported without loading Flask.
"""


def create_app(test_config=None):
    from matching.app import create_app as _create_app

    return _create_app(test_config)
