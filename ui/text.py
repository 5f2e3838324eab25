"""Every page text catalog of the app, in one list (Korean and English); ui.session registers them for tr()."""

from __future__ import annotations

from ui.admin_text import ADMIN_TEXT
from ui.app_text import APP_TEXT
from ui.assistant_text import ASSISTANT_TEXT
from ui.chat_text import CHAT_TEXT
from ui.digest_text import DIGEST_TEXT
from ui.invite_text import INVITE_TEXT
from ui.tasks_text import TASKS_TEXT

PAGE_TEXT: dict[str, dict[str, str]] = {
    **APP_TEXT,
    **CHAT_TEXT,
    **TASKS_TEXT,
    **ADMIN_TEXT,
    **ASSISTANT_TEXT,
    **INVITE_TEXT,
    **DIGEST_TEXT,
}
