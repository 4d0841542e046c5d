"""Per-module figures of the mutation run, and every survivor killed or argued.

Run it after ``mutmut run``, from the same directory::

    HYPOTHESIS_PROFILE=mutation .venv/bin/mutmut run; .venv/bin/python scripts/mutation.py

It reads ``mutmut results --all true`` and prints, for each module of
``[tool.mutmut] only_mutate`` (pyproject.toml), its mutants, those killed,
those argued equivalent and any other survivor, by name. It exits 1 when a
module has no results, when a mutant survives that :data:`ARGUED` does not
list, when a mutant of :data:`ARGUED` no longer survives (or no longer
changes the line it was argued for: mutmut numbers mutants by their place,
so an edit to a module can move a name onto another mutation), or when a
mutant was not checked. ``--table`` prints the argued mutants as the
Markdown table of docs/mutation.md.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path.cwd()
MUTMUT = ROOT / ".venv" / "bin" / "mutmut"

DETECTED = frozenset({"killed", "caught by type check", "timeout"})
"""Statuses that count as killed (a mutant that hangs the tests is detected too)."""

ARGUED: dict[str, tuple[str, str]] = {
    # name: (text of a line its diff changes, why no input can tell it apart)
    "familiekoordinering.domain.capacity.xǁConsentAgesǁnorway__mutmut_3": (
        "-        adult_age=18,",
        "`ConsentAges.norway` without `adult_age=18`: 18 is the field's default",
    ),
    "familiekoordinering.domain.capacity.xǁConsentAgesǁdenmark__mutmut_3": (
        "-        adult_age=18,",
        "`ConsentAges.denmark` without `adult_age=18`: 18 is the field's default",
    ),
    "familiekoordinering.domain.capacity.x__frozen_ages__mutmut_4": (
        "+    return dict(sorted(ages.items(), key=None))",
        "`_frozen_ages` sorting by the `(topic, age)` pairs (`key=None`) instead of "
        "by `str(topic)`: a topic is a string enumeration, so pairs compare by the "
        "topic's text first, and a dict holds each topic once",
    ),
    "familiekoordinering.domain.capacity.x__frozen_ages__mutmut_6": (
        "+    return dict(sorted(ages.items(), ))",
        "`_frozen_ages` sorting with no key instead of by `str(topic)`: the same "
        "order, as above",
    ),
    "familiekoordinering.domain.consent.x_decide__mutmut_82": (
        "+    return Decision(permitted=True, consent_ids=tuple(sorted(used, key=None)))",
        "`decide` sorting the consent ids with `key=None` instead of `key=str`: a "
        "UUID's text is its number in fixed-width lowercase hex, so both orders "
        "are the same",
    ),
    "familiekoordinering.domain.consent.x_decide__mutmut_84": (
        "+    return Decision(permitted=True, consent_ids=tuple(sorted(used, )))",
        "`decide` sorting the consent ids with no key instead of `key=str`: the "
        "same order, as above",
    ),
    "familiekoordinering.domain.consent.x__explain_uncovered__mutmut_29": (
        "+        if consent.valid_until is not None and consent.valid_until <= on:",
        "`_explain_uncovered`: `valid_until <= on` for `< on`: it explains only "
        "pairs no consent in force covers, and a consent whose last day is the "
        "action's day is in force, so it never gets there",
    ),
    "familiekoordinering.domain.consent.x__explain_uncovered__mutmut_40": (
        "+        if on <= consent.valid_from:",
        "`_explain_uncovered`: `on <= valid_from` for `on < valid_from`: a consent "
        "whose first day is the action's day is in force, as above",
    ),
    "familiekoordinering.domain.rules.x_check_survey__mutmut_36": (
        '+    check_text("survey note", survey.note, required=None)',
        "`check_survey` checking the note with `required=None` instead of "
        "`required=False`: `check_text` reads `required` only in `if required:`, "
        "where None is false as False is",
    ),
    "familiekoordinering.domain.inquiry.x_check_work__mutmut_16": (
        '+    rules.check_free_text("note", note, required=None)',
        "`check_work` checking the note with `required=None` instead of "
        "`required=False`: `required` is only asked whether it is true, and "
        "neither is",
    ),
    "familiekoordinering.research.x__programme_year__mutmut_17": (
        "+    return max(months, 1) // 12 + 1",
        "`_programme_year` clamping the months at 1 instead of 0: only 0 and "
        "fewer months are clamped, and `0 // 12` and `1 // 12` are both 0",
    ),
    "familiekoordinering.integrity.verify.xǁLogVerifierǁ_head_at_checkpoint__mutmut_3": (
        "+    chunks = {n: d for n, d in self._chunks.items() if n <= self._cp_chunk}",
        "`LogVerifier._head_at_checkpoint` keeping the checkpoint's own chunk "
        "(`n <= _cp_chunk` for `n < _cp_chunk`): that chunk is in `_chunks` only "
        "once closed, and closing it (or merging the part that closed it) sets "
        "`_cp_partial`, which then replaces it",
    ),
    "familiekoordinering.integrity.verify.xǁLogVerifierǁ_malformed__mutmut_19": (
        '+        family_id = family.replace("-", "").encode("UTF-8", "replace")',
        '`LogVerifier._malformed` encoding with `"UTF-8"` for `"utf-8"`: codec '
        "names are looked up case-insensitively, the same codec",
    ),
    "familiekoordinering.integrity.verify.x__uuid__mutmut_4": (
        '+        return UUID(family.decode("LATIN-1"))',
        '`_uuid` decoding with `"LATIN-1"` for `"latin-1"`: codec names are '
        "looked up case-insensitively, the same codec",
    ),
}
"""Surviving mutants argued equivalent: no input can tell them from the code."""


def modules() -> list[str]:
    """The dotted names of the modules ``[tool.mutmut] only_mutate`` lists."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    paths = config["tool"]["mutmut"]["only_mutate"]
    return [
        ".".join(Path(p).with_suffix("").parts[1:])  # src/a/b.py -> a.b
        for p in paths
    ]


