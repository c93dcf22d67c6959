"""Validate a claim rubric on rated claims: p(yes) from the judge, the threshold calibrated, the
out-of-fold verdicts measured against the people.

The judge is asked through :meth:`genjudge.judge.Judge.verify_claims`, the client a run uses
(cache, limiter, retries, metering), so a later run with the same judge and rubric finds the
answers in the cache. The threshold is calibrated on the claims with a human majority and a p(yes)
(:mod:`~genjudge.validation.claim_calibration`); the verdict recorded for each claim is the one the
threshold calibrated *without* its fold gives (claims outside the fit: the full calibration's), so
the decision's agreement statistics are an honest estimate of a run at a calibrated threshold.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np
import pandas as pd

from genjudge.errors import ConfigError
from genjudge.records import Status
from genjudge.validation.claim_sample import (
    BINARY,
    SUPPORTED,
    UNSUPPORTED,
    binary_sample,
    claim_pairs,
    human_truth,
)

NO_LOGPROBS = "no log-probabilities: the p(yes) threshold cannot be applied to a word answer"


def judged_claims(
    cfg: Any, rated: Any, settings: Any, rubric: Any, dim: str, say: Any, progress: Any, policy: Any
) -> tuple[Any, pd.DataFrame, dict[str, Any], Any]:
    """Ask the judge about every rated claim of ``dim`` and calibrate: (the sample recoded to
    supported / unsupported, the out-of-fold verdicts, the judge's meter, the :class:`ClaimThreshold`)."""
    from genjudge.llm.meter import observe_calls
    from genjudge.stats import DegenerateInputError
    from genjudge.validation.claim_calibration import calibrate_claims

    binary = binary_sample(rated, dim)
    ids = binary.item_ids(dim)
    pairs = claim_pairs(binary, ids, cfg.fields)
    truth = human_truth(binary, dim, ids)
    pos, neg = int((truth == 1.0).sum()), int((truth == 0.0).sum())
    if pos == 0 or neg == 0:  # before any call: nothing could be calibrated
        raise ConfigError(
            f"{rated.root}: dimension {dim!r}: calibrating a claim threshold needs rated claims of both kinds, "
            f"supported and not (the raters' majority says {pos} supported, {neg} not)"
        )
    progress.plan(items=len(ids), checks=1, calls=len(ids))
    say(
        f"asking {settings.provider}/{settings.model_name} for p(yes) on {len(ids)} rated claims of {dim!r}, "
        f"rubric {rubric.id}@{rubric.version}"
    )
    say(f"judge cache: {settings.cache_path or 'off (cache: false / --no-cache)'}")
    with progress.stage("judge"), observe_calls(progress.on_call):
        verdicts, cost = asyncio.run(_ask(settings, rubric, pairs))
    progress.check_finished("judge")
    progress.scoring_finished()
    p = np.array(
        [v.p_yes if v.status is Status.OK and v.p_yes is not None else math.nan for v in verdicts],
        dtype=float,
    )
    if np.isnan(p).all():
        raise ConfigError(
            f"{settings.provider}/{settings.model_name} gave no p(yes) on any of the {len(ids)} claims (no "
            "log-probabilities, or no usable answer): there is nothing to calibrate; use a provider that returns "
            "log-probabilities (OpenAI-compatible servers, the local model)"
        )
    use = ~np.isnan(p) & ~np.isnan(truth)
    left_out = {
        "raters tied": int((np.isnan(truth) & ~np.isnan(p)).sum()),
        "no p(yes)": int(np.isnan(p).sum()),
    }
    groups, doc = None, binary.manifest.document
    if doc:
        from genjudge.stats import cluster_codes
        from genjudge.validation.compare import MIN_DOCUMENTS

        codes = cluster_codes(binary.item_column(doc, ids))[use]
        groups = codes if np.unique(codes).size >= MIN_DOCUMENTS else None  # too few: claims, like compare
    try:
        record, oof = calibrate_claims(dim, p[use], truth[use] == 1.0, policy, left_out, groups, doc)
    except DegenerateInputError as exc:
        raise ConfigError(f"{rated.root}: dimension {dim!r}: {exc}") from None
    said = np.where(np.isnan(p), False, p >= record.threshold)
    said[use] = oof
    frame = pd.DataFrame(
        [
            _row(item_id, dim, v, p_k, bool(s))
            for item_id, v, p_k, s in zip(ids, verdicts, p, said, strict=True)
        ]
    )
    say(f"claim threshold: p(yes) >= {record.threshold:.4g} (calibrated on {record.claims} claims)")
    return binary, frame, cost, record


async def _ask(settings: Any, rubric: Any, pairs: list[tuple[str, str]]) -> tuple[list[Any], dict[str, Any]]:
    from genjudge.judge import Judge

    async with Judge(settings) as judge:
        verdicts = await judge.verify_claims(pairs, rubric=rubric)
        return verdicts, judge.meter.model_dump()


def _row(item_id: str, dim: str, v: Any, p_yes: float, supported: bool) -> dict[str, Any]:
    row = {"item_id": item_id, "dimension": dim, "raw": None, "value": math.nan, "status": v.status.value}
    row.update(reason=v.reason, rationale=None, p_yes=None if math.isnan(p_yes) else float(p_yes))
    if v.status is not Status.OK:
        return row
    if math.isnan(p_yes):
        return {**row, "raw": v.label, "status": Status.UNSCORED.value, "reason": NO_LOGPROBS}
    word = SUPPORTED if supported else UNSUPPORTED
    return {**row, "raw": word, "value": BINARY.code(word), "rationale": f"p(yes) {p_yes:.3f}"}
