"""Korean and English text of the digest features: the "since you were last here" banner, the
digest inbox and settings, the unsubscribe screen and the admin's digest controls."""

from __future__ import annotations

DIGEST_TEXT: dict[str, dict[str, str]] = {
    "admin.tab.digests": {"en": "Digests", "ko": "요약"},
    "since.title": {"en": "Since you were last here ({when})", "ko": "마지막 방문({when}) 이후"},
    "since.more": {"en": "… and {n} more", "ko": "… 외 {n}건"},
    "since.dismiss": {"en": "Got it", "ko": "확인"},
    "unsub.done": {
        "en": "You will no longer get {kind} digest e-mails for {project}. They still arrive in the app's inbox.",
        "ko": "{project}의 {kind} 요약 메일을 더 이상 보내지 않습니다. 앱의 알림함에는 계속 도착합니다.",
    },
    "unsub.again": {"en": "Subscribe again", "ko": "다시 받기"},
    "unsub.resubscribed": {"en": "Subscribed again.", "ko": "다시 받도록 설정했습니다."},
    "unsub.open_app": {"en": "Open Team Hub", "ko": "팀 허브 열기"},
    "kind.daily": {"en": "daily", "ko": "일일"},
    "kind.weekly": {"en": "weekly", "ko": "주간"},
    "digest.inbox": {"en": "Digests", "ko": "요약"},
    "digest.none": {
        "en": "No digests yet. They arrive here on your schedule when something changed.",
        "ko": "아직 요약이 없습니다. 바뀐 내용이 있으면 설정한 시간에 여기로 도착합니다.",
    },
    "digest.settings": {"en": "Digest settings", "ko": "요약 설정"},
    "digest.email": {"en": "E-mail address (optional)", "ko": "이메일 주소 (선택)"},
    "digest.language": {"en": "Digest language", "ko": "요약 언어"},
    "digest.timezone": {"en": "Time zone", "ko": "시간대"},
    "digest.mode": {"en": "Digest for this project", "ko": "이 프로젝트의 요약"},
    "digest.mode.default": {"en": "Project default ({mode})", "ko": "프로젝트 기본값 ({mode})"},
    "digest.mode.off": {"en": "Off", "ko": "끄기"},
    "digest.mode.daily": {"en": "Daily", "ko": "매일"},
    "digest.mode.weekly": {"en": "Weekly", "ko": "매주"},
    "digest.at": {"en": "Time (HH:MM)", "ko": "시간 (HH:MM)"},
    "digest.weekday": {"en": "Weekday", "ko": "요일"},
    "digest.save": {"en": "Save digest settings", "ko": "요약 설정 저장"},
    "digest.saved": {"en": "Saved.", "ko": "저장했습니다."},
    "digest.admin": {"en": "Digests and e-mail", "ko": "요약과 이메일"},
    "digest.admin_default": {"en": "Members' default digest", "ko": "멤버 기본 요약"},
    "digest.admin_webhook": {
        "en": "Also post a team digest to the project webhook",
        "ko": "프로젝트 웹훅에도 팀 요약 보내기",
    },
    "digest.test_to": {"en": "Send a test e-mail to", "ko": "테스트 메일 받을 주소"},
    "digest.test_send": {"en": "Send test e-mail", "ko": "테스트 메일 보내기"},
    "digest.test_queued": {
        "en": "Queued; its delivery state shows below.",
        "ko": "보낼 목록에 넣었습니다. 전송 상태는 아래에 표시됩니다.",
    },
    "digest.no_smtp": {
        "en": "E-mail is off: set COLLAB_SMTP_URL (smtp://user:pass@host:587).",
        "ko": "이메일이 꺼져 있습니다: COLLAB_SMTP_URL(smtp://user:pass@host:587)을 설정하세요.",
    },
}
