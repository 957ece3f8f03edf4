"""Motivated letters for every step: composed from the recorded decisions, rendered as
accessible HTML and as PDF, stored immutably, and mailed through the outbox."""
