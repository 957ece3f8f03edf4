"""Matching and jury scoring for the ESF+ call for interest "Lokale partnerschappen".

The application is :func:`matching.app.create_app` (``flask --app matching.app``). Its
sub-packages, each with one job, are described in the README ("Where to find what").
"""
