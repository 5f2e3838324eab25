"""Storage: the SQL engine, the table definitions, Alembic migrations and the SQLite/PostgreSQL specifics."""
