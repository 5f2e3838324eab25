"""The issue-15 targets on the shared dev dataset (read in place; skipped when the file is not there)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collab_core.insights.model import Risk
from collab_core.insights.scoring_risks import matches, score_risk_list, score_risks

DEV = Path(__file__).resolve().parents[4] / "shared" / "eval" / "insight_eval_dev.json"
if not DEV.exists():
    DEV = Path("/work/shared/eval/insight_eval_dev.json")


@pytest.mark.skipif(not DEV.exists(), reason="shared dev dataset not available")
def test_dev_targets():
    result = score_risks(json.loads(DEV.read_text(encoding="utf-8")))
    risks, assignment = result["risks"], result["assignment"]
    assert risks["recall"] >= 0.75 and risks["precision"] >= 0.60
    assert all(v["recall"] > 0 for v in risks["by_kind"].values())
    assert assignment["hit@1"] >= 0.60 and assignment["hit@3"] >= 0.90


def test_matching_rule():
    label = {"kind": "blocked", "task": "t1", "person": "A", "evidence": ["m1"]}
    assert matches(Risk("blocked", "high", task_id="t1", person="B"), label)
    assert not matches(Risk("stalled", "high", task_id="t1"), label)
    person = {"kind": "overloaded", "task": None, "person": "A", "evidence": []}
    assert matches(Risk("overloaded", "high", person="A"), person)
    conflict = {"kind": "decision_conflict", "task": None, "person": None, "evidence": ["m1", "m2"]}
    assert matches(Risk("decision_conflict", "high", evidence=("m2", "m9")), conflict)
    assert not matches(Risk("decision_conflict", "high", evidence=("m9",)), conflict)


def test_one_prediction_matches_one_label():
    labels = [{"kind": "overdue", "task": "t1", "person": None}] * 2
    out = score_risk_list([Risk("overdue", "high", task_id="t1")], labels)
    assert (out["precision"], out["recall"]) == (1.0, 0.5)
    assert out["by_kind"]["overdue"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "labels": 2, "predicted": 1}