def results() -> dict[str, str]:
    """Every mutant's status, by name, as ``mutmut results --all true`` gives it."""
    out = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().partition(": ")
        if sep:
            found[name] = status
    return found


def changed_lines(name: str) -> list[str]:
    """The lines the mutant removes and adds (``-``/``+``), as ``mutmut show`` gives."""
    out = subprocess.run(
        [str(MUTMUT), "show", name], check=True, capture_output=True, text=True
    ).stdout
    return [
        line
        for line in out.splitlines()
        if line[:1] in "-+" and not line.startswith(("---", "+++"))
    ]


def module_of(name: str) -> str:
    """``a.b.x_f__mutmut_3`` -> ``a.b`` (a mutant's name has no other dot)."""
    return name.rpartition(".")[0]


def main(argv: list[str]) -> int:
    """Print the figures; return 1 when a survivor is neither killed nor argued."""
    if "--table" in argv:
        print("| Module | Mutant | Why no test can kill it |\n| --- | --- | --- |")
        for name, (_, why) in ARGUED.items():
            short = name.rpartition(".")[2].replace("ǁ", ".")
            print(f"| `{module_of(name).rpartition('.')[2]}` | `{short}` | {why} |")
        return 0
    status = results()
    problems: list[str] = []
    width = max(len(m) for m in modules())
    print(f"{'module':<{width}}  mutants  killed  argued  unexplained  kill rate")
    totals: Counter[str] = Counter()
    for module in modules():
        mine = {n: s for n, s in status.items() if module_of(n) == module}
        if not mine:
            problems.append(f"{module}: no mutants in the results (was it run?)")
        killed = sum(1 for s in mine.values() if s in DETECTED)
        argued = sorted(n for n, s in mine.items() if s == "survived" and n in ARGUED)
        other = sorted(
            n for n, s in mine.items() if s not in DETECTED and n not in argued
        )
        rate = f"{100 * (killed + len(argued)) / len(mine):.1f} %" if mine else "-"
        print(
            f"{module:<{width}}  {len(mine):7}  {killed:6}  {len(argued):6}  "
            f"{len(other):11}  {rate} killed or argued ({killed}/{len(mine)} killed)"
        )
        totals.update(mutants=len(mine), killed=killed, argued=len(argued))
        for name in other:
            print(f"    {mine[name]}: {name}")
            problems.append(f"{name}: {mine[name]}, neither killed nor argued")
    print(
        f"{'all':<{width}}  {totals['mutants']:7}  {totals['killed']:6}  "
        f"{totals['argued']:6}  {len(problems):11}"
    )
    for name, (line, _) in ARGUED.items():
        if status.get(name) != "survived":
            problems.append(
                f"{name} is argued equivalent but is {status.get(name, 'not a mutant')}"
                ": remove it from ARGUED in scripts/mutation.py"
            )
        elif line not in changed_lines(name):
            problems.append(
                f"{name} no longer changes {line!r}: the module changed; read the "
                "survivor again (mutmut show) and argue it anew"
            )
    for problem in problems:
        print(f"UNEXPLAINED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
