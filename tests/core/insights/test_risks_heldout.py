"""A hand-written held-out project (mobile team, mostly English) the rules were not tuned on."""

from __future__ import annotations

import json
from pathlib import Path

from collab_core.insights.scoring_risks import score_risks

DATA = Path(__file__).with_name("data") / "heldout_mobile_team.json"


def test_heldout_project_scores():
    result = score_risks(json.loads(DATA.read_text(encoding="utf-8")))
    risks = result["risks"]
    assert risks["recall"] >= 0.75 and risks["precision"] >= 0.6
    assert result["assignment"]["hit@1"] >= 0.6 and result["assignment"]["hit@3"] >= 0.9
