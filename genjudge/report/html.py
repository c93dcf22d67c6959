"""One way to render genjudge's HTML pages: Jinja templates, autoescaped, from the package.

Pages extend ``templates/base.html.j2`` (its blocks are documented there). A page kept by another
package (the monitor's) names that package: its templates come first, then the report's, so it can
extend the base too.
"""

from __future__ import annotations

from typing import Any

__all__ = ["render_template"]


def render_template(name: str, /, *, package: str = "genjudge.report", **context: Any) -> str:
    """Render the template ``name`` of ``package`` (its ``templates`` folder) with ``context``."""
    import jinja2

    loaders = [jinja2.PackageLoader(package, "templates")]
    if package != "genjudge.report":
        loaders.append(jinja2.PackageLoader("genjudge.report", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), autoescape=jinja2.select_autoescape(["html", "j2"])
    )
    return env.get_template(name).render(**context)
