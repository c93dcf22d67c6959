"""LLM providers, one module each, behind :class:`genjudge.llm.types.Provider`.

Adding a provider is one module here plus one line in ``PROVIDERS``.
"""

from __future__ import annotations

__all__ = ["PROVIDERS"]

# name -> "module:Class"; imported on use so that an absent SDK only matters when chosen.
PROVIDERS = {
    "anthropic": "genjudge.llm.providers.anthropic:AnthropicProvider",
    "local": "genjudge.llm.providers.local:LocalProvider",
    "openai": "genjudge.llm.providers.openai:OpenAIProvider",
}
