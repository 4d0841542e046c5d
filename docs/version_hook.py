"""Show the library's version on every page of the site (an MkDocs hook).

Listed under ``hooks:`` in ``mkdocs.yml``. The version is read from
``familiekoordinering.__version__``, the one place it is written, and put at
the front of the footer's copyright line.
"""

from __future__ import annotations

from mkdocs.config.defaults import MkDocsConfig

import familiekoordinering


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    version = familiekoordinering.__version__
    config.copyright = (
        f"familiekoordinering {version} · {config.copyright or ''}".rstrip(" ·")
    )
    return config
