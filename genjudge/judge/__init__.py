"""The LLM judge: rubrics, verdicts, judged equivalence. See docs/judge.md.

>>> from genjudge.judge import load_rubric
>>> load_rubric("faithfulness").scale.max
5
"""

from __future__ import annotations

from genjudge.judge.judge import Judge, build_provider
from genjudge.judge.rubric import Rubric, available_rubrics, load_rubric
from genjudge.judge.settings import JudgeSettings
from genjudge.judge.verdict import Verdict, parse_verdict

__all__ = [
    "Judge",
    "JudgeSettings",
    "Rubric",
    "Verdict",
    "available_rubrics",
    "build_provider",
    "load_rubric",
    "parse_verdict",
]
