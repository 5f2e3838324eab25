"""Settings: one frozen object built from the environment and an optional .env file (python-dotenv)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from dotenv import dotenv_values

EMBEDDERS = ("local", "openai", "ollama", "fastembed")


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with Settings.load() and pass it in."""

    data_dir: Path = Path("data")
    database_url: str = ""
    db_pool_size: int = 5
    db_max_overflow: int = 10
    embedder: str = "local"
    embedder_model: str = ""
    embedder_base_url: str = ""
    embedder_api_key: str = ""
    embedder_dims: int = 0
    vector_store: str = "auto"
    qdrant_url: str = ""
    qdrant_api_key: str = ""
    openai_api_key: str = ""
    openai_base_url: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    context_tokens: int = 2000
    max_message_chars: int = 8000
    bulk_index_min: int = 5000
    webhook_timeout_s: float = 5.0
    # Webhooks to private, loopback and link-local addresses are refused unless the operator allows them.
    webhook_allow_private: bool = False
    language: str = "auto"
    session_days: int = 14
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS) or smtps://host:465; empty = no e-mail
    smtp_from: str = "Team Hub <hub@localhost>"
    smtp_timeout_s: float = 10.0
    public_url: str = "http://localhost:8501"  # where digest links and unsubscribe links point
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, env_file: str | os.PathLike[str] | None = ".env", **overrides: object) -> Settings:
        """Read the .env file (if present), then the process environment (which wins), then overrides."""
        values: dict[str, str] = {}
        if env_file and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ)

        def get(name: str, default: str = "") -> str:
            return values.get(name, default) or default

        data_dir = Path(get("COLLAB_DATA_DIR", "data")).expanduser()
        settings = cls(
            data_dir=data_dir,
            database_url=get("DATABASE_URL"),
            db_pool_size=int(get("COLLAB_DB_POOL_SIZE", "5")),
            db_max_overflow=int(get("COLLAB_DB_MAX_OVERFLOW", "10")),
            embedder=get("COLLAB_EMBEDDER", "local").lower(),
            embedder_model=get("COLLAB_EMBEDDER_MODEL"),
            embedder_base_url=get("COLLAB_EMBEDDER_BASE_URL"),
            embedder_api_key=get("COLLAB_EMBEDDER_API_KEY"),
            embedder_dims=int(get("COLLAB_EMBEDDER_DIMS", "0")),
            vector_store=get("COLLAB_VECTOR_STORE", "auto").lower(),
            qdrant_url=get("QDRANT_URL"),
            qdrant_api_key=get("QDRANT_API_KEY"),
            openai_api_key=get("OPENAI_API_KEY"),
            openai_base_url=get("OPENAI_BASE_URL"),
            llm_model=get("COLLAB_LLM_MODEL", "gpt-4o-mini"),
            llm_timeout_s=float(get("COLLAB_LLM_TIMEOUT", "60")),
            llm_max_retries=int(get("COLLAB_LLM_MAX_RETRIES", "2")),
            context_tokens=int(get("COLLAB_CONTEXT_TOKENS", "2000")),
            bulk_index_min=int(get("COLLAB_BULK_INDEX_MIN", "5000")),
            webhook_allow_private=_flag(get("COLLAB_WEBHOOK_ALLOW_PRIVATE"), False),
            language=get("COLLAB_LANGUAGE", "auto").lower(),
            session_days=int(get("COLLAB_SESSION_DAYS", "14")),
            smtp_url=get("COLLAB_SMTP_URL"),
            smtp_from=get("COLLAB_SMTP_FROM", "Team Hub <hub@localhost>"),
            smtp_timeout_s=float(get("COLLAB_SMTP_TIMEOUT", "10")),
            public_url=get("COLLAB_PUBLIC_URL", "http://localhost:8501"),
        )
        if settings.embedder not in EMBEDDERS:
            from collab_core.errors import ValidationError

            raise ValidationError(
                f"Unknown COLLAB_EMBEDDER {settings.embedder!r}.",
                hint=f"Use one of: {', '.join(EMBEDDERS)}.",
            )
        return replace(settings, **overrides) if overrides else settings

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: DATABASE_URL, or a SQLite file inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'collab.db').resolve()}"

    @property
    def is_postgres(self) -> bool:
        return self.resolved_database_url.startswith("postgresql")

    @property
    def resolved_vector_store(self) -> str:
        """qdrant-server when QDRANT_URL is set, pgvector on PostgreSQL, local Qdrant otherwise."""
        if self.vector_store != "auto":
            return self.vector_store
        if self.qdrant_url:
            return "qdrant-server"
        if self.is_postgres:
            return "pgvector"
        return "qdrant-local"

    @property
    def llm_configured(self) -> bool:
        """An LLM is on when there is an API key or an OpenAI-compatible base URL."""
        return bool(self.openai_api_key or self.openai_base_url)
