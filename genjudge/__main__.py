"""``python -m genjudge``: the same as the ``genjudge`` command."""

from genjudge.cli import main

main()
