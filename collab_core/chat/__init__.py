"""Messages and what hangs off them: posting and reading, mentions, timeline views, safe presentation."""
