"""Generate the teacher's and the student's outputs through one harness, and load-test a side.

``generate`` sends the frozen set's inputs to both models through the same client layer, with the
same prompt, parameters, concurrency and post-processing, and writes the two output files
``genjudge run`` reads, each with a settings sidecar. ``compare_settings`` lists what differs
between the two sidecars in what must be identical. ``loadtest`` finds the throughput a side
sustains within a latency budget. See docs/generate.md.
"""

from __future__ import annotations

from genjudge.generation.config import (
    GenerateConfig,
    GenerationParams,
    PostprocessSettings,
    PromptSettings,
    SideSettings,
    load_generate_config,
)
from genjudge.generation.labels import label_for, label_probs
from genjudge.generation.loadtest import LoadLevel, LoadtestResult, loadtest, loadtest_async
from genjudge.generation.run import GenerateResult, SideResult, generate, generate_async
from genjudge.generation.sidecar import compare_settings

__all__ = [
    "GenerateConfig",
    "GenerateResult",
    "GenerationParams",
    "LoadLevel",
    "LoadtestResult",
    "PostprocessSettings",
    "PromptSettings",
    "SideResult",
    "SideSettings",
    "compare_settings",
    "generate",
    "generate_async",
    "label_for",
    "label_probs",
    "load_generate_config",
    "loadtest",
    "loadtest_async",
]
