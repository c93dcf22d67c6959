"""Where a validation's verdicts come from, and what that binds the decision to.

- :func:`judged`: genjudge runs a live judge over the rated items: bound to that judge exactly as
  called (:func:`~.binding.bind_judge`).
- :func:`from_run`: a rating sheet drawn from a stored run (``genjudge labels sample``): the verdicts
  genjudge's judge gave in that run, bound to that run's judge, on the run's evaluation set as the
  population; the humans' ratings also correct the run's judge numbers (PPI).
- :func:`imported`: verdicts from a file: bound to the file and a declared producer (provider
  ``imported``), never to a judge genjudge calls.

Each also compares the question the rubric asks with the one the rated sample says the humans
were asked, and warns when they differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from genjudge.errors import ConfigError
from genjudge.validation.binding import (
    IMPORTED,
    JudgeBinding,
    Population,
    PopulationKind,
    bind_imported,
    bind_judge,
)


@dataclass
class Verdicts:
    """A judge's verdicts on the rated items, and what a decision on them is bound to."""

    rated: Any
    frame: pd.DataFrame
    source: str
    binding: JudgeBinding
    population: Population
    cost: dict[str, Any] = field(default_factory=dict)
    subset: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    """Further :class:`Decision` fields (questions, warnings, producer, human labels)."""
    corrected: list[str] = field(default_factory=list)
    """Sentences: the run's judge numbers corrected by the ratings (sheets drawn from a run)."""


def population_of(rated: Any) -> Population:
    """The population a rated sample was drawn from: its origin run's set, or what it declares."""
    m = rated.manifest
    if m.origin is not None:
        return Population(
            kind=PopulationKind.RUN,
            name=m.name,
            set_fingerprint=m.origin.set_fingerprint,
            run_id=m.origin.run_id,
        )
    declared = (m.population or "").strip()
    if declared.lower().startswith("set:"):
        return _declared_set(rated, declared.split(":", 1)[1].strip().lower())
    if declared.lower().startswith("external:"):
        declared = declared.split(":", 1)[1].strip()
    return Population(kind=PopulationKind.EXTERNAL, name=declared or m.name)


def _declared_set(rated: Any, fingerprint: str) -> Population:
    """``population: "set:<fingerprint>"``: items drawn by hand from the evaluation set of that fingerprint."""
    import re

    from genjudge.errors import InputError
    from genjudge.labels import MANIFEST_NAME

    if not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        raise InputError(
            rated.root / MANIFEST_NAME,
            None,
            "population",
            f"'set:' needs the evaluation set's whole sha256 fingerprint (64 hex digits), got {fingerprint!r}",
        )
    return Population(kind=PopulationKind.RUN, name=rated.manifest.name, set_fingerprint=fingerprint)


