"""LLM providers, one module each, behind :class:`genjudge.llm.types.Provider`.

Each module offers ``from_settings(settings)``, the factory that :mod:`genjudge.llm.registry`
calls; adding a built-in provider is one module here plus one ``ProviderSpec`` line there, and a
provider from another package is an entry point (see docs/extending.md). SDK error mapping, the API
key and the client options shared by the SDK-backed providers live in ``_sdk``.
"""
