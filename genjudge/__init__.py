"""genjudge: evaluate a distilled student against its teacher, and the judges that score them."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
