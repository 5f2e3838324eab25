"""Score the risk radar and the assignment suggestions against a dataset's labels (issue 15's rule).

A predicted risk matches a label of the same kind when it is about the same task; for person-level kinds
(`overloaded`, and `single_point_of_knowledge`, whose subject is the person holding the knowledge) the same
person; for `decision_conflict`, overlapping evidence. Each label and each prediction is matched at most
once. Assignment: hit@k is the share of cases with an expected or acceptable person among the top k.
Only members, messages and tasks are read as inputs; labels are read only to compare.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .assignment import suggest_assignees
from .dataset import load
from .model import Risk
from .risks import compute_risks

PERSON_KINDS = ("overloaded", "single_point_of_knowledge")
KINDS = (
    "overdue",
    "due_soon_no_progress",
    "stalled",
    "blocked",
    "unowned",
    "overloaded",
    "deadline_slipping",
    "decision_conflict",
    "single_point_of_knowledge",
)


def matches(risk: Risk, label: dict) -> bool:
    """Issue 15's matching rule for one prediction and one label."""
    if risk.kind != label["kind"]:
        return False
    if risk.kind == "decision_conflict":
        return bool(set(risk.evidence) & set(label.get("evidence") or ()))
    if risk.kind in PERSON_KINDS and label.get("person"):
        return risk.person == label["person"]
    return label.get("task") is not None and risk.task_id == label["task"]


def _prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if not n_gold else 0.0)
    r = tp / n_gold if n_gold else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def score_risk_list(predicted: list[Risk], labels: list[dict]) -> dict:
    """Precision/recall/F1 overall and per kind, with one-to-one matching."""
    used: set[int] = set()
    tp_by: dict[str, int] = {}
    for label in labels:
        for i, risk in enumerate(predicted):
            if i not in used and matches(risk, label):
                used.add(i)
                tp_by[label["kind"]] = tp_by.get(label["kind"], 0) + 1
                break
    out = _prf(len(used), len(predicted), len(labels))
    by_kind = {}
    for kind in KINDS:
        n_pred = sum(1 for r in predicted if r.kind == kind)
        n_gold = sum(1 for lab in labels if lab["kind"] == kind)
        if n_pred or n_gold:
            by_kind[kind] = {**_prf(tp_by.get(kind, 0), n_pred, n_gold), "labels": n_gold, "predicted": n_pred}
    out["by_kind"] = by_kind
    return out


def score_risks(dataset_dict: dict, *, embed: Callable[[list[str]], np.ndarray] | None = None) -> dict:
    """{"risks": {...}, "assignment": {"cases", "hit@1", "hit@3"}} for one dataset dict."""
    tasks, messages, members, now = load(dataset_dict)
    labels = dataset_dict.get("labels") or {}
    predicted = compute_risks(tasks=tasks, messages=messages, members=members, now=now)
    risks = score_risk_list(predicted, list(labels.get("risks") or []))
    cases = list(labels.get("assignment") or [])
    by_id = {t.id: t for t in tasks}
    hits = {1: 0, 3: 0}
    for case in cases:
        task = by_id.get(str(case["task"]))
        if task is None:
            continue
        ranked = suggest_assignees(
            task=task, tasks=tasks, messages=messages, members=members, now=now, embed=embed, k=3
        )
        good = set(case.get("expected") or ()) | set(case.get("acceptable") or ())
        people = [s.person for s in ranked]
        for k in hits:
            hits[k] += bool(good & set(people[:k]))
    n = len(cases)
    assignment = {
        "cases": n,
        "hit@1": round(hits[1] / n, 4) if n else 0.0,
        "hit@3": round(hits[3] / n, 4) if n else 0.0,
    }
    return {"risks": risks, "assignment": assignment}
