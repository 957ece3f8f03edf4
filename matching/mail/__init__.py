"""The outbox and its worker: e-mails are sent only after the transaction that wrote them
committed."""

