"""The candidacy: one organisation's application for one procedure, its letters and their
delivery."""

