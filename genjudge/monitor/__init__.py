"""Production monitoring: sampled traffic labelled by the teacher or humans, sliced metrics per
time window, and drift against a reference window (docs/monitoring.md).

``monitor(config_path)`` runs one pass (the command ``genjudge monitor``); the windows, their
metrics and drift rows are stored with the runs, so every pass extends the history.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from genjudge.monitor.config import MonitorConfig, load_monitor_config
from genjudge.monitor.core import MonitorResult, alert_lines, monitor_async, span_label

__all__ = ["MonitorConfig", "MonitorResult", "alert_lines", "load_monitor_config", "monitor", "span_label"]


def monitor(config_path: str | os.PathLike[str], *, store: str | None = None) -> MonitorResult:
    """One monitor pass from a config file; see :func:`genjudge.monitor.core.monitor_async`."""
    config, base = load_monitor_config(Path(config_path))
    return asyncio.run(monitor_async(config, base, store=store))
