"""``polemos new``: start a scenario from a commented skeleton, or from a copy of another.

The skeleton (``skeleton.toml`` beside this module) is a small two-sided war that validates
(``--strict`` too) and runs on the engine's defaults; tested by writing, validating and running
it through the command line.
"""

from __future__ import annotations

import re
from pathlib import Path

from polemos.scenario.errors import Problem, ScenarioError

SKELETON = Path(__file__).with_name("skeleton.toml")
NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


def write_new(name: str, folder: Path, source: str | None = None) -> list[Path]:
    """Write the scenario ``name`` into ``folder`` (created; it must not hold files): the
    skeleton, or the TOML files of ``source`` (an embedded name or a path) with ``name`` set.
    A source's calibrated posterior is not copied: it was fitted to another war."""
    folder = Path(folder)
    if not NAME.match(name):
        raise ScenarioError([Problem(name, None, "", "a scenario name starts with a letter and "
                                     "holds only letters, digits, '_' and '-'")])
    if folder.exists() and any(folder.iterdir()):
        raise ScenarioError([Problem(str(folder), None, "", "already exists and is not empty: "
                                     "choose another name or folder")])
    if source is None:
        text = SKELETON.read_text().replace("__NAME__", name).replace("__FOLDER__",
                                                                       f"{folder}/")
        folder.mkdir(parents=True, exist_ok=True)
        out = folder / "scenario.toml"
        out.write_text(text)
        return [out]
    from polemos.scenario.load import resolve
    from polemos.scenarios import embedded_path

    src = resolve(source)
    files = sorted(src.glob("*.toml")) if src.is_dir() else [src]
    here = src if src.is_dir() else src.parent          # where a relative `extends` points
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    header = f"# Copied from '{source}' by `polemos new {name} --from {source}`.\n"
    for f in files:
        text = f.read_text()
        base = re.search(r'^extends\s*=\s*"([^"]+)"', text, re.M)
        if base and embedded_path(base.group(1)) is None and (here / base.group(1)).exists():
            # a base given by a path relative to the source: refer to it where it is
            text = text.replace(base.group(0), f'extends = "{here / base.group(1)}"', 1)
        text, named = re.subn(r'^name\s*=\s*"[^"]*"', f'name = "{name}"', text, count=1,
                              flags=re.M)
        out = folder / f.name
        out.write_text((header if named else "") + text)
        written.append(out)
    return written
