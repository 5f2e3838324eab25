"""@mentions: parsing (Korean and English names), inboxes, unread counts, mark read."""

from __future__ import annotations

import pytest

from collab_core.chat.mentions import find_mentions
from collab_core.hub import assistant_for

MEMBERS = [
    (1, "bob", "Bob Kim"),
    (2, "minsu", "김민수"),
    (3, "지우", "지우"),
    (4, "bobby", "Bobby"),
    (5, "민수정", "민수정"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@bob please check", [1]),
        ("hey @Bob Kim, thanks", [1]),
        ("@BOB!", [1]),
        ("@bobby and @bob", [4, 1]),
        ("@김민수님 확인 부탁해요", [2]),
        ("@minsu 로고 봐주세요", [2]),
        ("@지우에게 전달했어요", [3]),
        ("@민수정 씨", [5]),
        ("@Bob님 감사합니다", [1]),
        ("(@지우) 확인", [3]),
        ("mail bob@example.com or @nobody", []),
        ("@bobcat is not bob", []),
        ("@ bob", []),
        ("@bob @bob twice", [1]),
        ("no mention at all", []),
    ],
)
def test_find_mentions(text, expected):
    assert find_mentions(text, MEMBERS) == expected


@pytest.fixture
def korean(hub, team):
    minsu = hub.accounts.create_user(username="minsu", display_name="김민수")
    jiwoo = hub.accounts.create_user(username="지우")
    for u in (minsu, jiwoo):
        hub.accounts.set_member(actor_id=team.owner.id, project_id=team.pid, user_id=u.id, role="member")
    return minsu, jiwoo


def test_mentions_reach_the_right_inbox(hub, team, korean):
    minsu, jiwoo = korean
    member, viewer = team.users["member"], team.users["viewer"]
    m1 = team.post("member", "@김민수님 와이어프레임 확인 부탁해요. @team_viewer FYI")
    m2 = team.post("admin", "@지우 @minsu 로고 시안 올렸어요 (@unknown is ignored)")
    team.post("owner", "no mentions here, just an email team_member@example.com")

    inbox = hub.mentions.inbox(user_id=minsu.id)
    assert [(x.message_id, x.author, x.project) for x in inbox] == [
        (m2.id, "Team Admin", "Team"),
        (m1.id, "Team Member", "Team"),
    ]
    assert inbox[1].content == m1.content and not inbox[0].is_read
    assert [x.message_id for x in hub.mentions.inbox(user_id=jiwoo.id)] == [m2.id]
    assert [x.message_id for x in hub.mentions.inbox(user_id=viewer.id)] == [m1.id]
    assert hub.mentions.inbox(user_id=member.id) == []
    assert hub.mentions.unread_count(user_id=minsu.id) == 2
    assert hub.mentions.unread_count(user_id=minsu.id, project_id=team.pid) == 2


def test_self_mentions_and_non_members_are_ignored(hub, team, korean):
    team.post("member", "note to self @team_member, and @team_outsider is not in the project")
    assert hub.mentions.unread_count(user_id=team.users["member"].id) == 0
    assert hub.mentions.unread_count(user_id=team.outsider.id) == 0


def test_mark_read_one_and_all(hub, team, korean):
    minsu, _ = korean
    team.post("member", "@minsu first")
    team.post("admin", "@minsu second")
    team.post("owner", "@minsu third")
    newest, middle, oldest = hub.mentions.inbox(user_id=minsu.id)
    # Someone else cannot mark your mentions.
    assert hub.mentions.mark_read(user_id=team.users["member"].id, mention_ids=[newest.id]) == 0
    assert hub.mentions.mark_read(user_id=minsu.id, mention_ids=[newest.id]) == 1
    assert hub.mentions.mark_read(user_id=minsu.id, mention_ids=[newest.id]) == 0  # already read
    assert hub.mentions.unread_count(user_id=minsu.id) == 2
    assert [x.id for x in hub.mentions.inbox(user_id=minsu.id, unread_only=True)] == [middle.id, oldest.id]
    assert hub.mentions.inbox(user_id=minsu.id)[0].is_read
    assert hub.mentions.mark_read(user_id=minsu.id, project_id=team.pid) == 2
    assert hub.mentions.unread_count(user_id=minsu.id) == 0
    assert hub.mentions.mark_read(user_id=minsu.id, mention_ids=[oldest.id], read=False) == 1
    assert hub.mentions.unread_count(user_id=minsu.id) == 1


def test_task_comments_and_decisions_mention_but_titles_and_answers_do_not(hub, team, korean):
    minsu, jiwoo = korean
    member = team.users["member"]
    task = hub.tasks.create_task(actor_id=member.id, project_id=team.pid, title="Ask @지우 about the logo")
    assert hub.mentions.unread_count(user_id=jiwoo.id) == 0  # a generated system message
    hub.tasks.comment(actor_id=member.id, task_id=task.id, content="@김민수 can you review?")
    [mention] = hub.mentions.inbox(user_id=minsu.id)
    assert mention.kind == "task" and mention.author == "Team Member"
    assert mention.content == "Team Member commented on 'Ask @지우 about the logo': @김민수 can you review?"
    assert hub.mentions.unread_count(user_id=jiwoo.id) == 0
    meeting = hub.meetings.start(actor_id=member.id, project_id=team.pid, title="Sync")
    hub.meetings.add_decision(actor_id=member.id, meeting_id=meeting.id, text="@지우 owns the release")
    assert hub.mentions.unread_count(user_id=jiwoo.id) == 1
    assistant_for(hub).answer_writer.write(
        actor_id=member.id, project_id=team.pid, content="@minsu per the notes…", meta={"assistant": "answer"}
    )
    assert hub.mentions.unread_count(user_id=minsu.id) == 1


def test_removed_members_and_deleted_messages_leave_the_inbox(hub, team, korean):
    minsu, jiwoo = korean
    msg = team.post("member", "@minsu @지우 hello")
    hub.messages.delete(actor_id=team.users["admin"].id, message_id=msg.id)
    assert hub.mentions.unread_count(user_id=minsu.id) == 0
    team.post("member", "@지우 again")
    hub.accounts.remove_member(actor_id=team.owner.id, project_id=team.pid, user_id=jiwoo.id)
    assert hub.mentions.inbox(user_id=jiwoo.id) == [] and hub.mentions.unread_count(user_id=jiwoo.id) == 0
