"""The one error tree of collab_core: pages and the CLI catch CollabError and show its message."""

from __future__ import annotations


class CollabError(Exception):
    """Base of every error collab_core raises on purpose; its message is safe to show to users."""

    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class ValidationError(CollabError):
    """Input that cannot be accepted as given (empty, too long, badly formatted)."""

    code = "validation"


class NotFoundError(CollabError):
    """A project, user, message or other record that does not exist (or is not visible to the actor)."""

    code = "not_found"


class PermissionDeniedError(CollabError):
    """The acting user's role does not allow this action."""

    code = "permission"


class ConflictError(CollabError):
    """The action clashes with existing data (a duplicate name, a non-empty target)."""

    code = "conflict"


class AuthenticationError(CollabError):
    """Sign-in failed; deliberately generic so it never tells which part was wrong."""

    code = "auth"


class AccountLockedError(AuthenticationError):
    """Too many failed sign-ins for this username; try again later."""

    code = "locked"


class BackupFormatError(CollabError):
    """A backup file that is not valid JSON, has the wrong format version or lacks fields."""

    code = "backup_format"


class IndexingError(CollabError):
    """The memory index (embedder or vector store) failed; the SQL row is kept and reindex repairs it."""

    code = "indexing"


class LLMError(CollabError):
    """The language model could not answer (not configured, bad key, rate limited, timed out, unreachable)."""

    code = "llm"


class LLMNotConfiguredError(LLMError):
    """No language model is configured; generation is off."""

    code = "llm_off"


class LLMAuthError(LLMError):
    """The language model rejected the API key."""

    code = "llm_auth"


class LLMRateLimitError(LLMError):
    """The language model is rate limiting us."""

    code = "llm_rate"


class LLMTimeoutError(LLMError):
    """The language model did not answer in time."""

    code = "llm_timeout"


class LLMUnreachableError(LLMError):
    """The language model server could not be reached."""

    code = "llm_unreachable"


class LLMStreamBrokenError(LLMError):
    """The connection to the language model dropped in the middle of an answer."""

    code = "llm_broken"


class LLMOutputError(LLMError):
    """The language model answered with output we could not validate."""

    code = "llm_output"


class LLMModelNotFoundError(LLMError):
    """The language model server does not have the configured model."""

    code = "llm_model"
