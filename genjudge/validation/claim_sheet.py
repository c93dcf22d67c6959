"""The claims a stored run judged, as the source of a rating sheet: ``genjudge labels sample RUN
--rubric claim_support`` draws (context, claim) pairs of the run's ``judge_claims`` check for people
to rate, so the p(yes) threshold is calibrated on claims of the user's own set.

One sheet item per claim the run checked, for every item the check scored: each student claim
against each context of ``against`` (the item's source, the teacher's output, the reference) and,
with ``coverage``, each teacher claim against the student's output. The item id is
``<run item>/<context>/<k>``; ``document`` (the run item) keeps a document's claims in one fold of
the threshold's cross-validation. The judge's verdict on the pair (``supported`` unless the run
listed it among the item's ``failed_claims``) is the ``verdict`` stratum, crossed with the context,
so claims the judge rejected are drawn even when they are rare. ``genjudge validate SHEET`` then
asks the run's judge for p(yes) on the rated claims (the run's calls, from its cache) and calibrates.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from genjudge.errors import ConfigError
from genjudge.io.canonical import is_absent
from genjudge.validation.binding import bind_judge
from genjudge.validation.sheet_source import SheetSource, load_source, shown_text

__all__ = ["CHECK", "claim_source", "sheet_source"]

CHECK = "judge_claims"
_CONTEXT_COLUMN = {"source": "input", "teacher": "teacher", "reference": "reference", "coverage": "student"}


def sheet_source(store_url: str, run_id: str, rubric_name: str, side: str = "student") -> SheetSource:
    """What ``labels sample`` draws from: a claim rubric's pairs (:func:`claim_source`), or the
    run's items with another rubric's verdicts (:func:`~genjudge.validation.sheet_source.load_source`)."""
    from genjudge.judge import load_rubric
    from genjudge.validation.claim_sample import is_claim_rubric

    rubric = load_rubric(rubric_name)
    if is_claim_rubric(rubric):
        return claim_source(store_url, run_id, rubric)
    return load_source(store_url, run_id, rubric_name, side)


def claim_source(store_url: str, run_id: str, rubric: Any) -> SheetSource:
    """The (context, claim) pairs of ``rubric`` that the stored run ``run_id`` judged."""
    from genjudge.judge import JudgeSettings
    from genjudge.store.runs import RunStore

    store = RunStore(store_url, create=False)
    record, report = store.get(run_id)
    section = report.get("sections", {}).get(CHECK)
    examples = store.examples(record.run_id)
    if section is None or f"{CHECK}.claims" not in examples.columns:
        raise ConfigError(
            f"run {record.run_id} has no {CHECK} check: a claim sheet is drawn from a run that judged "
            "claims (checks: {judge_claims: ...})"
        )
    judged = section.get("judge", {})
    if judged.get("rubric_id") not in (None, rubric.id):
        raise ConfigError(
            f"run {record.run_id} judged its claims with rubric {judged.get('rubric_id')!r}, not {rubric.id!r}"
        )
    if judged.get("rubric_hash") not in (None, rubric.content_hash):
        raise ConfigError(
            f"the rubric {rubric.id}@{rubric.version} has changed since run {record.run_id} judged with it "
            f"(sha256 {str(judged['rubric_hash'])[:12]} then, {rubric.content_hash[:12]} now): "
            "sample a run made with this text"
        )
    contexts = [c for c in ("source", "teacher", "reference") if f"{CHECK}.{c}.support" in examples.columns]
    if f"{CHECK}.coverage" in examples.columns:
        contexts.append("coverage")
    slices = [
        s for s in report.get("set", {}).get("slices", []) if s in examples.columns and s != "rare_class"
    ]
    table = pd.DataFrame(_pairs(examples, contexts, slices))
    if table.empty:
        raise ConfigError(
            f"run {record.run_id}: its {CHECK} check scored no item, so there is no claim to rate"
        )
    settings = JudgeSettings.model_validate(record.config.get("judge") or {})
    return SheetSource(
        run_id=record.run_id,
        run_name=str(record.config.get("name") or record.run_id),
        set_fingerprint=record.set_fingerprint,
        rubric=rubric,
        check=CHECK,
        metric=f"{CHECK}.{rubric.id}",
        column="claim_supported",
        label_column="claim_verdict",
        side=None,
        binding=bind_judge(settings, rubric),
        examples=table,
        slices=["against"],
        show={"context": "context", "claim": "claim"},
        titles={"context": "CONTEXT", "claim": "CLAIM"},
        extra=("document", *slices),
        document="document",
    )


def _pairs(examples: pd.DataFrame, contexts: list[str], slices: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for _, row in examples.iterrows():
        if row.get(f"{CHECK}.status") != "ok":
            continue  # no verdict on this item's claims (its reason is in the run's log)
        item = str(row["id"])
        failed = {(f["against"], f["claim"]): f["label"] for f in _listed(row.get(f"{CHECK}.failed_claims"))}
        for against in contexts:
            claims = _listed(
                row.get(f"{CHECK}.teacher_claims" if against == "coverage" else f"{CHECK}.claims")
            )
            context = shown_text(row.get(_CONTEXT_COLUMN[against]))
            for k, claim in enumerate(claims, start=1):
                verdict = failed.get((against, claim), "supported")
                rows.append(
                    {
                        "id": f"{item}/{against}/{k}",
                        "document": item,
                        "against": against,
                        "context": context,
                        "claim": str(claim),
                        "claim_verdict": verdict,
                        "claim_supported": float(verdict == "supported"),
                        **{s: row.get(s) for s in slices},
                    }
                )
    return rows


def _listed(value: Any) -> list[Any]:
    return [] if value is None or (not isinstance(value, list) and is_absent(value)) else list(value)
