"""Hatchling metadata hook: the three distributions move in lock-step.

The version is written once, as ``__version__`` in
``src/familiekoordinering/__init__.py``, and every distribution reads it from
there (``[tool.hatch.version]``). This hook then writes the requirements
listed under ``[tool.hatch.metadata.hooks.custom]`` into ``[project]``, with
``{version}`` replaced by that version: the core's extras and each adapter
require exactly the same release of each other. A wheel built from an sdist
reads all of this back from the sdist's ``PKG-INFO`` (the hook changes nothing
there). The same file sits at the root of each distribution, as an sdist holds
nothing outside its own folder; ``tests/test_packaging.py`` checks that the
copies agree.
"""

from __future__ import annotations

from typing import Any

from hatchling.metadata.plugin.interface import MetadataHookInterface


def _pinned(requirements: list[str], version: str) -> list[str]:
    return [requirement.replace("{version}", version) for requirement in requirements]


class LockStepHook(MetadataHookInterface):
    """Fill in the requirements on the sibling distributions at this version."""

    def update(self, metadata: dict[str, Any]) -> None:
        """Set ``dependencies`` and ``optional-dependencies`` if the hook's table has them."""
        version = str(metadata["version"])
        if "dependencies" in self.config:
            metadata["dependencies"] = _pinned(self.config["dependencies"], version)
        if "optional-dependencies" in self.config:
            metadata["optional-dependencies"] = {
                extra: _pinned(requirements, version)
                for extra, requirements in self.config["optional-dependencies"].items()
            }
