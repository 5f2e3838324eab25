"""Operations on a whole data dir or database: backup/restore, moving to another database, diagnostics, demo data, dataset import."""
