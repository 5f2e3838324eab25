"""Korean and English text of the admin page and the sign-in screen (ui.text lists every catalog)."""

from __future__ import annotations

ADMIN_TEXT: dict[str, dict[str, str]] = {
    "admin.title": {"en": "Admin", "ko": "관리"},
    "admin.no_access": {
        "en": "Only project admins and owners (and system admins) can open this page. Your role here: {role}.",
        "ko": "이 페이지는 프로젝트 관리자·소유자(또는 시스템 관리자)만 열 수 있습니다. 현재 역할: {role}.",
    },
    "admin.no_role": {"en": "none", "ko": "없음"},
    "admin.tab.members": {"en": "Members", "ko": "멤버"},
    "admin.tab.audit": {"en": "Audit log", "ko": "감사 로그"},
    "admin.tab.backup": {"en": "Backup", "ko": "백업"},
    "admin.tab.diagnostics": {"en": "Diagnostics", "ko": "진단"},
    "admin.tab.project": {"en": "Project", "ko": "프로젝트"},
    "admin.tab.accounts": {"en": "Accounts", "ko": "계정"},
    # members
    "admin.members.caption": {
        "en": "Members of **{project}**. Viewers read and search; members post, ask and work on tasks and "
        "meetings; admins also manage members and remove messages; owners also rename, delete and hand over "
        "the project.",
        "ko": "**{project}** 프로젝트의 멤버입니다. 뷰어는 읽기·검색, 멤버는 글쓰기·질문·작업·회의, 관리자는 "
        "멤버 관리와 메시지 삭제, 소유자는 프로젝트 이름 변경·삭제·소유권 이전까지 할 수 있습니다.",
    },
    "admin.members.user": {"en": "User", "ko": "사용자"},
    "admin.members.role": {"en": "Role", "ko": "역할"},
    "admin.members.joined": {"en": "Joined", "ko": "참여일"},
    "admin.members.you": {"en": "(you)", "ko": "(나)"},
    "admin.members.save_role": {"en": "Save role", "ko": "역할 저장"},
    "admin.members.remove": {"en": "Remove from project", "ko": "프로젝트에서 내보내기"},
    "admin.members.remove_note": {
        "en": "Their past messages stay in the project, attributed to them.",
        "ko": "내보내도 지금까지 쓴 메시지는 작성자 이름 그대로 남습니다.",
    },
    "admin.members.add": {"en": "Add a member", "ko": "멤버 추가"},
    "admin.members.add_username": {"en": "Username", "ko": "사용자 이름"},
    "admin.members.add_button": {"en": "Add", "ko": "추가"},
    "admin.members.added": {"en": "{name} is now {role}.", "ko": "{name} 님의 역할: {role}"},
    "admin.members.removed": {"en": "{name} was removed.", "ko": "{name} 님을 내보냈습니다."},
    "admin.members.pick": {"en": "Member", "ko": "멤버"},
    "admin.members.owner_locked": {
        "en": "Only an owner can change an owner.",
        "ko": "소유자의 역할은 소유자만 바꿀 수 있습니다.",
    },
    # audit
    "admin.audit.action": {"en": "Action", "ko": "작업"},
    "admin.audit.all_actions": {"en": "All actions", "ko": "모든 작업"},
    "admin.audit.actor": {"en": "Actor (username)", "ko": "수행자 (사용자 이름)"},
    "admin.audit.dates": {"en": "Dates", "ko": "기간"},
    "admin.audit.scope": {"en": "Scope", "ko": "범위"},
    "admin.audit.scope_project": {"en": "This project", "ko": "이 프로젝트"},
    "admin.audit.scope_all": {
        "en": "Everything (all projects, sign-ins, accounts)",
        "ko": "전체 (모든 프로젝트, 로그인, 계정)",
    },
    "admin.audit.when": {"en": "When", "ko": "시각"},
    "admin.audit.who": {"en": "Who", "ko": "수행자"},
    "admin.audit.what": {"en": "What", "ko": "작업"},
    "admin.audit.target": {"en": "Target", "ko": "대상"},
    "admin.audit.detail": {"en": "Detail", "ko": "세부 정보"},
    "admin.audit.project": {"en": "Project", "ko": "프로젝트"},
    "admin.audit.empty": {"en": "No audit entries match.", "ko": "조건에 맞는 감사 기록이 없습니다."},
    "admin.audit.count": {"en": "{n} entries (newest first)", "ko": "{n}건 (최신순)"},
    # backup
    "admin.backup.export_title": {"en": "Download a backup", "ko": "백업 내려받기"},
    "admin.backup.export_caption": {
        "en": "Every message (with tombstones), member, task and meeting of **{project}** as JSON. "
        "Passwords are never exported. Preparing a backup is recorded in the audit log.",
        "ko": "**{project}**의 모든 메시지(삭제 표시 포함), 멤버, 작업, 회의를 JSON으로 내보냅니다. "
        "비밀번호는 내보내지 않습니다. 백업 생성은 감사 로그에 기록됩니다.",
    },
    "admin.backup.prepare": {"en": "Prepare backup", "ko": "백업 만들기"},
    "admin.backup.download": {"en": "Download {name}", "ko": "{name} 내려받기"},
    "admin.backup.ready": {"en": "Backup ready: {counts}", "ko": "백업 준비 완료: {counts}"},
    "admin.backup.restore_title": {"en": "Restore a backup", "ko": "백업 복원"},
    "admin.backup.restore_caption": {
        "en": "The whole file is checked before anything is written: a damaged or foreign file changes nothing. "
        "Restoring is idempotent (messages already present are skipped) and rebuilds the search index.",
        "ko": "쓰기 전에 파일 전체를 검사하므로 손상되었거나 다른 형식의 파일은 아무것도 바꾸지 않습니다. "
        "같은 백업을 여러 번 복원해도 중복되지 않으며, 검색 색인을 다시 만듭니다.",
    },
    "admin.backup.file": {"en": "Backup file (.json)", "ko": "백업 파일 (.json)"},
    "admin.backup.restore": {"en": "Restore", "ko": "복원"},
    "admin.backup.restored": {
        "en": "Restored: {added} messages added, {skipped} already present, {projects} projects created.",
        "ko": "복원 완료: 메시지 {added}개 추가, {skipped}개는 이미 있음, 새 프로젝트 {projects}개.",
    },
    # diagnostics
    "admin.diag.caption": {
        "en": "Checks the database, memory index, embedder, vector store, search and language model.",
        "ko": "데이터베이스, 메모리 색인, 임베더, 벡터 저장소, 검색, 언어 모델 상태를 점검합니다.",
    },
    "admin.diag.run": {"en": "Run diagnostics", "ko": "진단 실행"},
    "admin.diag.healthy": {"en": "Healthy", "ko": "정상"},
    "admin.diag.problems": {"en": "Problems found", "ko": "문제가 있습니다"},
    "admin.diag.raw": {"en": "Raw report (JSON)", "ko": "원본 보고서 (JSON)"},
    # project
    "admin.project.rename": {"en": "Rename the project", "ko": "프로젝트 이름 변경"},
    "admin.project.new_name": {"en": "New name", "ko": "새 이름"},
    "admin.project.rename_button": {"en": "Rename", "ko": "이름 변경"},
    "admin.project.renamed": {"en": "Renamed.", "ko": "이름을 바꿨습니다."},
    "admin.project.transfer": {"en": "Hand over ownership", "ko": "소유권 이전"},
    "admin.project.transfer_caption": {
        "en": "The new owner must be a member; you become an admin.",
        "ko": "새 소유자는 이미 멤버여야 하며, 나는 관리자가 됩니다.",
    },
    "admin.project.transfer_button": {"en": "Hand over", "ko": "소유권 넘기기"},
    "admin.project.transferred": {"en": "{name} now owns the project.", "ko": "이제 {name} 님이 소유자입니다."},
    "admin.project.no_other_members": {
        "en": "Add another member first.",
        "ko": "먼저 다른 멤버를 추가하세요.",
    },
    "admin.project.delete": {"en": "Delete the project", "ko": "프로젝트 삭제"},
    "admin.project.delete_caption": {
        "en": "Deletes every message, task and meeting of this project and its search index. This cannot be "
        "undone: download a backup first. Type the project name to confirm.",
        "ko": "이 프로젝트의 모든 메시지, 작업, 회의와 검색 색인을 지웁니다. 되돌릴 수 없으니 먼저 백업을 "
        "내려받으세요. 확인을 위해 프로젝트 이름을 입력하세요.",
    },
    "admin.project.confirm": {"en": "Project name", "ko": "프로젝트 이름"},
    "admin.project.delete_button": {"en": "Delete forever", "ko": "영구 삭제"},
    "admin.project.confirm_mismatch": {
        "en": "The name does not match; nothing was deleted.",
        "ko": "이름이 일치하지 않아 삭제하지 않았습니다.",
    },
    "admin.project.deleted": {"en": "Project deleted.", "ko": "프로젝트를 삭제했습니다."},
    # accounts (system admins)
    "admin.accounts.caption": {
        "en": "System admins manage accounts. Being a system admin gives no access to projects by itself.",
        "ko": "시스템 관리자는 계정을 관리합니다. 시스템 관리자라고 해서 프로젝트에 접근할 수 있는 것은 아닙니다.",
    },
    "admin.accounts.username": {"en": "Username", "ko": "사용자 이름"},
    "admin.accounts.display": {"en": "Display name", "ko": "표시 이름"},
    "admin.accounts.sign_in": {"en": "Signs in with", "ko": "로그인 방식"},
    "admin.accounts.method.password": {"en": "password", "ko": "비밀번호"},
    "admin.accounts.method.sso": {"en": "SSO", "ko": "SSO"},
    "admin.accounts.method.none": {"en": "cannot sign in", "ko": "로그인 불가"},
    "admin.accounts.sysadmin": {"en": "System admin", "ko": "시스템 관리자"},
    "admin.accounts.disabled": {"en": "Disabled", "ko": "비활성"},
    "admin.accounts.locked": {"en": "Locked out", "ko": "잠김"},
    "admin.accounts.create": {"en": "Create an account", "ko": "계정 만들기"},
    "admin.accounts.password": {"en": "Initial password", "ko": "초기 비밀번호"},
    "admin.accounts.make_admin": {"en": "System admin", "ko": "시스템 관리자"},
    "admin.accounts.create_button": {"en": "Create account", "ko": "계정 만들기"},
    "admin.accounts.created": {"en": "Account {name} created.", "ko": "{name} 계정을 만들었습니다."},
    "admin.accounts.manage": {"en": "Manage an account", "ko": "계정 관리"},
    "admin.accounts.pick": {"en": "Account", "ko": "계정"},
    "admin.accounts.new_password": {"en": "New password", "ko": "새 비밀번호"},
    "admin.accounts.reset_button": {"en": "Reset password", "ko": "비밀번호 재설정"},
    "admin.accounts.reset_done": {
        "en": "Password reset; any lockout is lifted.",
        "ko": "비밀번호를 재설정했고 잠금도 풀었습니다.",
    },
    "admin.accounts.disable_button": {"en": "Disable account", "ko": "계정 비활성화"},
    "admin.accounts.enable_button": {"en": "Enable account", "ko": "계정 활성화"},
    "admin.accounts.unlock_button": {"en": "Lift lockout", "ko": "잠금 해제"},
    "admin.accounts.grant_button": {"en": "Make system admin", "ko": "시스템 관리자로 지정"},
    "admin.accounts.revoke_button": {"en": "Remove system admin", "ko": "시스템 관리자 해제"},
    "admin.accounts.done": {"en": "Done.", "ko": "완료했습니다."},
    # sign-in screen (SSO)
    "auth.sso_button": {"en": "Sign in with single sign-on", "ko": "SSO로 로그인"},
    "auth.sso_or": {"en": "or use a local account", "ko": "또는 로컬 계정 사용"},
    "auth.sso_failed": {
        "en": "Single sign-on did not give us a usable identity: {detail}",
        "ko": "SSO 로그인 정보를 사용할 수 없습니다: {detail}",
    },
}
