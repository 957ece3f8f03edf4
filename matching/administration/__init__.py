"""The administrator's pages (Europa WSE): organisations, accounts and invitations. Views over
the accounts and work areas domains; the operations stay in those domains."""

