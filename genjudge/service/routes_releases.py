"""``/v1/compare``, ``/v1/gate``, ``/v1/validate``: the release commands over HTTP, through the same
functions as the CLI (:mod:`genjudge.api`) and so with the same records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError

from genjudge.errors import ConfigError, one_line
from genjudge.service.auth import Caller
from genjudge.service.guard import check_judge, under_root
from genjudge.service.jsonsafe import finite
from genjudge.service.models import CompareRequest, GateRequest, ValidateRequest

__all__ = ["releases_router"]

_VALIDATION_PATHS = ("sample", "verdicts", "policy_file", "verdicts_out")


def releases_router() -> APIRouter:
    """The compare, gate and validate routes."""
    router = APIRouter(prefix="/v1", tags=["releases"])

    @router.post("/compare")
    def compare(body: CompareRequest, request: Request, who: Caller) -> dict[str, Any]:
        """Run B against run A on the same set, per metric and slice (``genjudge compare --format json``)."""
        from genjudge.api import compare as run_compare

        c = run_compare(
            body.run_a,
            body.run_b,
            latest_n=body.latest,
            name=body.name,
            store=request.app.state.service.store_url,
            adjust=body.adjust,
            seed=body.seed,
            metrics=body.metrics,
        )
        return dict(finite(c.as_json()))

    @router.post("/gate")
    def gate(body: GateRequest, request: Request, who: Caller) -> dict[str, Any]:
        """Hold a stored run against a release policy (``genjudge gate``); ``passed`` is the decision."""
        from genjudge.api import gate as run_gate
        from genjudge.gating import GatePolicy
        from genjudge.gating.render import failure_lines, headline

        service = request.app.state.service
        if (body.policy is None) == (body.policy_path is None):
            raise ConfigError("give policy (inline) or policy_path (a file under the service's root)")
        policy: Any
        if body.policy is not None:
            try:
                policy = GatePolicy.model_validate(body.policy)
            except ValidationError as exc:
                raise ConfigError(f"policy: {one_line(exc)}") from None
        else:
            policy = under_root(service.settings.root, str(body.policy_path), "policy_path")
        result = run_gate(policy, body.run, baseline=body.baseline, store=service.store_url)
        out = dict(finite(result.as_json()))
        out["headline"] = headline(result)
        out["failures"] = failure_lines(result)
        return out

    @router.post("/validate")
    def validate(body: ValidateRequest, request: Request, who: Caller) -> dict[str, Any]:
        """Measure a judge against a rated sample and decide (``genjudge validate``); the decision is
        recorded in the service's store unless ``record`` is false."""
        from genjudge.api import ValidationConfig, run_validation

        settings = request.app.state.service.settings
        data = dict(body.config)
        for key in ("store", "project"):
            if key in data:
                raise ConfigError(f"config.{key}: set by the service, not by a request")
        for key in _VALIDATION_PATHS:
            if data.get(key) is not None:
                if not isinstance(data[key], str):
                    raise ConfigError(f"config.{key}: must be a path (text)")
                data[key] = under_root(settings.root, data[key], f"config.{key}")
        check_judge(data.get("judge"), settings.key_envs, "config.judge")
        if data.get("judge") is not None:
            data["judge"] = {
                **data["judge"],
                "cache_path": str(settings.workdir / "validate_judge_cache.sqlite"),
            }
        data["store"] = request.app.state.service.store_url
        data["project"] = settings.root
        cfg = ValidationConfig.build(data, source="config")
        outcome = run_validation(cfg)
        return dict(
            finite(
                {
                    "decision": outcome.decision.model_dump(mode="json"),
                    "messages": outcome.messages,
                    "corrected": outcome.corrected,
                    "recorded": outcome.store_url is not None,
                }
            )
        )

    return router
