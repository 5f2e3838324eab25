"""Korean versions of the English error messages collab_core raises (regex with named groups -> Korean template).

The core raises English; i18n.error_text shows these to Korean users. The first matching pattern wins.
"""

from __future__ import annotations

KOREAN_ERRORS: tuple[tuple[str, str], ...] = (
    # messages, accounts, roles and backups
    (r"^A message cannot be empty", "메시지가 비어 있습니다. 내용을 입력한 뒤 보내세요."),
    (
        r"^A message can be at most (?P<limit>[\d,]+) characters; this one has (?P<n>[\d,]+)",
        "메시지는 최대 {limit}자까지 보낼 수 있습니다(현재 {n}자). 여러 메시지로 나누어 보내세요.",
    ),
    (r"^Wrong username or password", "사용자 이름 또는 비밀번호가 올바르지 않습니다."),
    (r"^Too many failed sign-ins", "로그인 실패가 너무 많습니다. 15분 후에 다시 시도하세요."),
    (r"^The username '(?P<name>.*)' is taken", "사용자 이름 '{name}'은(는) 이미 사용 중입니다."),
    (r"^A password needs at least (?P<n>\d+) characters", "비밀번호는 최소 {n}자 이상이어야 합니다."),
    (r"^A project named '(?P<name>.*)' already exists", "'{name}' 프로젝트가 이미 있습니다."),
    (
        r"^Your role \((?P<role>\w+)\) does not allow this",
        "현재 역할({role})로는 이 작업을 할 수 없습니다. 프로젝트 관리자에게 문의하세요.",
    ),
    (r"^That project does not exist", "프로젝트가 없거나 참여하지 않은 프로젝트입니다."),
    (r"^The backup is not valid JSON", "백업 파일이 올바른 JSON이 아닙니다. 내보내기로 만든 파일을 선택하세요."),
    (r"^Backup format version", "지원하지 않는 백업 형식 버전입니다."),
    (r"missing field\(s\) (?P<fields>.+)\.$", "백업 파일에 필수 항목이 없습니다: {fields}"),
    (r"^The (?P<what>[\w ]+) cannot be empty", "{what} 항목은 비워 둘 수 없습니다."),
    # chat and moderation
    (r"^That message does not exist", "메시지를 찾을 수 없습니다. 이미 삭제되었을 수 있습니다."),
    (r"^Your account cannot act here", "이 계정으로는 여기서 작업할 수 없습니다. 다시 로그인하세요."),
    (r"^A message must be text", "메시지는 글자로 입력해야 합니다."),
    (r"^A message needs an author", "메시지에 작성자가 필요합니다."),
    (r"^Unknown message kind", "알 수 없는 메시지 종류입니다."),
    (r"^Unknown author", "알 수 없는 작성자입니다."),
    # tasks, meetings and the inbox
    (r"^A task needs a title", "작업 제목을 입력하세요."),
    (r"^A meeting needs a title", "회의 제목을 입력하세요."),
    (r"^An agenda item needs a topic", "안건 주제를 입력하세요."),
    (r"^The task title can be at most (?P<n>\d+)", "작업 제목은 최대 {n}자까지 입력할 수 있습니다."),
    (
        r"^The due date '(?P<v>.*)' is not a valid date",
        "마감일 '{v}'이(가) 올바른 날짜가 아닙니다. YYYY-MM-DD 형식으로 입력하세요.",
    ),
    (r"^The due date must be a date", "마감일은 YYYY-MM-DD 형식의 날짜여야 합니다."),
    (r"^Unknown task status", "알 수 없는 작업 상태입니다. TODO, IN_PROGRESS, REVIEW, DONE 중에서 고르세요."),
    (r"^Unknown priority", "알 수 없는 우선순위입니다. low, normal, high, urgent 중에서 고르세요."),
    (r"^A label can be at most (?P<n>\d+) characters", "라벨은 최대 {n}자까지 입력할 수 있습니다."),
    (r"^A task can have at most (?P<n>\d+) labels", "작업에는 라벨을 최대 {n}개까지 붙일 수 있습니다."),
    (r"^The assignee is not a member", "담당자는 이 프로젝트의 멤버여야 합니다."),
    (r"^The attendee is not a member", "참석자는 이 프로젝트의 멤버여야 합니다."),
    (r"^The presenter is not a member", "발표자는 이 프로젝트의 멤버여야 합니다."),
    (r"^That task does not exist", "작업을 찾을 수 없습니다. 이미 삭제되었을 수 있습니다."),
    (r"^That meeting does not exist", "회의를 찾을 수 없습니다."),
    (
        r"^'(?P<title>.*)' was moved to (?P<status>\w+) by someone else",
        "다른 팀원이 '{title}' 작업을 {status}(으)로 먼저 옮겼습니다. 보드를 새로 고쳤습니다.",
    ),
    (r"^The meeting '(?P<title>.*)' has ended", "'{title}' 회의는 종료되어 더 이상 변경할 수 없습니다."),
    (r"^The webhook URL must", "웹훅 URL은 http:// 또는 https:// 로 시작해야 합니다."),
    # members, accounts, sign-in and backups
    (r"^The username '(?P<name>.*)' is reserved", "'{name}'은(는) 예약된 사용자 이름입니다. 다른 이름을 고르세요."),
    (r"^Only a system admin can manage accounts", "계정 관리는 시스템 관리자만 할 수 있습니다."),
    (r"^The current password is wrong", "현재 비밀번호가 올바르지 않습니다."),
    (r"^You cannot disable your own account", "내 계정은 비활성화할 수 없습니다."),
    (r"^The last system admin", "마지막 시스템 관리자는 해제하거나 비활성화할 수 없습니다."),
    (r"^Only the project owner can grant or change the owner role", "소유자 역할은 소유자만 주거나 바꿀 수 있습니다."),
    (r"^The last owner cannot be removed", "마지막 소유자는 내보낼 수 없습니다. 먼저 소유권을 넘기세요."),
    (r"^A project needs an owner", "프로젝트에는 소유자가 있어야 합니다. 먼저 소유권을 넘기세요."),
    (r"^Choose another member to hand the project to", "소유권을 넘길 다른 멤버를 고르세요."),
    (r"^The new owner must already be a member", "새 소유자는 이미 프로젝트 멤버여야 합니다."),
    (r"^This account signs in with single sign-on", "이 계정은 SSO로 로그인하므로 비밀번호가 없습니다."),
    (r"^Not a collab-hub backup", "이 프로그램의 백업 파일이 아닙니다."),
    (r"counts do not match", "백업 파일의 개수 정보가 내용과 다릅니다. 파일이 잘렸을 수 있습니다."),
    (r"is not an ISO-8601 time", "백업 파일에 잘못된 시각 값이 있습니다."),
    (r"unknown role", "백업 파일에 알 수 없는 역할이 있습니다."),
    (r"empty content", "백업 파일에 내용이 빈 메시지가 있습니다."),
    (r"^backup: 'users' and 'projects' must be lists", "백업 파일 형식이 올바르지 않습니다."),
    (r"expected an object", "백업 파일 형식이 올바르지 않습니다."),
    (r"^A password cannot be only spaces", "비밀번호는 공백만으로 만들 수 없습니다."),
    (r"^A password can be at most", "비밀번호가 너무 깁니다."),
    (
        r"^A username may contain",
        "사용자 이름에는 글자, 숫자, '.', '-', '_'만 쓸 수 있고 글자나 숫자로 시작해야 합니다.",
    ),
    (r"^This account is disabled", "비활성화된 계정입니다. 관리자에게 문의하세요."),
    # the assistant and the LLM
    (
        r"^The language model rejected the API key",
        "언어 모델이 API 키를 거부했습니다. .env의 OPENAI_API_KEY를 확인하고 앱을 다시 시작하세요.",
    ),
    (
        r"^The language model is rate limiting requests and asked us to wait (?P<w>\d+) s, longer than the "
        r"(?P<t>[\d.]+)-second limit",
        "언어 모델이 요청 한도를 넘었다며 {w}초 기다리라고 했는데, 이는 제한 시간({t}초)보다 깁니다. "
        "1분쯤 뒤에 다시 시도하거나 COLLAB_LLM_TIMEOUT을 늘리세요.",
    ),
    (r"^The language model is rate limiting", "언어 모델 요청 한도를 초과했습니다. 1분쯤 뒤에 다시 시도하세요."),
    (
        r"^The connection to the language model dropped in the middle of the answer",
        "답변을 받는 도중 언어 모델과의 연결이 끊겼습니다. 다시 시도하세요. 계속되면 서버나 프록시를 확인하세요.",
    ),
    (
        r"^The language model account has run out of quota",
        "언어 모델 계정의 사용 한도가 소진되었습니다. 크레딧을 추가한 뒤 다시 시도하세요.",
    ),
    (
        r"^The language model did not answer within (?P<s>[\d.]+) seconds",
        "언어 모델이 {s}초 안에 답하지 않았습니다. 다시 시도하거나 느린 로컬 모델이면 COLLAB_LLM_TIMEOUT을 늘리세요.",
    ),
    (
        r"^Could not reach the language model server at (?P<url>\S+?)\.?$",
        "언어 모델 서버({url})에 연결할 수 없습니다. 서버가 실행 중인지, OPENAI_BASE_URL이 맞는지 확인하세요.",
    ),
    (
        r"^The language model server failed \(HTTP (?P<code>\d+)\)",
        "언어 모델 서버 오류(HTTP {code})입니다. 잠시 후 다시 시도하세요.",
    ),
    (
        r"^The model '(?P<m>.+)' was not found",
        "모델 '{m}'을(를) 찾을 수 없습니다. COLLAB_LLM_MODEL을 서버에 있는 모델로 설정하세요.",
    ),
    (
        r"^The language model returned invalid action items twice",
        "언어 모델이 할 일 목록을 두 번 잘못 만들어 아무것도 적용하지 않았습니다. 다시 시도하거나 기간을 줄이세요.",
    ),
    (
        r"^The language model did not return valid JSON",
        "언어 모델이 올바른 JSON을 돌려주지 않았습니다. 다시 시도하세요.",
    ),
    (r"^The language model returned an empty answer", "언어 모델이 빈 답변을 돌려주었습니다. 다시 시도하세요."),
)
