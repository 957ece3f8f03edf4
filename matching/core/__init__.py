"""Shared layer of every domain: errors, Brussels dates, database column types, the thin views'
helpers, navigation and the signals between packages. Depends on nothing of the application."""

