"""The ``genjudge`` command line: a thin edge over the Python API.

Each command group lives in its own module in this package and is added by one line in
``_GROUPS``. Command modules import nothing heavy at module level, so ``genjudge --help`` is instant.
"""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="genjudge",
    help="Evaluate a distilled student against its teacher, with judges validated against humans.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# (module, attribute): a module's `register(app)` adds its commands.
_GROUPS = [
    "genjudge.cli.core",
    "genjudge.cli.validate",
    "genjudge.cli.judge",
    "genjudge.cli.history",
    "genjudge.cli.compare",
    "genjudge.cli.gate",
    "genjudge.cli.monitor",
    "genjudge.cli.generate",
    "genjudge.cli.store",
    "genjudge.cli.serve",
]

for _module in _GROUPS:
    importlib.import_module(_module).register(app)


def main() -> None:
    """Entry point of the ``genjudge`` script."""
    app()
