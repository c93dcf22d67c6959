"""The rating round end to end through the service: a run of the summaries example (its judge the
real openai SDK against the loopback server), a sheet drawn with `genjudge labels sample`, two raters
rating it over HTTP at the same time, and `validate` started from the page: the decision is the one
`genjudge validate` records, and the dashboard's judges page shows it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from typer.testing import CliRunner

from genjudge.cli import app
from genjudge.config import load_config
from genjudge.labels.journal import order
from genjudge.runner import run_async
from tests.core.test_run_generation import example, judge_by_kind, write_config  # noqa: F401
from tests.llm.loopback import Loopback
from tests.service.pages.served import TOKENS, Served, settings_for
from tests.validation.test_own_data_loop import NOT_EQUIVALENT


async def test_rate_on_the_page_then_validate_from_it(example, monkeypatch):  # noqa: F811
    from genjudge.validation import list_decisions

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(example)
    respond, kinds = judge_by_kind(example)
    server = await Loopback(respond).start()
    try:
        config = write_config(example, server.base_url, checks={"exact_match": {}, "judge_equivalence": {}})
        run = await run_async(load_config(config), config_dir=example)
    finally:
        await server.stop()
    run_id = run.record.run_id
    drawn = CliRunner().invoke(app, ["labels", "sample", run_id, "--rubric", "equivalence", "--n", "12",
                                     "--store", "store.db", "--out", "labels/round1"])  # fmt: skip
    assert drawn.exit_code == 0, drawn.output
    sheet = example / "labels" / "round1"
    truth = {i: "not_equivalent" if k in NOT_EQUIVALENT else "equivalent" for i, k in kinds.items()}
    url = f"sqlite:///{example / 'store.db'}"
    with Served(settings_for(example / "service", url, example / "labels")) as served:

        def rate_all(rater: str) -> int:
            with served.client(TOKENS[rater]) as http:
                for item in order(sheet, rater):
                    page = http.get("/rate/round1", params={"item": item})
                    assert page.status_code == 200 and "You compare two texts" in page.text
                    answer = truth[item]
                    if rater == "ben" and item == order(sheet, "ben")[0]:  # one human error
                        answer = "equivalent" if answer == "not_equivalent" else "not_equivalent"
                    r = http.post("/rate/round1", data={"item": item, "rating": answer})
                    assert r.status_code == 303
            return len(order(sheet, rater))

        with ThreadPoolExecutor(2) as pool:
            assert list(pool.map(rate_all, ["ana", "ben"])) == [12, 12]
        with served.client(TOKENS["ana"]) as http:
            done = http.get("/rate/round1")
            assert "All 12 items rated — rater ana" in done.text
            page = http.post("/rate/round1/validate", data={"min_items": "10", "resamples": "200"})
            assert page.status_code == 200, page.text
            judges = http.get("/judges").text

    decisions = list_decisions(url)
    assert len(decisions) == 1
    d = decisions[0]
    assert d.accepted and d.judge_model == "loop-judge" and d.rubric_id == "equivalence"
    assert d.population is not None and d.population.covers(run.record.set_fingerprint, [])
    assert max(r.n_items for r in d.dimensions) == 12
    assert "<strong>ACCEPTED</strong>" in page.text and d.decision_id in page.text
    assert (
        f"{d.judge_provider}/{d.judge_model}" in page.text and "judge_equivalence_rate overall" in page.text
    )
    assert d.decision_id[:12] in judges and "accepted" in judges and "equivalence@" in judges
