"""Korean and English text of invites: adding people by name, invite links, arriving through a link."""

from __future__ import annotations

INVITE_TEXT: dict[str, dict[str, str]] = {
    "invite.welcome": {
        "en": "You are invited to **{project}** as {role}. Create an account (or sign in) to join.",
        "ko": "**{project}** 프로젝트에 {role}로 초대받았습니다. 계정을 만들거나 로그인하면 참여합니다.",
    },
    "invite.joined": {
        "en": "You joined {name} as {role}; you are in it now.",
        "ko": "프로젝트에 참여했습니다: {name} (역할: {role})",
    },
    "invite.person": {"en": "Person (type a name)", "ko": "사람 (이름을 입력해 찾기)"},
    "invite.person_placeholder": {"en": "Type a name or username…", "ko": "이름이나 사용자 이름 입력…"},
    "invite.pick_someone": {"en": "Pick a person from the list first.", "ko": "먼저 목록에서 사람을 고르세요."},
    "invite.nobody_to_add": {
        "en": "Everyone with an account is already in this project: invite new people with a link below.",
        "ko": "계정이 있는 사람은 모두 이미 참여 중입니다. 새 사람은 아래 초대 링크로 초대하세요.",
    },
    "invite.links": {"en": "Invite links", "ko": "초대 링크"},
    "invite.links_caption": {
        "en": "Anyone with the link can create an account and join with its role until it expires.",
        "ko": "링크를 받은 사람은 만료 전까지 계정을 만들고 지정한 역할로 바로 참여할 수 있습니다.",
    },
    "invite.days": {"en": "Valid for (days)", "ko": "유효 기간 (일)"},
    "invite.create": {"en": "Create invite link", "ko": "초대 링크 만들기"},
    "invite.created": {
        "en": "Invite link for a {role}, valid until {until}. Copy it now: it is shown only once.",
        "ko": "{role} 초대 링크입니다({until}까지 유효). 지금 복사하세요. 다시 보여 주지 않습니다.",
    },
    "invite.row": {
        "en": "Link for a {role} · valid until {until} · used {uses}×",
        "ko": "{role} 초대 링크 · {until}까지 · {uses}회 사용",
    },
    "invite.revoke": {"en": "Revoke", "ko": "취소"},
}
