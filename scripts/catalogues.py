"""Compile the message catalogues (.po → .mo) with Babel: ``python scripts/catalogues.py``.

``--check`` compiles in memory and exits 1 when a committed ``.mo`` differs from
its ``.po`` (the tests run this check).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

LOCALES = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "familiekoordinering"
    / "timeline"
    / "locales"
)


def compiled(po: Path) -> bytes:
    """The ``.mo`` bytes of one ``.po`` file."""
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def _messages(mo: bytes) -> dict[str, str]:
    """The translations a compiled catalogue holds (its header's dates aside)."""
    return {
        str(m.id): str(m.string) for m in read_mo(io.BytesIO(mo)) if m.id and m.string
    }


def main(argv: list[str]) -> int:
    """Compile every catalogue, or with ``--check`` report the stale ones."""
    stale = []
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        data = compiled(po)
        if "--check" in argv:
            if not mo.exists() or _messages(mo.read_bytes()) != _messages(data):
                stale.append(mo)
        else:
            mo.write_bytes(data)
            print(f"compiled {mo.relative_to(LOCALES)}")
    for mo in stale:
        print(f"stale: {mo} (run python scripts/catalogues.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
