"""Digests end to end over a real SMTP server (aiosmtpd on 127.0.0.1): the right items in the
person's language, once; retries and the diagnostics line when SMTP fails, without losing the
digest; one-click unsubscribe; schedules in several time zones with injected time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from collab_core.errors import PermissionDeniedError, ValidationError
from collab_core.ops.diagnostics import diagnose
from collab_core.outbox.schedule import Schedule, latest_slot, make_schedule
from collab_core.outbox.tables import digest_runs, outbox
from collab_core.outbox.worker import run_once
from tests.conftest import Team
from tests.smtp import SmtpServer, part

SEOUL = ZoneInfo("Asia/Seoul")


def _slot_soon() -> tuple[str, datetime]:
    """A daily time two minutes from now in Seoul, and an injected 'now' just after it."""
    slot = (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0)
    return slot.astimezone(SEOUL).strftime("%H:%M"), slot + timedelta(seconds=10)


def _activity(hub, team: Team) -> dict[str, int]:
    member, admin = team.users["member"], team.users["admin"]
    m = team.post("admin", "@team_member 배포 체크리스트 확인 부탁해요")
    t = hub.tasks.create_task(actor_id=admin.id, project_id=team.pid, title="로그인 화면 QA", assignee_id=member.id)
    hub.tasks.move_task(actor_id=admin.id, task_id=t.id, status="IN_PROGRESS")
    meeting = hub.meetings.start(actor_id=admin.id, project_id=team.pid, title="주간 회의")
    hub.meetings.add_decision(actor_id=admin.id, meeting_id=meeting.id, text="출시일은 12월 10일로 확정")
    hub.meetings.add_action_item(
        actor_id=admin.id, meeting_id=meeting.id, title="릴리스 노트 작성", assignee_id=member.id
    )
    hub.meetings.end(actor_id=admin.id, meeting_id=meeting.id, generate=False)
    return {"message": m.id, "task": t.id, "meeting": meeting.id}


def _round(hub, now: datetime) -> dict:
    return run_once(digests=hub.digests, deliverer=hub.deliverer, now=now)


def test_a_daily_digest_arrives_once_with_the_right_items_in_the_right_language(mail_hub, smtp: SmtpServer):
    hub = mail_hub
    team = Team(hub)
    member, admin = team.users["member"], team.users["admin"]
    at, now = _slot_soon()
    hub.prefs.set_project_default(actor_id=team.owner.id, project_id=team.pid, mode="daily", at=at)
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="member@example.com", language="ko", timezone="Asia/Seoul"
    )
    hub.prefs.set_profile(
        actor_id=admin.id, user_id=admin.id, email="admin@example.com", language="en", timezone="Asia/Seoul"
    )
    ids = _activity(hub, team)

    first = _round(hub, now)
    assert first["deliveries_sent"] >= 1
    got = smtp.inbox.to("member@example.com")
    assert len(got) == 1
    mail = got[0]
    assert "일일 요약" in mail["Subject"] and "[Team]" in mail["Subject"]
    plain, html = part(mail, "plain"), part(mail, "html")
    for expected in (
        "나를 언급한 메시지",
        "배포 체크리스트",
        "로그인 화면 QA",
        "IN_PROGRESS(으)로 이동",
        "주간 회의",
        "나의 실행 항목: 릴리스 노트 작성",
        "결정 사항",
        "출시일은 12월 10일로 확정",
    ):
        assert expected in plain, expected
    assert f"http://hub.test/tasks?project={team.pid}&task={ids['task']}" in plain
    assert f'href="http://hub.test/meetings?project={team.pid}&amp;meeting={ids["meeting"]}"' in html
    assert str(mail["List-Unsubscribe"]).strip().startswith("<http://hub.test/?unsubscribe=")

    # The admin reads English; nobody mentioned them and no task is theirs, but the meeting and decision are.
    admin_mail = smtp.inbox.to("admin@example.com")
    assert len(admin_mail) == 1 and "Daily digest" in admin_mail[0]["Subject"]
    assert "Decisions" in part(admin_mail[0], "plain") and "Mentions of you" not in part(admin_mail[0], "plain")

    # The in-app inbox holds the same digest; a second round (and a minute later) sends nothing again.
    assert [d.kind for d in hub.digests.inbox(user_id=member.id)] == ["daily"]
    again = _round(hub, now + timedelta(minutes=1))
    assert again["made"] == 0 and again["deliveries_sent"] == 0
    assert len(smtp.inbox.to("member@example.com")) == 1
    assert len(hub.digests.inbox(user_id=member.id)) == 1

    # The viewer has no address and nothing personal beyond the meeting: inbox only, no e-mail.
    viewer = team.users["viewer"]
    assert len(hub.digests.inbox(user_id=viewer.id)) == 1 and smtp.inbox.to("viewer@example.com") == []

    # The next day nothing changed: the digest is empty and not sent. A task due soon is a reminder that counts.
    assert _round(hub, now + timedelta(days=1))["made"] == 0
    tomorrow = (now + timedelta(days=2)).astimezone(SEOUL).date()
    hub.tasks.create_task(
        actor_id=admin.id, project_id=team.pid, title="Deploy window", assignee_id=member.id, due_date=tomorrow
    )
    _round(hub, now + timedelta(days=2))
    second = smtp.inbox.to("member@example.com")
    assert len(second) == 2
    assert "배포 체크리스트" not in part(second[1], "plain") and "Deploy window · 마감" in part(second[1], "plain")


def test_empty_digests_are_not_sent(mail_hub, smtp: SmtpServer):
    hub = mail_hub
    team = Team(hub)
    member = team.users["member"]
    at, now = _slot_soon()
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="m@example.com", language="en", timezone="Asia/Seoul"
    )
    hub.prefs.set_schedule(actor_id=member.id, project_id=team.pid, mode="daily", at=at)
    report = _round(hub, now)
    assert report["empty"] >= 1 and smtp.inbox.messages == [] and hub.digests.inbox(user_id=member.id) == []


def test_an_smtp_failure_retries_then_shows_in_diagnostics_without_losing_the_digest(mail_hub, smtp: SmtpServer):
    hub = mail_hub
    team = Team(hub)
    member = team.users["member"]
    at, now = _slot_soon()
    hub.prefs.set_project_default(actor_id=team.owner.id, project_id=team.pid, mode="daily", at=at)
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="member@example.com", language="en", timezone="Asia/Seoul"
    )
    _activity(hub, team)
    smtp.inbox.fail_with = "451 4.3.0 mailbox busy, try later"

    _round(hub, now)
    with hub.engine.connect() as conn:
        row = (
            conn.execute(select(outbox).where(outbox.c.channel == "email", outbox.c.recipient == "member@example.com"))
            .mappings()
            .one()
        )
    assert row["state"] == "pending" and row["attempts"] == 1 and "451" in row["last_error"]
    # Not due again before the backoff; each later attempt waits longer; after the fifth it is failed.
    assert hub.deliverer.deliver_due(now=now + timedelta(seconds=30))["retry"] == 0
    t = now
    for wait in (61, 301, 1801, 7201):
        t += timedelta(seconds=wait)
        hub.deliverer.deliver_due(now=t)
    with hub.engine.connect() as conn:
        row = conn.execute(select(outbox).where(outbox.c.id == row["id"])).mappings().one()
    assert row["state"] == "failed" and row["attempts"] == 5
    check = next(c for c in diagnose(hub).checks if c.name == "outbox")
    assert check.status == "warn" and check.data["failed"] >= 1 and "451" in check.detail
    # The digest was never lost: it is in the inbox, and once SMTP works again a retry delivers it.
    assert len(hub.digests.inbox(user_id=member.id)) == 1
    smtp.inbox.fail_with = None
    assert hub.deliverer.retry_failed(now=t) >= 1
    hub.deliverer.deliver_due(now=t + timedelta(seconds=1))
    assert len(smtp.inbox.to("member@example.com")) == 1


def test_a_user_action_never_waits_for_a_dead_smtp_server(hub, team: Team):
    from dataclasses import replace

    from collab_core.hub import open_outbox
    from collab_core.store.schema import users
    from tests.smtp import free_port

    dead = open_outbox(replace(hub.settings, smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    try:
        admin = team.owner
        with dead.engine.begin() as conn:
            conn.execute(users.update().where(users.c.id == admin.id).values(is_system_admin=True))
        with pytest.raises(PermissionDeniedError):
            dead.digests.queue_test_email(actor_id=team.users["admin"].id, to="ops@example.com")
        # Queueing the test e-mail only writes a row; the send (and its failure) happens in the deliverer.
        oid = dead.digests.queue_test_email(actor_id=admin.id, to="ops@example.com")
        assert dead.deliverer.deliver_due()["retry"] == 1
        with dead.engine.connect() as conn:
            row = conn.execute(select(outbox).where(outbox.c.id == oid)).mappings().one()
        assert row["state"] == "pending" and "refused" in row["last_error"].lower()
    finally:
        dead.close()


def test_unsubscribe_link_stops_that_kind_of_email_but_keeps_the_inbox(mail_hub, smtp: SmtpServer):
    hub = mail_hub
    team = Team(hub)
    member = team.users["member"]
    at, now = _slot_soon()
    hub.prefs.set_project_default(actor_id=team.owner.id, project_id=team.pid, mode="daily", at=at)
    hub.prefs.set_profile(
        actor_id=member.id, user_id=member.id, email="member@example.com", language="en", timezone="Asia/Seoul"
    )
    _activity(hub, team)
    _round(hub, now)
    mail = smtp.inbox.to("member@example.com")[0]
    token = str(mail["List-Unsubscribe"]).strip().strip("<>").split("unsubscribe=", 1)[1]
    with pytest.raises(ValidationError):
        hub.prefs.unsubscribe(token=token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    done = hub.prefs.unsubscribe(token=token)
    assert done.project == "Team" and done.kind == "daily" and not done.subscribed
    assert not hub.prefs.profile(user_id=member.id).wants_email(team.pid, "daily")
    due = (now + timedelta(days=1)).astimezone(SEOUL).date()
    hub.tasks.create_task(
        actor_id=team.owner.id, project_id=team.pid, title="Ship", assignee_id=member.id, due_date=due
    )
    _round(hub, now + timedelta(days=1))
    assert len(smtp.inbox.to("member@example.com")) == 1  # no second e-mail
    assert len(hub.digests.inbox(user_id=member.id)) == 2  # but the inbox still gets it
    hub.prefs.unsubscribe(token=token, subscribe=True)
    assert hub.prefs.profile(user_id=member.id).wants_email(team.pid, "daily")


def test_schedules_follow_each_persons_time_zone():
    seoul = make_schedule(mode="daily", at="09:00", timezone="Asia/Seoul")
    now = datetime(2026, 3, 8, 0, 30, tzinfo=UTC)  # 09:30 in Seoul (no DST there)
    assert latest_slot(seoul, now) == datetime(2026, 3, 8, 0, 0, tzinfo=UTC)
    assert latest_slot(seoul, datetime(2026, 3, 7, 23, 59, tzinfo=UTC)) == datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    # New York switches to daylight time on 2026-03-08: 09:00 local is 14:00 UTC before, 13:00 UTC after.
    ny = make_schedule(mode="daily", at="09:00", timezone="America/New_York")
    assert latest_slot(ny, datetime(2026, 3, 7, 20, 0, tzinfo=UTC)) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)
    assert latest_slot(ny, datetime(2026, 3, 8, 20, 0, tzinfo=UTC)) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    # Weekly on Monday (0) at 18:30 Seoul: on Sunday evening the newest slot is the previous Monday.
    weekly = make_schedule(mode="weekly", at="18:30", weekday=0, timezone="Asia/Seoul")
    assert latest_slot(weekly, datetime(2026, 12, 6, 12, 0, tzinfo=UTC)) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    assert latest_slot(Schedule(mode="off"), now) is None
    with pytest.raises(ValidationError):
        make_schedule(mode="daily", at="25:00")
    with pytest.raises(ValidationError):
        make_schedule(mode="daily", timezone="Mars/Olympus")


def test_each_person_gets_the_digest_at_their_own_local_time(hub, team: Team):
    member, admin = team.users["member"], team.users["admin"]
    hub.prefs.set_project_default(actor_id=team.owner.id, project_id=team.pid, mode="daily", at="09:00")
    hub.prefs.set_profile(actor_id=member.id, user_id=member.id, email=None, language="ko", timezone="Asia/Seoul")
    hub.prefs.set_profile(actor_id=admin.id, user_id=admin.id, email=None, language="en", timezone="Europe/Berlin")
    team.post("owner", "@team_member @team_admin 내일 데모 준비해 주세요")
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    seoul_nine = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 0, 5, tzinfo=UTC)  # 09:05 Seoul, 01:05 Berlin
    hub.digests.run_due(now=seoul_nine)
    assert len(hub.digests.inbox(user_id=member.id)) == 1 and hub.digests.inbox(user_id=admin.id) == []
    hub.digests.run_due(now=seoul_nine + timedelta(hours=8))  # 09:05 in Berlin (winter: UTC+1)
    assert len(hub.digests.inbox(user_id=admin.id)) == 1
    with hub.engine.connect() as conn:
        runs = conn.execute(
            select(func.count()).select_from(digest_runs).where(digest_runs.c.user_id == member.id)
        ).scalar_one()
    assert runs == 1  # the Seoul digest was not made again at the Berlin time
