"""Scoring of the insight detectors against a dataset's labels (format: shared/eval/README.md), issue 14's rules.

A prediction matches a label when it points at the same source message (commitments, decisions; several labels
on one message pair with that message's predictions in order) or the same task and target status (proposals).
`due_accuracy` and `status_accuracy` are over matched commitments; `supersession_accuracy` over matched
decisions: whether `superseded_by` names the message of the label's superseding decision (or both are None).
Run `python -m collab_core.insights.scoring FILE...` to print the JSON (micro-averaged over the files).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from datetime import datetime

from .dataset import load
from .extract import Insights, extract
from .model import Member, Msg, TaskState


def load_dataset(data: dict) -> tuple[list[Msg], list[TaskState], list[Member], datetime]:
    """The detector values a dataset describes, and its `now` (messages first, as the detectors take them)."""
    tasks, msgs, members, now = load(data)
    return msgs, tasks, members, now


def _pair_by_message(preds: list, labels: list[dict], key: str) -> list[tuple[object, dict]]:
    by_msg: dict[str, list] = defaultdict(list)
    for p in preds:
        by_msg[p.message_id].append(p)
    pairs = []
    for msg_id, labs in _group(labels, key).items():
        pairs.extend(zip(by_msg.get(msg_id, []), labs, strict=False))
    return pairs


def _group(labels: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for lab in labels:
        out[lab[key]].append(lab)
    return out


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _counts(ins: Insights, labels: dict) -> dict[str, int]:
    c: dict[str, int] = defaultdict(int)
    gold_c = labels.get("commitments", [])
    pairs = _pair_by_message(list(ins.commitments), gold_c, "message")
    c["c_tp"], c["c_pred"], c["c_gold"] = len(pairs), len(ins.commitments), len(gold_c)
    for pred, lab in pairs:
        c["c_due"] += int((pred.due.isoformat() if pred.due else None) == lab.get("due"))
        c["c_status"] += int(pred.status == lab.get("status_at_now"))
    gold_d = labels.get("decisions", [])
    dec_msg = {lab["id"]: lab["message"] for lab in gold_d}
    pairs = _pair_by_message(list(ins.decisions), gold_d, "message")
    c["d_tp"], c["d_pred"], c["d_gold"] = len(pairs), len(ins.decisions), len(gold_d)
    for pred, lab in pairs:
        want = dec_msg.get(lab.get("superseded_by")) if lab.get("superseded_by") else None
        c["d_sup"] += int(pred.superseded_by == want)
    gold_p = {(lab["task"], lab["to"]) for lab in labels.get("status_proposals", [])}
    pred_p = {(p.task_id, p.to_status) for p in ins.proposals}
    c["p_tp"], c["p_pred"], c["p_gold"] = len(gold_p & pred_p), len(pred_p), len(gold_p)
    return c


def score_dataset(data: dict) -> dict:
    """Run the extraction on one dataset as of its `now` and score it against its labels."""
    return _summary(_counts(_run(data), data.get("labels", {})))


def _run(data: dict) -> Insights:
    msgs, tasks, members, now = load_dataset(data)
    return extract(msgs, tasks, members, now=now)


def _summary(c: dict[str, int]) -> dict:
    return {
        "commitments": _prf(c["c_tp"], c["c_pred"], c["c_gold"])
        | {
            "due_accuracy": round(c["c_due"] / c["c_tp"], 4) if c["c_tp"] else 0.0,
            "status_accuracy": round(c["c_status"] / c["c_tp"], 4) if c["c_tp"] else 0.0,
        },
        "decisions": _prf(c["d_tp"], c["d_pred"], c["d_gold"])
        | {"supersession_accuracy": round(c["d_sup"] / c["d_tp"], 4) if c["d_tp"] else 0.0},
        "status_proposals": _prf(c["p_tp"], c["p_pred"], c["p_gold"]),
    }


def score_files(paths: list[str]) -> dict:
    """Micro-averaged scores over several dataset files, with the number of datasets."""
    total: dict[str, int] = defaultdict(int)
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        for k, v in _counts(_run(data), data.get("labels", {})).items():
            total[k] += v
    return {"datasets": len(paths)} | _summary(total)


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m collab_core.insights.scoring DATASET.json ...", file=sys.stderr)
        return 2
    print(json.dumps(score_files(paths), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
