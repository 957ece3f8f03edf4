"""The audit trail: every transition and operation recorded in an append-only hash chain."""

