"""Models of the matching package (accounts, organisations, candidacies, audit).

Import every model of every domain from :mod:`matching.schema`."""
