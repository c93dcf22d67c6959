"""Judge prices per million tokens, from ``genjudge/data/prices.json`` plus the user's own file.

A user file (``JudgeSettings.prices_path`` or ``$GENJUDGE_PRICES``) has the same layout and wins
entry by entry. Keys are ``provider/model``; a key ending in ``*`` matches a prefix (longest wins).
A model with no entry has an unknown cost (``None``), never 0; the local provider costs 0.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from genjudge.errors import ConfigError

__all__ = ["Price", "PriceTable"]


@dataclass(frozen=True)
class Price:
    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


def _read(text: str, where: str) -> dict[str, Price]:
    try:
        raw = json.loads(text)
        return {
            k: Price(float(v["input_per_mtok"]), float(v["output_per_mtok"]))
            for k, v in raw.items()
            if not k.startswith("_")
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{where}: not a price table ({exc})") from None


class PriceTable:
    """Look up the price of ``provider/model``."""

    def __init__(self, entries: dict[str, Price]) -> None:
        self.entries = entries

    @classmethod
    def load(cls, user_path: Path | None = None) -> PriceTable:
        text = resources.files("genjudge").joinpath("data/prices.json").read_text("utf-8")
        entries = _read(text, "genjudge/data/prices.json")
        extra = user_path or (
            Path(os.environ["GENJUDGE_PRICES"]) if os.environ.get("GENJUDGE_PRICES") else None
        )
        if extra is not None:
            try:
                entries.update(_read(Path(extra).read_text("utf-8"), str(extra)))
            except OSError as exc:
                raise ConfigError(f"{extra}: cannot read the price table ({exc})") from None
        return cls(entries)

    def lookup(self, provider: str, model: str) -> Price | None:
        if provider == "local":
            return Price(0.0, 0.0)
        key = f"{provider}/{model}"
        if key in self.entries:
            return self.entries[key]
        best = None
        for k, price in self.entries.items():
            if k.endswith("*") and key.startswith(k[:-1]) and (best is None or len(k) > len(best[0])):
                best = (k, price)
        return best[1] if best else None
