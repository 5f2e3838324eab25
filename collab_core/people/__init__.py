"""Who may do what: accounts and projects, sign-in, roles and the audit log."""
