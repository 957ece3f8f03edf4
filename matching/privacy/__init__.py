"""Personal data as the GDPR expects it: the privacy notice, each person's own data (as a
page and as JSON, also produced by an administrator for a person who asks by other means).

It reads across every domain (accounts, candidacies, juries, appeals, oversight, the
outbox), so it sits above them in the layers (``pyproject.toml``)."""
