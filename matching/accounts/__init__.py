"""People and organisations: accounts, roles and their grants, sign-in, registration,
invitations."""

