"""Letters as documents: what a letter says (plain data), rendered as accessible HTML, as
PDF and as plain text, and a pitch's calendar invitation. Nothing domain-specific: each
domain's ``notifications`` module builds the content from its records and issues it."""
