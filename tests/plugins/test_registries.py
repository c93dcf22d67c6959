"""The provider and report-section registries in one process, and the one SDK error mapping."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pandas as pd
import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from genjudge.config import config_from_dict
from genjudge.judge import Judge, JudgeSettings, load_rubric
from genjudge.llm import registry
from genjudge.llm.errors import RateLimitError, RequestError, ServerError
from genjudge.llm.providers._sdk import sdk_errors
from genjudge.llm.registry import ProviderSpec
from genjudge.llm.types import ChatRequest, ChatResponse
from genjudge.records import Status
from genjudge.report import sections
from genjudge.report.sections import ReportSection, SectionInputs, build_sections


class FixedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    score: int = 4


class FixedProvider:
    """Answers every request with one score; counts its calls."""

    name = "fixed_score"

    def __init__(self, model: str, score: int) -> None:
        self.model, self.score, self.calls = model, score, 0

    async def generate(self, request: ChatRequest) -> ChatResponse:
        self.calls += 1
        return ChatResponse(text=json.dumps({"reason": "fixed", "score": self.score}), finish_reason="stop")

    async def aclose(self) -> None:
        return None


@pytest.fixture()
def fixed_provider():
    built: list[FixedProvider] = []

    def build(settings):
        built.append(FixedProvider(settings.model_name, FixedOptions.model_validate(settings.options).score))
        return built[-1]

    spec = registry.register(ProviderSpec("fixed_score", build, needs_model=False, options=FixedOptions))
    yield built
    registry._REGISTERED.pop(spec.name)


def test_builtin_providers_and_their_settings_defaults():
    assert {"anthropic", "local", "openai"} <= set(registry.names())
    assert JudgeSettings(provider="openai", model="m").key_env == "OPENAI_API_KEY"
    assert JudgeSettings(provider="anthropic", model="m").key_env == "ANTHROPIC_API_KEY"
    assert JudgeSettings(provider="openai", model="m").attempt_timeout_s == 60.0
    assert JudgeSettings().attempt_timeout_s == 600.0 and JudgeSettings().key_env is None
    with pytest.raises(ValidationError, match="needs a model name"):
        JudgeSettings(provider="openai")
    with pytest.raises(ValidationError, match="takes no options"):
        JudgeSettings(provider="openai", model="m", options={"x": 1})


def test_an_unknown_provider_is_an_error_listing_the_known_ones():
    with pytest.raises(
        ValidationError, match=r"unknown judge provider 'nope'; known: anthropic, local, openai"
    ):
        JudgeSettings(provider="nope")


def test_a_provider_name_cannot_be_taken_twice(fixed_provider):
    with pytest.raises(ValueError, match="two providers are named 'openai'"):
        registry.register(ProviderSpec("openai", lambda s: None))
    with pytest.raises(ValueError, match="two providers are named 'fixed_score'"):
        registry.register(ProviderSpec("fixed_score", lambda s: None))


async def test_a_registered_provider_judges_through_the_real_client(fixed_provider, tmp_path):
    with pytest.raises(ValidationError, match="score"):
        JudgeSettings(provider="fixed_score", options={"score": "high"})
    settings = JudgeSettings(provider="fixed_score", options={"score": 2}, cache_path=tmp_path / "c.db")
    assert settings.model_name == "fixed_score"  # no model needed, none invented
    rubric = load_rubric("fluency")
    async with Judge(settings) as judge:
        verdicts = await judge.grade(rubric, [{"output": "One."}, {"output": "Two."}, {"output": None}])
    assert [v.value for v in verdicts[:2]] == [2, 2] and verdicts[2].status is Status.UNSCORED
    assert fixed_provider[0].calls == 2
    async with Judge(settings) as judge:  # the same calls again: answered from the cache
        again = await judge.grade(rubric, [{"output": "One."}, {"output": "Two."}])
        assert judge.meter.cached == 2 and judge.meter.calls == 0
    assert [v.value for v in again] == [2, 2] and fixed_provider[1].calls == 0


def _status_error(sdk, cls, status: int, headers: dict[str, str]):
    request = httpx.Request("POST", "http://127.0.0.1/v1/x")
    response = httpx.Response(status, headers=headers, request=request)
    return cls("the message", response=response, body=None)


@pytest.mark.parametrize("sdk_name", ["openai", "anthropic"])
def test_sdk_errors_map_the_same_for_both_sdks(sdk_name):
    sdk = pytest.importorskip(sdk_name)
    request = httpx.Request("POST", "http://127.0.0.1/v1/x")
    cases = [
        (_status_error(sdk, sdk.RateLimitError, 429, {"retry-after": "3"}), RateLimitError, 3.0),
        (_status_error(sdk, sdk.InternalServerError, 503, {}), ServerError, None),
        (_status_error(sdk, sdk.BadRequestError, 400, {}), RequestError, None),
        (sdk.APITimeoutError(request=request), ServerError, None),
        (sdk.APIConnectionError(request=request), ServerError, None),
        (ValueError("Expecting value"), ServerError, None),
    ]
    for raised, expected, retry_after in cases:
        with pytest.raises(expected) as info, sdk_errors(sdk):
            raise raised
        assert info.value.retry_after == retry_after
    with pytest.raises(KeyError), sdk_errors(sdk):  # not an SDK failure: not ours to classify
        raise KeyError("x")


def _inputs() -> SectionInputs:
    config = config_from_dict(
        {"task": "generation", "set": "s.jsonl", "teacher": "t.jsonl", "student": "u.jsonl"}, base=Path(".")
    )
    table = pd.DataFrame({"id": ["a", "b"], "teacher": ["x", "yy"], "student": ["x", None]})
    return SectionInputs(config, table, [])


@pytest.fixture()
def section_names():
    added: list[str] = []

    def add(name, build):
        sections.register(ReportSection(name, build))
        added.append(name)

    yield add
    for name in added:
        sections._REGISTERED.pop(name)


def test_sections_add_content_and_failures_become_notes(section_names):
    section_names("answered", lambda inputs: {"n": int(inputs.table["student"].notna().sum())})
    section_names("empty", lambda inputs: None)
    section_names("broken", lambda inputs: 1 / 0)
    section_names("not_json", lambda inputs: {"x": object()})
    section_names("exact_match", lambda inputs: {"clash": True})
    content, notes = build_sections(_inputs(), taken={"exact_match"})
    assert content == {"answered": {"n": 1}}
    assert notes == [
        "Report section 'broken' failed and is missing: ZeroDivisionError: division by zero",
        "Report section 'exact_match' was left out: a check of this run has the same name.",
        "Report section 'not_json' failed and is missing: TypeError: Object of type object is not JSON serializable",
    ]
    with pytest.raises(ValueError, match="two report sections"):
        sections.register(ReportSection("judge_vs_similarity", lambda inputs: None))
