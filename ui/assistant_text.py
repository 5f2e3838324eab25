"""Korean and English text of the assistant in the chat and on the assistant page."""

from __future__ import annotations

ASSISTANT_TEXT: dict[str, dict[str, str]] = {
    "search.include_ai": {"en": "Include AI answers", "ko": "AI 답변 포함"},
    "search.include_ai_help": {
        "en": "AI answers are not what people wrote, so search leaves them out unless you switch this on.",
        "ko": "AI 답변은 팀원이 쓴 글이 아니어서, 이 옵션을 켤 때만 검색 결과에 나옵니다.",
    },
    "ai.toggle": {"en": "Ask AI", "ko": "AI에게 묻기"},
    "ai.toggle_help": {
        "en": "Send your next messages to the AI assistant (or start a message with @ai).",
        "ko": "다음 메시지를 AI 어시스턴트에게 보냅니다 (메시지를 @ai 로 시작해도 됩니다).",
    },
    "ai.name": {"en": "AI Assistant", "ko": "AI 어시스턴트"},
    "ai.thinking": {"en": "Looking through the project memory…", "ko": "프로젝트 기록을 찾아보는 중…"},
    "ai.sources": {"en": "Sources ({n})", "ko": "출처 ({n})"},
    "ai.source_label": {"en": "#{id} · {author} · {when}", "ko": "#{id} · {author} · {when}"},
    "ai.invalid": {
        "en": "Removed {n} citation(s) that did not point to a message the assistant was shown: {ids}",
        "ko": "어시스턴트가 보지 않은 메시지를 가리킨 출처 {n}개를 뺐습니다: {ids}",
    },
    "ai.retry": {"en": "Retry", "ko": "다시 시도"},
    "ai.kept": {
        "en": "Your question is saved in the chat; retry when the problem is fixed.",
        "ko": "질문은 채팅에 저장되어 있습니다. 문제가 해결되면 다시 시도하세요.",
    },
    "ai.off": {
        "en": "Answer generation is off (no language model configured): answers come from the task board and the most relevant messages.",
        "ko": "답변 생성이 꺼져 있습니다(언어 모델 미설정). 작업 보드와 관련 메시지로 답합니다.",
    },
    "ai.dismiss": {"en": "Close", "ko": "닫기"},
    "ai.page_title": {"en": "AI assistant", "ko": "AI 어시스턴트"},
    "ai.page_intro": {
        "en": "Summaries of the project and the action items hidden in the chat. Ask questions in the chat with @ai.",
        "ko": "프로젝트 요약과 대화 속 할 일을 정리합니다. 질문은 채팅에서 @ai 로 하세요.",
    },
    "ai.tab_ask": {"en": "Ask", "ko": "질문"},
    "ai.tab_summary": {"en": "Summary", "ko": "요약"},
    "ai.tab_actions": {"en": "Action items", "ko": "할 일 추출"},
    "ai.ask_placeholder": {"en": "Ask about this project…", "ko": "이 프로젝트에 대해 물어보세요…"},
    "ai.ask_button": {"en": "Ask", "ko": "묻기"},
    "ai.period": {"en": "Period", "ko": "기간"},
    "ai.period_all": {"en": "All time", "ko": "전체 기간"},
    "ai.period_range": {"en": "Date range", "ko": "날짜 범위"},
    "ai.period_since": {"en": "Since my last visit", "ko": "마지막 방문 이후"},
    "ai.last_visit": {"en": "Your last visit: {when}", "ko": "마지막 방문: {when}"},
    "ai.first_visit": {
        "en": "No earlier visit recorded: everything is new.",
        "ko": "이전 방문 기록이 없어 전체를 요약합니다.",
    },
    "ai.dates": {"en": "From – to", "ko": "시작 – 끝"},
    "ai.summarize": {"en": "Summarize", "ko": "요약하기"},
    "ai.summary_meta": {
        "en": "{used} of {n} messages considered",
        "ko": "메시지 {n}개 중 {used}개 반영",
    },
    "ai.extract": {"en": "Find action items", "ko": "할 일 찾기"},
    "ai.no_items": {"en": "No action items found in this period.", "ko": "이 기간에서 할 일을 찾지 못했습니다."},
    "ai.items_heuristic": {
        "en": "Generation is off, so these are commitments and requests picked out of the chat.",
        "ko": "답변 생성이 꺼져 있어 대화 속 약속·요청 문장을 골랐습니다.",
    },
    "ai.item_title": {"en": "Title", "ko": "제목"},
    "ai.item_owner": {"en": "Owner", "ko": "담당자"},
    "ai.item_due": {"en": "Due", "ko": "마감일"},
    "ai.unassigned": {"en": "(unassigned)", "ko": "(담당자 없음)"},
    "ai.accept": {"en": "Accept into tasks", "ko": "작업으로 추가"},
    "ai.accept_all": {"en": "Accept all", "ko": "모두 추가"},
    "ai.accepted": {"en": "Added to the task board: {titles}", "ko": "작업 보드에 추가했습니다: {titles}"},
    "ai.from_messages": {"en": "From", "ko": "출처"},
    "ai.viewer": {
        "en": "Your role can read summaries but not ask or create tasks.",
        "ko": "현재 역할로는 요약만 볼 수 있고 질문이나 작업 추가는 할 수 없습니다.",
    },
}
