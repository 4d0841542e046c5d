"""Griffe extension: render the reST roles in the library's docstrings.

The library's docstrings are plain prose with reST markup: ``literal`` (which
Markdown renders as code too) and roles such as :class:`Family`,
:meth:`enrol` or :class:`~familiekoordinering.errors.ConsentRequiredError`.
mkdocstrings would show the roles verbatim (":class:`Family`"). This extension
rewrites each role, before the docstrings are rendered, into a link to the
object in the API reference when the name resolves (an optional cross-reference:
an object that is not on any page is shown as plain code, without a warning),
and turns a paragraph ending in ``::`` (reST's "literal block follows") into one
ending in ``:``.

It is loaded by the mkdocstrings handler (``extensions`` in ``mkdocs.yml``) and
only changes what the documentation shows, never the code.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import griffe

_ROLE = re.compile(
    r":(?:py:)?(?P<role>class|meth|func|attr|mod|exc|data|obj|const):"
    r"`(?P<tilde>~?)(?P<target>[^`]+)`"
)
_LITERAL_BLOCK = re.compile(r"(?m)(\S)::$")


def _resolve(obj: griffe.Object, target: str) -> str | None:
    """The full path of ``target`` as seen from ``obj``, if it can be found."""
    head, _, rest = target.partition(".")
    try:
        path = obj.resolve(head)
    except (griffe.NameResolutionError, KeyError, AttributeError):
        if "." in target:
            return target  # an absolute path, e.g. eventsourcing.persistence.Mapper
        return None
    return f"{path}.{rest}" if rest else path


def convert(obj: griffe.Object, text: str) -> str:
    """Return ``text`` with reST roles as (optional) cross-references."""

    def replace(match: re.Match[str]) -> str:
        role, target = match["role"], match["target"].strip().removesuffix("()")
        title = target.rsplit(".", 1)[-1] if match["tilde"] else target
        if role in {"meth", "func"}:
            title += "()"
        code = f"<code>{html.escape(title)}</code>"
        path = _resolve(obj, target)
        if path is None:
            return code
        return f'<autoref identifier="{html.escape(path)}" optional>{code}</autoref>'

    return _LITERAL_BLOCK.sub(r"\1:", _ROLE.sub(replace, text))


def _objects(obj: griffe.Object) -> Iterator[griffe.Object]:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)  # type: ignore[arg-type]


class RestRoles(griffe.Extension):
    """Rewrite reST roles in every docstring of a loaded package."""

    def _convert_package(self, pkg: griffe.Module) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = convert(obj, obj.docstring.value)

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Griffe 2: the whole package is loaded."""
        self._convert_package(pkg)

    def on_package_loaded(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Griffe 1: the whole package is loaded (converting twice changes nothing)."""
        self._convert_package(pkg)
