"""Row-wise checks: scoring any split of the rows and summarising gives exactly ``score(frame)``.

This is what lets an engine (genjudge/engines) score blocks of rows elsewhere; it needs no Ray.
"""

from __future__ import annotations

import asyncio
import itertools
import pickle

import numpy as np
import pandas as pd
import pytest

from genjudge.checks.base import RowwiseCheck, RunContext, concat_results
from genjudge.config import load_config
from genjudge.engines import split_rowwise
from genjudge.runner import RunState, load_stage
from genjudge.store import resolve_url
from tests.engines.extraction_set import write_extraction_set


def _loaded(tmp_path):
    config_path = write_extraction_set(tmp_path / "ex")
    config = load_config(config_path)
    state = RunState(config, config_path.parent, resolve_url(str(tmp_path / "s.db")), write_report=False)
    asyncio.run(load_stage(state))
    return state


def assert_results_equal(a, b):
    assert list(a.columns) == list(b.columns)
    for name in a.columns:
        pd.testing.assert_series_equal(pd.Series(a.columns[name]), pd.Series(b.columns[name]), obj=name)
    assert a.status.tolist() == b.status.tolist()
    assert a.reason.tolist() == b.reason.tolist()
    assert a.sections == b.sections
    assert a.notes == b.notes


@pytest.mark.parametrize("cuts", [[1], [7, 100, 101], [239]])
def test_any_split_of_the_rows_gives_the_whole_set_result(tmp_path, cuts):
    state = _loaded(tmp_path)
    frame, checks = state.frame, state.checks
    rowwise, others = split_rowwise(checks)
    assert sorted(checks[i].name for i in rowwise) == [
        "exact_match",
        "extraction_fields",
        "format_rules",
        "json_structure",
    ]
    assert others == []
    ctx = RunContext(task=state.config.task, seed=3, workdir=tmp_path, confidence=0.95)
    edges = [0, *cuts, len(frame)]
    for check in checks:
        assert isinstance(check, RowwiseCheck)
        whole = asyncio.run(check.score(frame, ctx))
        prepared = pickle.loads(pickle.dumps(check.prepare(frame)))  # as shipped to a worker
        parts = [
            prepared.score_rows(frame.iloc[a:b].reset_index(drop=True), ctx)
            for a, b in itertools.pairwise(edges)
        ]
        assert_results_equal(prepared.summarize(frame, concat_results(parts), ctx), whole)


def test_the_set_has_what_the_checks_must_meet(tmp_path):
    """The synthetic set is not all clean: unscored rows, parse failures and schema failures exist."""
    state = _loaded(tmp_path)
    ctx = RunContext(task=state.config.task, seed=3, workdir=tmp_path)
    results = {c.name: asyncio.run(c.score(state.frame, ctx)) for c in state.checks}
    structure = results["json_structure"]
    assert np.nanmean(structure.columns["json_structure.student.strict_parse"]) < 1
    assert structure.sections["schema_failures"]["rows"]
    assert (results["exact_match"].status == "unscored").any()
    assert results["extraction_fields"].sections["unparsed"]["student"] > 0
    assert any(r[2] for r in results["format_rules"].sections["rule_failures"]["rows"])


def test_an_unknown_engine_or_a_missing_ray_is_a_clear_error(monkeypatch):
    import importlib.util

    from genjudge.engines import make_engine
    from genjudge.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown engine 'spark'; known: local, ray"):
        make_engine("spark")
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    with pytest.raises(ConfigError, match=r"pip install 'genjudge\[ray\]'"):
        make_engine("ray")
    with pytest.raises(ConfigError, match="at least 1"):
        make_engine("ray", workers=0)