def questions(rubric: Any | None, rated: Any) -> dict[str, Any]:
    """The rubric's and the humans' questions, with a warning when they differ."""
    ref = rated.manifest.rubric
    asked = rubric.instructions.strip() if rubric is not None else None
    humans = (ref.instructions or "").strip() or None
    warnings = []
    if rubric is not None and humans is None and ref.content_hash != rubric.content_hash:
        warnings.append(
            f"the rated sample does not say what the humans were asked (rubric {ref.id}@{ref.version}); "
            f"the judge's rubric {rubric.id}@{rubric.version} asks: {_short(asked)}"
        )
    elif rubric is not None and humans is not None and _norm(humans) != _norm(asked or ""):
        warnings.append(
            f"the humans were asked a different question than the judge's rubric: humans "
            f"({ref.id}@{ref.version}): {_short(humans)} | judge ({rubric.id}@{rubric.version}): {_short(asked)}"
        )
    return {"rubric_question": asked, "human_question": humans, "warnings": warnings}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _short(text: str | None, limit: int = 160) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def imported(cfg: Any, rated: Any, seed: int, dims: list[str], say: Any) -> Verdicts:
    """Verdicts read from ``cfg.verdicts``, bound to the file and the declared producer."""
    from genjudge.io.canonical import canonical_json, sha256_file, sha256_text
    from genjudge.validation import imported_source, read_verdicts
    from genjudge.validation.judging import pick_items

    assert cfg.verdicts is not None
    frame = read_verdicts(cfg.verdicts, rated)
    subset = None
    if cfg.limit is not None:
        # The same seeded items a judge run with this limit judges, so the fingerprints match.
        if cfg.stratify and len(dims) != 1:
            raise ConfigError("--stratify needs exactly one --dimension")
        one = dims[0] if len(dims) == 1 else None
        ids = pick_items(rated, one, cfg.limit, seed, stratify=cfg.stratify)  # type: ignore[arg-type]
        if len(ids) < len(rated.item_ids()):
            subset = f"seeded --limit {cfg.limit}, {len(ids)} of {len(rated.item_ids())} items"
            rated = rated.subset(ids)
    judged = sorted(set(frame["item_id"]) & set(rated.item_ids()))
    n_sample = len(rated.item_ids())
    if len(judged) < n_sample and cfg.only_verdict_items:
        say(
            f"verdicts cover {len(judged)} of {n_sample} rated items; validating on those (--only-verdict-items)"
        )
        subset = (f"{subset}; " if subset else "") + f"the {len(judged)} of {n_sample} items with a verdict"
        rated = rated.subset(judged)
    elif len(judged) < n_sample:
        say(
            f"verdicts cover {len(judged)} of {n_sample} rated items; the others count as unscored (no verdict)"
        )
    declared = cfg.judge_provider or IMPORTED
    model = cfg.judge_model or cfg.verdicts.stem
    r_id, r_version = cfg.rubric_id, cfg.rubric_version
    if declared != IMPORTED and (r_id is None or r_version is None):
        # The decision binds the judge's rubric; the humans' rubric is no stand-in for a named judge's.
        raise ConfigError(
            f"verdicts of judge provider {declared!r} need --rubric-id and --rubric-version (the judge's rubric)"
        )
    producer = model if declared == IMPORTED else f"{declared}/{model}"
    ref = rated.manifest.rubric
    r_id = r_id or ref.id
    r_version = str(r_version or ref.version)
    content = sha256_text(
        canonical_json({"declared_rubric": [r_id, r_version], "sample_rubric": ref.model_dump()})
    )
    binding = bind_imported(producer, r_id, r_version, content)
    if declared != IMPORTED:
        say(
            f"imported verdicts are recorded as produced by {producer!r} (declared), under provider "
            f"{IMPORTED!r}: they never validate the live judge {declared}/{model}, whose calls genjudge did not make"
        )
    context = {
        "producer": producer,
        "verdicts_fingerprint": sha256_file(cfg.verdicts),
        **questions(None, rated),
    }
    return Verdicts(
        rated, frame, imported_source(cfg.verdicts), binding, population_of(rated), {}, subset, context
    )


def judged(
    cfg: Any, rated: Any, seed: int, dims: list[str], say: Any, progress: Any, policy: Any = None
) -> Verdicts:
    """A live judge (``cfg.rubric``, ``cfg.judge``) over the rated items, bound to it as called.

    A claim rubric (``claim_support*``) is asked for p(yes) on each rated claim and its threshold is
    calibrated (:mod:`~genjudge.validation.claim_source`); ``policy`` sets the calibration's folds
    and intervals (seed, resamples, confidence).
    """
    from genjudge.judge import JudgeSettings, load_rubric
    from genjudge.llm.meter import observe_calls
    from genjudge.validation.judging import pick_items, run_judge_sync

    if not cfg.rubric or len(dims) != 1:
        raise ConfigError("running a judge needs --rubric and exactly one --dimension (or --verdicts FILE)")
    judge = dict(cfg.judge or {})
    if not cfg.cache:
        judge["cache_path"] = None
    elif judge.get("cache_path") is None:
        from genjudge.store import default_store_path

        judge["cache_path"] = str(default_store_path(cfg.project).parent / "judge_cache.sqlite")
    try:
        settings = JudgeSettings.model_validate(judge)
    except ValueError as exc:
        raise ConfigError(f"invalid judge settings: {exc}") from None
    dim = dims[0]
    ids = pick_items(rated, dim, cfg.limit, seed, stratify=cfg.stratify)
    subset = None
    if len(ids) < len(rated.item_ids(dim)):
        subset = f"seeded --limit {cfg.limit}, {len(ids)} of {len(rated.item_ids(dim))} items"
    rated = rated.subset(ids)  # the decision is bound to the items actually judged
    rubric = load_rubric(cfg.rubric)
    from genjudge.validation.claim_sample import is_claim_rubric

    if is_claim_rubric(rubric):
        from genjudge.validation.claim_source import judged_claims
        from genjudge.validation.policy import Policy

        policy = policy or Policy(seed=seed)
        population = population_of(rated)  # a bad declaration is refused before any call
        binary, frame, cost, record = judged_claims(cfg, rated, settings, rubric, dim, say, progress, policy)
        context = {"claim_threshold": record, **questions(rubric, rated)}
        return Verdicts(
            binary,
            frame,
            "judge run",
            bind_judge(settings, rubric),
            population,
            cost,
            subset,
            context,
        )
    pairwise = rubric.kind == "label" and set(rubric.fields) == {"text_a", "text_b"}
    progress.plan(items=len(ids), checks=1, calls=len(ids) * (2 if pairwise else 1))
    say(
        f"judging {len(ids)} items of {dim!r} with {settings.provider}/{settings.model_name}, rubric {cfg.rubric}"
    )
    say(f"judge cache: {settings.cache_path or 'off (cache: false / --no-cache)'}")
    with progress.stage("judge"), observe_calls(progress.on_call):
        frame, rub, cost = run_judge_sync(rated, settings, cfg.rubric, dim, ids, fields=cfg.fields)
    progress.check_finished("judge")
    progress.scoring_finished()
    return Verdicts(
        rated,
        frame,
        "judge run",
        bind_judge(settings, rub),
        population_of(rated),
        cost,
        subset,
        questions(rub, rated),
    )


