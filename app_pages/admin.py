"""Admin: members and roles, audit log, backup and restore, diagnostics, project settings, accounts."""

from ui.admin import render

render()
