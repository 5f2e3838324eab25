"""`eval --insights` replays a dataset through SQL and the real service: the last stdout line has the
issue's JSON shape, and the replay scores what the detectors score on the same data in memory."""

from __future__ import annotations

import json
from pathlib import Path

from collab_core.cli.main import main
from collab_core.insights.scoring import score_files

DATA = Path(__file__).resolve().parents[1] / "insights" / "data" / "heldout_mini.json"


def test_eval_insights_json_matches_the_in_memory_detectors(tmp_path, capsys):
    code = main(["--env-file", str(tmp_path / "none.env"), "eval", str(DATA), "--insights", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(out) == {"datasets", "commitments", "decisions", "status_proposals", "risks", "assignment"}
    assert set(out["commitments"]) == {"precision", "recall", "f1", "due_accuracy", "status_accuracy"}
    assert set(out["decisions"]) == {"precision", "recall", "f1", "supersession_accuracy"}
    assert set(out["risks"]) >= {"precision", "recall", "f1", "by_kind"}
    assert set(out["assignment"]) == {"cases", "hit@1", "hit@3"}
    direct = score_files([str(DATA)])
    # Stored in SQL and read back, the extraction scores exactly what the pure detectors score.
    for part in ("commitments", "decisions", "status_proposals"):
        assert out[part] == direct[part], part
