"""Extra CLI commands registered by feature modules (accounts, members, migrate)."""
