"""Write the service's OpenAPI spec to docs/openapi.json (the copy tests/service/test_openapi.py
checks against the running code).

    python scripts/openapi.py [--out docs/openapi.json] [--check]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def spec() -> dict[str, Any]:
    """The OpenAPI document of :func:`genjudge.service.create_app` (settings do not change it)."""
    from genjudge.service import ServiceSettings, create_app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = ServiceSettings(
            store_url=f"sqlite:///{folder / 'store.db'}",
            tokens_file=folder / "tokens.json",
            root=folder,
            workdir=folder / "work",
            labels_root=folder / "labels",
        )
        return create_app(settings).openapi()


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "openapi.json")
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    args = parser.parse_args()
    text = render(spec())
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
        if current != text:
            print(f"{args.out} is out of date: run python scripts/openapi.py", file=sys.stderr)
            return 1
        return 0
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text)} bytes, {len(spec()['paths'])} paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
