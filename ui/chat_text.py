"""Korean and English text of the chat, timeline, contributions and search pages (ui.text lists every catalog;
the Korean versions of core error messages live in collab_core.error_text)."""

from __future__ import annotations

CHAT_TEXT: dict[str, dict[str, str]] = {
    # chat
    "chat.title": {"en": "Chat", "ko": "채팅"},
    "chat.caption": {"en": "{project} · {n} messages", "ko": "{project} · 메시지 {n}개"},
    "chat.placeholder": {"en": "Message {project}", "ko": "{project}에 메시지 보내기"},
    "chat.load_older": {"en": "Load older messages", "ko": "이전 메시지 더 보기"},
    "chat.start": {"en": "This is the beginning of the conversation.", "ko": "대화의 시작입니다."},
    "chat.empty": {
        "en": "No messages yet. Say hello to your team below.",
        "ko": "아직 메시지가 없습니다. 아래에서 팀에 첫 인사를 남겨 보세요.",
    },
    "chat.read_only": {
        "en": "You can read this project but not post (your role: {role}).",
        "ko": "이 프로젝트는 읽기만 할 수 있습니다 (내 역할: {role}).",
    },
    "chat.removed": {"en": "Message removed by {who} · {when}", "ko": "{who} 님이 삭제한 메시지 · {when}"},
    "chat.moderate": {"en": "Remove messages", "ko": "메시지 삭제"},
    "chat.remove_help": {
        "en": "Remove this message for everyone (admins)",
        "ko": "모든 사람에게서 이 메시지를 삭제합니다 (관리자)",
    },
    "chat.you": {"en": "you", "ko": "나"},
    "kind.chat": {"en": "chat", "ko": "채팅"},
    "kind.task": {"en": "task", "ko": "작업"},
    "kind.meeting": {"en": "meeting", "ko": "회의"},
    "kind.system": {"en": "system", "ko": "시스템"},
    # shared filters
    "filter.authors": {"en": "Authors", "ko": "작성자"},
    "filter.dates": {"en": "Date range", "ko": "기간"},
    "filter.kinds": {"en": "Kinds", "ko": "종류"},
    "filter.text": {"en": "Contains text", "ko": "포함된 글자"},
    "filter.all": {"en": "All", "ko": "전체"},
    "filter.clear": {"en": "Clear filters", "ko": "필터 초기화"},
    # timeline
    "timeline.title": {"en": "Timeline", "ko": "타임라인"},
    "timeline.caption": {
        "en": "Everything said in {project}, in order or by person.",
        "ko": "{project}의 모든 대화를 시간순 또는 사람별로 봅니다.",
    },
    "timeline.view": {"en": "View", "ko": "보기"},
    "timeline.newest": {"en": "Newest first", "ko": "최신순"},
    "timeline.oldest": {"en": "Oldest first", "ko": "오래된순"},
    "timeline.by_author": {"en": "By author", "ko": "작성자별"},
    "timeline.page_size": {"en": "Per page", "ko": "페이지당"},
    "timeline.page": {"en": "Page", "ko": "페이지"},
    "timeline.prev": {"en": "Previous", "ko": "이전"},
    "timeline.next": {"en": "Next", "ko": "다음"},
    "timeline.showing": {
        "en": "Showing {first:,}–{last:,} of {total:,} messages",
        "ko": "메시지 {total:,}개 중 {first:,}–{last:,}",
    },
    "timeline.showing_groups": {
        "en": "{total:,} authors · {messages:,} messages",
        "ko": "작성자 {total:,}명 · 메시지 {messages:,}개",
    },
    "timeline.none": {"en": "No messages match these filters.", "ko": "조건에 맞는 메시지가 없습니다."},
    "timeline.empty": {
        "en": "Nothing here yet. Messages posted in Chat appear here.",
        "ko": "아직 아무것도 없습니다. 채팅에 올린 메시지가 여기에 표시됩니다.",
    },
    "timeline.csv": {"en": "Download CSV", "ko": "CSV 다운로드"},
    "timeline.group_head": {
        "en": "**{name}** · {n:,} msg · {first} – {last}",
        "ko": "**{name}** · 메시지 {n:,}개 · {first} – {last}",
    },
    "timeline.group_newest": {"en": "Newest {n} shown.", "ko": "최근 {n}개를 보여 줍니다."},
    "timeline.only_author": {"en": "All messages by {name}", "ko": "{name} 님의 전체 메시지"},
    "timeline.view_table": {"en": "Table", "ko": "표"},
    "timeline.view_list": {"en": "List", "ko": "목록"},
    "timeline.layout": {"en": "Layout", "ko": "배치"},
    # contributions
    "contrib.title": {"en": "Contributions", "ko": "기여도"},
    "contrib.caption": {"en": "Who moves {project} forward.", "ko": "{project}{obj} 함께 만드는 사람들."},
    "contrib.period": {"en": "Period", "ko": "기간"},
    "contrib.period.30": {"en": "30 days", "ko": "30일"},
    "contrib.period.90": {"en": "90 days", "ko": "90일"},
    "contrib.period.365": {"en": "1 year", "ko": "1년"},
    "contrib.period.all": {"en": "All time", "ko": "전체"},
    "contrib.top_n": {"en": "Members shown by name", "ko": "이름으로 표시할 인원"},
    "contrib.active": {"en": "Active this week", "ko": "이번 주 활동 멤버"},
    "contrib.active_help": {
        "en": "Members who posted since Monday, against the same days last week.",
        "ko": "월요일 이후 글을 쓴 멤버 수 (지난주 같은 요일까지와 비교).",
    },
    "contrib.active_value": {"en": "{n} of {total}", "ko": "{total}명 중 {n}명"},
    "contrib.week": {"en": "Messages this week", "ko": "이번 주 메시지"},
    "contrib.week_help": {
        "en": "Since Monday in your timezone, against the same days last week.",
        "ko": "내 시간대 기준 월요일부터, 지난주 같은 요일까지와 비교.",
    },
    "contrib.total": {"en": "Messages in period", "ko": "기간 내 메시지"},
    "contrib.top": {"en": "Most active", "ko": "가장 활발한 멤버"},
    "contrib.per_member": {"en": "Messages per member", "ko": "멤버별 메시지"},
    "contrib.per_day": {"en": "Activity per day", "ko": "일별 활동"},
    "contrib.heatmap": {"en": "When the team talks", "ko": "요일 × 시간대 활동"},
    "contrib.heatmap_caption": {
        "en": "Weekday × hour in your timezone ({tz}).",
        "ko": "내 시간대({tz}) 기준 요일 × 시간.",
    },
    "contrib.table": {"en": "Details", "ko": "상세 표"},
    "contrib.empty": {
        "en": "No contributions yet. Charts appear once the team starts posting.",
        "ko": "아직 기여 내역이 없습니다. 팀이 메시지를 올리면 차트가 나타납니다.",
    },
    "contrib.col.author": {"en": "Member", "ko": "멤버"},
    "contrib.col.messages": {"en": "Messages", "ko": "메시지"},
    "contrib.col.characters": {"en": "Characters", "ko": "글자 수"},
    "contrib.col.active_days": {"en": "Active days", "ko": "활동일"},
    "contrib.col.last_at": {"en": "Last message", "ko": "마지막 메시지"},
    "contrib.col.share": {"en": "Share", "ko": "비율"},
    # search
    "search.title": {"en": "Search", "ko": "검색"},
    "search.caption": {
        "en": "Finds exact words and related meaning, in Korean and English.",
        "ko": "정확한 단어와 비슷한 의미를 함께 찾습니다 (한국어·영어).",
    },
    "search.query": {"en": "Search messages", "ko": "메시지 검색"},
    "search.placeholder": {"en": "e.g. 배포 일정, color palette", "ko": "예: 배포 일정, color palette"},
    "search.filters": {"en": "Filters", "ko": "필터"},
    "search.results": {"en": "{n} results", "ko": "결과 {n}개"},
    "search.none": {
        "en": "No messages found. Try other words or fewer filters.",
        "ko": "찾은 메시지가 없습니다. 다른 단어로 찾거나 필터를 줄여 보세요.",
    },
    "search.hint": {
        "en": "Type a word or a question above. Results show who said it, when, and why it matched.",
        "ko": "위에 단어나 질문을 입력하세요. 누가 언제 말했는지, 왜 찾았는지 함께 보여 줍니다.",
    },
    "search.source.keyword": {"en": "keyword", "ko": "키워드"},
    "search.source.semantic": {"en": "meaning", "ko": "의미"},
    "search.found_by": {"en": "Found by", "ko": "찾은 방식"},
    "search.context": {"en": "Show in context", "ko": "앞뒤 대화 보기"},
    "search.context_title": {"en": "In context", "ko": "앞뒤 대화"},
    "search.context_hint": {
        "en": "Pick “Show in context” on a result to read the conversation around it.",
        "ko": "결과에서 ‘앞뒤 대화 보기’를 누르면 그 메시지 전후의 대화를 볼 수 있습니다.",
    },
    "search.close": {"en": "Close", "ko": "닫기"},
}
