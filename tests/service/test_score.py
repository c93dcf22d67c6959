"""``POST /v1/score`` through a real HTTP client; the judge is the loopback server (real openai SDK)."""

from __future__ import annotations

from tests.llm.loopback import Reply
from tests.robustness.conftest import consistent_judge
from tests.service.conftest import judge_settings


def test_scores_a_batch_with_per_item_statuses_and_reasons(client, judge_server):
    judge_server.respond(consistent_judge)
    body = {
        "task": "generation",
        "checks": ["exact_match", "judge_equivalence"],
        "judge": judge_settings(judge_server.base_url),
        "items": [
            {
                "id": "a",
                "input": "q1",
                "teacher": "alpha one",
                "student": "alpha one",
                "reference": "alpha one",
            },
            {"id": "b", "input": "q2", "teacher": "beta two", "student": "gamma two", "reference": "beta"},
            {"id": "c", "input": "q3", "teacher": "delta", "student": None},
        ],
    }
    r = client.post("/v1/score", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["checks"] == ["exact_match", "judge_equivalence"]
    items = {i["id"]: i for i in out["items"]}
    assert items["a"]["status"] == "ok"
    assert items["a"]["checks"]["judge_equivalence"]["status"] == "ok"
    eq_a = items["a"]["checks"]["judge_equivalence"]["values"]
    eq_b = items["b"]["checks"]["judge_equivalence"]["values"]
    # consistent_judge: equivalent when the first words agree ("alpha"/"alpha"; "beta"/"gamma" differ)
    assert eq_a["equivalent"] == 1.0 and eq_b["equivalent"] == 0.0
    assert items["a"]["checks"]["exact_match"]["values"]["agree"] == 1.0
    assert items["b"]["checks"]["exact_match"]["values"]["agree"] == 0.0
    # a missing student output: not scored, with the reason a run gives
    assert items["c"]["status"] == "unscored"
    assert "missing student output" in items["c"]["reason"]
    assert out["counts"] == {"ok": 2, "unscored": 1, "error": 0}
    # both orders asked for item b; identical texts (item a) need no call, nor the incomplete item c
    assert len(judge_server.prompts()) == 2

    again = client.post("/v1/score", json=body)
    assert again.json()["items"] == out["items"]
    assert len(judge_server.prompts()) == 2, "the second request is answered by the judge cache"


def test_an_unparseable_verdict_is_unscored_with_its_reason(client, judge_server):
    judge_server.respond(lambda seen: Reply(content="I think they are similar."))
    body = {
        "task": "generation",
        "checks": ["judge_equivalence"],
        "judge": {**judge_settings(judge_server.base_url), "max_attempts": 1},
        "items": [{"input": "q", "teacher": "one", "student": "two"}],
    }
    r = client.post("/v1/score", json=body)
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert item["id"] == "item-0" and item["status"] == "unscored"
    assert "judge_equivalence" in item["reason"]


def test_classification_without_a_judge(client):
    body = {
        "task": "classification",
        "items": [
            {"input": "t1", "teacher": "billing", "student": "billing", "reference": "billing"},
            {"input": "t2", "teacher": "login", "student": "bug", "reference": "login"},
        ],
    }
    r = client.post("/v1/score", json=body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["checks"] == ["exact_match", "label_metrics"]
    assert [i["checks"]["exact_match"]["values"]["agree"] for i in out["items"]] == [1.0, 0.0]


def test_bad_input_is_a_clear_4xx(client, judge_server):
    cases = [
        ({"task": "poetry", "items": [{"input": "x"}]}, 422, "task"),
        ({"task": "generation", "items": []}, 422, "items"),
        ({"task": "generation", "items": [{"input": "x", "extra": 1}]}, 422, "extra"),
        ({"task": "generation", "checks": ["no_such_check"], "items": [{"input": "x"}]}, 400, "no_such_check"),
        ({"task": "generation", "checks": {"exact_match": {"bogus": 1}}, "items": [{"input": "x"}]}, 400, "bogus"),
        (
            {"task": "generation", "items": [{"id": "a", "input": "x"}, {"id": "a", "input": "y"}]},
            400,
            "duplicate id",
        ),
        ({"task": "classification", "items": [{"input": "x", "teacher": {"a": 1}}]}, 400, "label"),
        (
            {"task": "generation", "checks": ["judge_equivalence"], "judge": {"cache_path": "/etc/x"},
             "items": [{"input": "x"}]},
            400,
            "cache_path",
        ),
        (
            {"task": "generation", "checks": ["judge_equivalence"],
             "judge": {"provider": "openai", "api_key_env": "HOME"}, "items": [{"input": "x"}]},
            400,
            "api_key_env",
        ),
        ({"task": "generation", "judge": {"provider": "nope"}, "items": [{"input": "x"}]}, 400, "provider"),
    ]  # fmt: skip
    for body, status, word in cases:
        r = client.post("/v1/score", json=body)
        assert r.status_code == status, (body, r.text)
        assert word in r.json()["error"]["message"], (body, r.text)
    r = client.post("/v1/score", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    too_many = {"task": "generation", "items": [{"input": str(i)} for i in range(101)]}
    r = client.post("/v1/score", json=too_many)
    assert r.status_code == 400 and "POST /v1/runs" in r.json()["error"]["message"]


def test_a_provider_key_never_reaches_the_answer(client, judge_server, monkeypatch):
    secret = "sk-test-" + "k" * 32
    monkeypatch.setenv("GJ_ROBUST_NO_KEY", secret)
    judge_server.respond(lambda seen: Reply(status=401, content=f"bad key {secret}"))
    body = {
        "task": "generation",
        "checks": ["judge_equivalence"],
        "judge": {**judge_settings(judge_server.base_url), "max_attempts": 1},
        "items": [{"input": "q", "teacher": "one", "student": "two"}],
    }
    r = client.post("/v1/score", json=body)
    assert secret not in r.text
    assert r.status_code in (200, 502), r.text
