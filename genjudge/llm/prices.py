"""Judge prices per million tokens, from ``genjudge/data/prices.json`` plus the user's own file.

A user file (``JudgeSettings.prices_path`` or ``$GENJUDGE_PRICES``) has the same layout and wins
entry by entry. Keys are ``provider/model``; a key ending in ``*`` matches a prefix (longest wins).
A model with no entry has an unknown cost (``None``), never 0; the local provider costs 0.

``_batch_discount`` maps a provider to the multiplier of its prices for calls made through its
batch API (0.5 for OpenAI's Batch API and Anthropic's Message Batches, with the source in the
table); a provider without one has an unknown batch price.
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

    def scaled(self, factor: float) -> Price:
        """This price times ``factor`` (a batch discount)."""
        return Price(self.input_per_mtok * factor, self.output_per_mtok * factor)


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


def _discounts(text: str, where: str) -> dict[str, float]:
    try:
        raw = json.loads(text).get("_batch_discount") or {}
        found = {k: float(v) for k, v in raw.items() if not k.startswith("_")}
    except (ValueError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{where}: _batch_discount is not a mapping of provider to multiplier ({exc})"
        ) from None
    bad = [k for k, v in found.items() if not 0 < v <= 1]
    if bad:
        raise ConfigError(f"{where}: _batch_discount of {bad[0]!r} is not in (0, 1]")
    return found


class PriceTable:
    """Look up the price of ``provider/model``."""

    def __init__(self, entries: dict[str, Price], batch_discounts: dict[str, float] | None = None) -> None:
        self.entries = entries
        self.batch_discounts = dict(batch_discounts or {})
        """Provider -> multiplier of its prices for calls made through its batch API."""

    @classmethod
    def load(cls, user_path: Path | None = None) -> PriceTable:
        text = resources.files("genjudge").joinpath("data/prices.json").read_text("utf-8")
        entries = _read(text, "genjudge/data/prices.json")
        discounts = _discounts(text, "genjudge/data/prices.json")
        extra = user_path or (
            Path(os.environ["GENJUDGE_PRICES"]) if os.environ.get("GENJUDGE_PRICES") else None
        )
        if extra is not None:
            try:
                user = Path(extra).read_text("utf-8")
            except OSError as exc:
                raise ConfigError(f"{extra}: cannot read the price table ({exc})") from None
            entries.update(_read(user, str(extra)))
            discounts.update(_discounts(user, str(extra)))
        return cls(entries, discounts)

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

    def lookup_batch(self, provider: str, model: str) -> Price | None:
        """The price of ``provider/model`` through the provider's batch API; None when the model's
        price or the provider's batch discount is unknown."""
        price = self.lookup(provider, model)
        if provider == "local" or price is None:
            return price
        factor = self.batch_discounts.get(provider)
        return None if factor is None else price.scaled(factor)