def claim_sheet_config(cfg: Any, rated: Any) -> Any:
    """``cfg`` for a claim sheet drawn from a run: its rubric, its one dimension, and (unless the
    command gives one) the judge the run called, as the run's record keeps it."""
    from genjudge.store import resolve_url
    from genjudge.store.runs import RunStore

    m = rated.manifest
    update: dict[str, Any] = {"rubric": m.rubric.id, "dimensions": list(cfg.dimensions) or list(m.dimensions)}
    if not cfg.judge:
        store = RunStore(resolve_url(cfg.store, start=cfg.project), create=False)
        record, report = store.get(m.origin.run_id)
        judge = dict(record.config.get("judge") or {})
        cache = report.get("sections", {}).get("judge_claims", {}).get("judge_cache")
        if cfg.cache and judge.get("cache_path") is None and cache:
            judge["cache_path"] = cache  # the run's own cache: its answers are not asked again
        update["judge"] = judge
    return cfg.model_copy(update=update)


def from_run(cfg: Any, rated: Any, dims: list[str], say: Any, confidence: float) -> Verdicts:
    """A sheet drawn from a stored run: the run's own verdicts on the rated items (genjudge made
    those calls), bound to the run's judge, with the run's set as the population."""
    from genjudge.judge import JudgeSettings, load_rubric
    from genjudge.store import resolve_url
    from genjudge.store.runs import RunStore
    from genjudge.validation.correct import correct_metric, human_labels

    m = rated.manifest
    origin = m.origin
    assert origin is not None
    url = resolve_url(cfg.store, start=cfg.project)
    store = RunStore(url, create=False)
    record, _ = store.get(origin.run_id)
    table = store.examples(record.run_id)
    rubric = load_rubric(m.rubric.id)
    if m.rubric.content_hash and m.rubric.content_hash != rubric.content_hash:
        raise ConfigError(
            f"the rubric {m.rubric.id}@{m.rubric.version} has changed since the sheet was drawn "
            f"(sha256 {m.rubric.content_hash[:12]} then, {rubric.content_hash[:12]} now)"
        )
    binding = bind_judge(JudgeSettings.model_validate(record.config.get("judge") or {}), rubric)
    drawn_with = {k: v for k, v in binding.model_dump().items() if k in origin.judge}
    if origin.judge and drawn_with != origin.judge:
        raise ConfigError(f"run {record.run_id}'s judge is not the one the sheet records: {origin.judge}")
    dim = dims[0] if dims else (rubric.id if rubric.id in m.dimensions else rated.dimensions[0])
    frame = _run_verdicts(rated, table, origin, dim)
    say(
        f"validating the verdicts run {record.run_id} got from {binding.judge_name} on the {len(frame)} rated items "
        f"of sheet {m.name}"
    )
    labels = human_labels(rated, origin.column, origin.label_column, rubric)
    slices = [s for s in m.slices if s in table.columns]
    corrected = _sentences(correct_metric(labels, table, slices, confidence), confidence)
    grow = f"genjudge labels sample {record.run_id} --rubric {rubric.id} --out {rated.root} --grow"
    corrected.extend(_width_budget(labels, table, confidence, cfg.target_width, grow))
    context = {"human_labels": labels, **questions(rubric, rated)}
    return Verdicts(
        rated, frame, f"run {record.run_id}", binding, population_of(rated), {}, None, context, corrected
    )


def _run_verdicts(rated: Any, table: pd.DataFrame, origin: Any, dim: str) -> pd.DataFrame:
    """The verdict layout (item_id, dimension, raw, value, status, reason) from a run's examples."""
    from genjudge.io.canonical import is_absent

    scale = rated.scale(dim)
    rows = {str(r["id"]): r for _, r in table.iterrows()}
    out = []
    for item_id in rated.item_ids(dim):
        row = rows.get(item_id)
        base = {"item_id": item_id, "dimension": dim, "raw": None, "value": float("nan"), "rationale": None}
        if row is None:
            out.append({**base, "status": "unscored", "reason": f"not in run {origin.run_id}"})
            continue
        value = row.get(origin.column)
        if is_absent(value):
            status = row.get(f"{origin.check}.status") or "unscored"
            reason = row.get(f"{origin.check}.reason") or "no verdict"
            out.append({**base, "status": "unscored" if status == "ok" else status, "reason": reason})
            continue
        raw = row.get(origin.label_column) if origin.label_column else round(float(value))
        try:
            coded = scale.code(raw)
        except ValueError as exc:
            out.append(
                {**base, "raw": raw, "status": "unscored", "reason": f"verdict off the sheet's scale: {exc}"}
            )
            continue
        out.append({**base, "raw": raw, "value": coded, "status": "ok", "reason": None})
    return pd.DataFrame(out)


def _width_budget(
    labels: Any, table: pd.DataFrame, confidence: float, target: float | None, grow: str
) -> list[str]:
    """The label budget of the PPI interval, in words, with the command that draws it."""
    from genjudge.stats import DegenerateInputError
    from genjudge.validation.correct import width_budget

    try:
        more, why = width_budget(labels, table, target, confidence)
    except (ConfigError, DegenerateInputError):
        return []  # the corrected-estimate lines already say why there is no interval
    return [f"label budget: {why}" + (f": `{grow} --n {more}`" if more else "")]


def decision_budget(decision: Any) -> list[str]:
    """For each dimension not accepted: rated items its alpha's lower bound would need to clear the bar."""
    from genjudge.stats.ppi_budget import labels_for_decision

    lines = []
    bar = decision.policy.tentative
    for r in decision.dimensions:
        p = r.primary
        if r.outcome.accepted or p.value is None or p.ci_low is None or r.n_items < 2:
            continue
        more = labels_for_decision(p.value, p.ci_low, r.n_items, bar)
        if more is None:
            lines.append(
                f"label budget, {r.dimension}: the judge's alpha {p.value:.3f} is under the bar {bar}: more "
                "ratings will not get it accepted unless it agrees better than it does here"
            )
        elif more:
            lines.append(
                f"label budget, {r.dimension}: about {more} more rated items would bring alpha's lower bound over "
                f"{bar} if alpha held at {p.value:.3f}"
            )
    return lines


def _sentences(results: list[dict[str, Any]], confidence: float) -> list[str]:
    from genjudge.formatting import format_interval, format_number

    lines = []
    for r in results:
        where = "overall" if r["slice_column"] is None else f"{r['slice_column']}={r['slice_value']}"
        if r.get("unavailable"):
            if r["slice_column"] is None:
                lines.append(f"{r['metric']} {where}: no corrected estimate: {r['unavailable']}")
            continue
        est = {e["method"]: e for e in r["estimates"]}
        cells = ", ".join(
            f"{name} {format_number(est[k]['value'])} {format_interval(est[k]['ci_low'], est[k]['ci_high'])}"
            for k, name in (("judge", "judge alone"), ("ppi", "PPI"), ("human", "humans alone"))
        )
        lines.append(
            f"{r['metric']} {where} ({r['n_labeled']} rated of {r['n_total']}, {confidence:.0%} CI): {cells}; "
            f"interval width saved by PPI at equal human effort: {round(100 * r['width_saved']) or 0:d}%"
        )
    return lines
