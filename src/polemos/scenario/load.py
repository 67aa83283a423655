"""Load a scenario: read TOML (a file or a folder), follow ``extends``, apply ``--set``
overrides, validate against the schema and the cross-reference rules, and report every
problem at once (:class:`~polemos.scenario.errors.ScenarioError`)."""

from __future__ import annotations

import copy
import difflib
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from polemos.scenario.errors import Problem, ScenarioError
from polemos.scenario.toml_lines import key_lines

Where = dict[tuple, tuple[str, int | None]]  # key path -> (file, line)


class Loaded(typing.NamedTuple):
    data: dict
    where: Where
    files: list[str]
    #: parameters ("component.name") the scenario took from the engine's defaults
    defaults: frozenset = frozenset()


#: the campaign engine's parameters for any scenario that does not set them (its own file, so
#: that it reads as a scenario's [parameters] do)
ENGINE_DEFAULTS = Path(__file__).resolve().parents[1] / "campaign" / "defaults.toml"


#: limits checked before a file is parsed, so that no input can exhaust memory or the stack:
#: the largest scenario file (the embedded ones are < 50 KB), the deepest nesting of tables,
#: arrays and dotted keys (the schema needs 6), the longest ``extends`` name or path
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NAME_CHARS = 1024
MAX_NAME_PART = 255


def check_name(spec: str, file: str = "", line: int | None = None, key: str = "") -> None:
    """A scenario name or path that the file system can be asked about (checked before it
    is): not empty, no NUL byte, at most MAX_NAME_CHARS characters and MAX_NAME_PART per
    path component."""
    rule = None
    if not spec.strip():
        rule = "is empty"
    elif "\x00" in spec:
        rule = "contains a NUL character"
    elif len(spec) > MAX_NAME_CHARS:
        rule = f"is {len(spec):,} characters long (limit {MAX_NAME_CHARS})"
    elif any(len(part.encode()) > MAX_NAME_PART for part in spec.split("/")):
        rule = f"has a path component longer than {MAX_NAME_PART} bytes"
    if rule is not None:
        shown = spec if len(spec) <= 60 else spec[:57] + "..."
        raise ScenarioError([Problem(file or shown, line, key,
                                     f"scenario name or path {rule}")])


def resolve(spec: str | Path) -> Path:
    """A scenario path from a path or an embedded name."""
    from polemos.scenarios import embedded_names, embedded_path

    check_name(str(spec))
    p = Path(spec)
    try:
        exists = p.exists()
    except OSError:
        exists = False
    if exists:
        return p
    emb = embedded_path(str(spec))
    if emb is not None:
        return emb
    names = ", ".join(embedded_names()) or "none"
    hint = difflib.get_close_matches(str(spec), embedded_names(), n=1)
    dym = f" (did you mean '{hint[0]}'?)" if hint else ""
    raise ScenarioError([Problem(str(spec), None, "", f"no such file, folder or embedded "
                                 f"scenario{dym}; embedded scenarios: {names}")])


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else (a FIFO, a
    device, a folder, a larger file) is a ScenarioError naming the file. The type is checked
    before the file is opened (opening a FIFO blocks) and the read stops at ``limit`` + 1
    bytes whatever the file claims its size is."""
    import os
    import stat

    name = _display(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ScenarioError([Problem(name, None, "", "file not found")]) from None
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", f"cannot read file: {e.strerror}")]) from None
    if not stat.S_ISREG(st.st_mode):
        what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO (named pipe)"
                if stat.S_ISFIFO(st.st_mode) else "a device" if stat.S_ISCHR(st.st_mode)
                or stat.S_ISBLK(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
                else "not a regular file")
        raise ScenarioError([Problem(name, None, "", f"is {what}: a scenario file must be a "
                                     "regular file")])
    too_big = Problem(name, None, "", f"file is larger than the limit of {limit:,} bytes "
                      "(polemos.scenario.load.MAX_FILE_BYTES)")
    if st.st_size > limit:
        raise ScenarioError([too_big])
    try:
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
    except OSError as e:
        raise ScenarioError([Problem(name, None, "", f"cannot read file: {e.strerror}")]) from None
    if len(raw) > limit:
        raise ScenarioError([too_big])
    return raw


def _nesting(text: str) -> tuple[int, int]:
    """(deepest nesting, its line) of a TOML text, counted without parsing it: open arrays
    and inline tables, plus the parts of the dotted keys and table headers on a line (an
    upper bound on the depth tomllib would recurse to). Strings and comments are skipped."""
    deepest, at, depth, line = 0, 1, 0, 1
    i, n = 0, len(text)
    segments = 1          # parts of the key being read on this line (a dot adds one)
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            segments = 1
        elif ch == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif ch in "\"'":
            triple = text.startswith(ch * 3, i)
            end = ch * 3 if triple else ch
            j = i + len(end)
            while j < n:
                if ch == '"' and text[j] == "\\":
                    j += 2
                    continue
                if text.startswith(end, j):
                    break
                if not triple and text[j] == "\n":
                    break
                j += 1
            line += text.count("\n", i, j)
            i = j + len(end)
            continue
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(depth - 1, 0)
        elif ch == "." and i + 1 < n and not text[i + 1].isdigit() and not (
                i > 0 and text[i - 1].isdigit()):
            segments += 1
        elif ch in ",=":
            segments = 1 if ch == "," else segments
        level = depth + segments
        if level > deepest:
            deepest, at = level, line
        i += 1
    return deepest, at


def read_toml(path: Path) -> tuple[dict, Where]:
    """Parse one TOML file; any failure becomes a Problem naming the file (and its line)."""
    name = _display(path)
    raw = read_bounded(path)
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise ScenarioError([Problem(name, raw.count(b"\n", 0, at) + 1, "",
                                     f"binary file (a NUL byte at byte {at}), not TOML text")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError([Problem(name, raw.count(b"\n", 0, e.start) + 1, "",
                                     f"not UTF-8 text (byte {e.start}); a scenario is a TOML "
                                     "text file")]) from None
    text = text.removeprefix("\ufeff")            # a UTF-8 byte-order mark
    if not text.strip():
        raise ScenarioError([Problem(name, 1, "", "file is empty; a scenario needs at least "
                                     "schema_version, name, title and start_date")])
    depth, at = _nesting(text)
    if depth > MAX_DEPTH:
        raise ScenarioError([Problem(name, at, "", f"nested more than {MAX_DEPTH} levels deep "
                                     "(arrays, inline tables and dotted keys; limit "
                                     "polemos.scenario.load.MAX_DEPTH)")])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\(at line (\d+), column \d+\)", msg)
        line = int(m.group(1)) if m else (text.count("\n") + (not text.endswith("\n"))
                                          if "end of document" in msg else None)
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        msg = msg.replace(" (at end of document)", " at the end of the file")
        raise ScenarioError([Problem(name, line, "", f"not valid TOML: {msg}")]) from None
    except RecursionError:
        raise ScenarioError([Problem(name, None, "", "nested too deeply to read")]) from None
    lines = key_lines(text)
    return data, {k: (name, v) for k, v in lines.items()}


def _merge(base: dict, over: dict, where: Where, over_where: Where, prefix: tuple,
           problems: list[Problem] | None) -> None:
    """Deep-merge ``over`` into ``base``; with ``problems``, a leaf set twice is an error."""
    for k, v in over.items():
        path = prefix + (k,)
        if isinstance(v, dict) and isinstance(base.get(k), dict) and not (
                problems is None and _replaces_quantity(base[k], v)):
            _merge(base[k], v, where, over_where, path, problems)
            continue
        if problems is not None and k in base:
            f0, l0 = where.get(path, ("?", None))
            f1, l1 = over_where.get(path, ("?", None))
            problems.append(Problem(f1, l1, ".".join(map(str, path)),
                                    f"already defined in {f0}:{l0}; a key may be set in only "
                                    "one file of a scenario folder"))
            continue
        base[k] = copy.deepcopy(v)
        for wk in _key_paths(v, path):          # the subtree's own paths: linear in its size
            if wk in over_where:
                where[wk] = over_where[wk]


def _key_paths(value: Any, path: tuple):
    """``path`` and every key path below it in ``value`` (tables by key, arrays by index)."""
    stack = [(path, value)]
    while stack:
        p, v = stack.pop()
        yield p
        if isinstance(v, dict):
            stack.extend((p + (k,), x) for k, x in v.items())
        elif isinstance(v, list):
            stack.extend((p + (i,), x) for i, x in enumerate(v))


_QUANTITY_FORMS = ({"ref"}, {"param"}, {"value", "low", "high"})


def _replaces_quantity(old: dict, new: dict) -> bool:
    """An override of a quantity by another form (e.g. {param} by {value, sources}) replaces
    it whole instead of merging keys."""
    def form(d):
        return next((i for i, keys in enumerate(_QUANTITY_FORMS) if keys & d.keys()), None)

    f_old, f_new = form(old), form(new)
    return f_old is not None and f_new is not None and f_old != f_new


def read_scenario_files(path: Path) -> Loaded:
    """Read a scenario file, or merge the TOML files of a folder."""
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise ScenarioError([Problem(_display(path), None, "", "folder holds no .toml file")])
    else:
        files = [path]
    data: dict = {}
    where: Where = {}
    problems: list[Problem] = []
    for f in files:
        try:
            d, w = read_toml(f)
        except ScenarioError as e:
            problems.extend(e.problems)
            continue
        _merge(data, d, where, w, (), problems)
    if problems:
        raise ScenarioError(problems)
    return Loaded(data, where, [_display(f) for f in files])


def load_raw(spec: str | Path, _seen: tuple = ()) -> Loaded:
    """Read a scenario and everything it ``extends`` (derived keys override the base's)."""
    path = resolve(spec)
    loaded = read_scenario_files(path)
    parent = loaded.data.get("extends")
    if parent is None:
        return loaded
    key = str(path.resolve())
    if key in _seen:
        f, line = loaded.where.get(("extends",), (loaded.files[0], None))
        raise ScenarioError([Problem(f, line, "extends", "scenarios extend each other in a cycle")])
    if not isinstance(parent, str):
        f, line = loaded.where.get(("extends",), (loaded.files[0], None))
        raise ScenarioError([Problem(f, line, "extends", "must be a scenario name or path")])
    f, line = loaded.where.get(("extends",), (loaded.files[0], None))
    check_name(parent, f, line, "extends")
    cand = path.parent / parent if path.is_file() else path / parent
    try:
        target: str | Path = cand if cand.exists() else parent
    except OSError:
        target = parent
    try:
        base = load_raw(target, _seen + (key,))
    except ScenarioError as e:
        f, line = loaded.where.get(("extends",), (loaded.files[0], None))
        raise ScenarioError([Problem(f, line, "extends", f"cannot load '{parent}'")] + e.problems) \
            from None
    data, where = base.data, dict(base.where)
    _merge(data, loaded.data, where, loaded.where, (), None)
    return Loaded(data, where, base.files + loaded.files)


def add_engine_defaults(loaded: Loaded) -> Loaded:
    """Every parameter of the engine's defaults (``campaign/defaults.toml``) that the scenario
    does not set, whole, and the sources they cite that it does not define (its own entry of
    the same id wins). Returns the merged scenario with ``defaults``: the parameters added."""
    base, base_where = read_toml(ENGINE_DEFAULTS)
    data = loaded.data
    where = dict(loaded.where)
    added = []
    params = data.setdefault("parameters", {})
    if not isinstance(params, dict):
        return loaded                  # the schema reports it
    for comp, group in base.get("parameters", {}).items():
        mine = params.setdefault(comp, {})
        if not isinstance(mine, dict):
            continue
        for name, entry in group.items():
            if name not in mine:
                mine[name] = entry
                added.append(f"{comp}.{name}")
                where[("parameters", comp, name)] = base_where[("parameters", comp, name)]
    sources = data.setdefault("sources", {})
    if isinstance(sources, dict):
        for sid, src in base.get("sources", {}).items():
            if sid not in sources:
                sources[sid] = src
                for k, v in base_where.items():
                    if k[:2] == ("sources", sid):
                        where[k] = v
    return loaded._replace(where=where, defaults=frozenset(added))


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b.c=value`` -> (['a','b','c'], value); the value is read as TOML, else a string."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", None, text, "expected key.path=value")])
    key, _, raw = text.partition("=")
    key = key.strip()
    if not raw.strip():
        raise ScenarioError([Problem("--set", None, key, f"no value given ({text!r}): write "
                                     "key.path=value")])
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(loaded: Loaded, overrides: list[str]) -> None:
    """Set ``key.path=value`` in place. A number set on a figure replaces its value and range."""
    problems = []
    for text in overrides:
        try:
            keys, value = parse_override(text)
        except ScenarioError as e:
            problems.extend(e.problems)
            continue
        node = loaded.data
        for i, k in enumerate(keys[:-1]):
            if not isinstance(node, dict) or k not in node:
                valid = sorted(node) if isinstance(node, dict) else []
                problems.append(Problem("--set", None, ".".join(keys[: i + 1]),
                                        _unknown_key_message(k, valid)))
                break
            node = node[k]
        else:
            last = keys[-1]
            if not isinstance(node, dict):
                problems.append(Problem("--set", None, text, "not a table"))
                continue
            target = node.get(last)
            if isinstance(target, dict) and "value" in target and not isinstance(value, dict):
                node, last = target, "value"          # a number set on a figure or parameter
            node[last] = value
            if last in ("value", "low", "high"):
                _fix_by_hand(node, last)
            for k in [k for k in loaded.where if k[: len(keys)] == tuple(keys)]:
                loaded.where[k] = ("--set", None)   # a problem below it names the --set
            loaded.where[tuple(keys)] = ("--set", None)
    if problems:
        raise ScenarioError(problems)


def _fix_by_hand(fig: dict, key: str = "value") -> None:
    """A figure whose value is set by hand loses its range (one whose low or high is set keeps
    its value, which must then lie in the new range); a calibrated parameter also loses its
    prior and targets (it is no longer fitted, and no posterior column applies to it)."""
    if key == "value":
        fig.pop("low", None)
        fig.pop("high", None)
    if "prior" in fig:
        for k in ("prior", "prior_shape", "fitted_to"):
            fig.pop(k, None)
        fig["kind"] = "estimate"
    fig["note"] = (fig.get("note", "") + " [overridden by --set]").strip()


def _unknown_key_message(key: str, valid: list[str]) -> str:
    hint = difflib.get_close_matches(key, valid, n=1)
    dym = f" (did you mean '{hint[0]}'?)" if hint else ""
    return f"unknown key '{key}'{dym}; valid keys: {', '.join(valid)}"


# --- pydantic errors -> problems -------------------------------------------------------------

def _model_at(root: type, loc: tuple) -> type | None:
    """The model class reached by following ``loc`` (pydantic's raw loc, with union tags)."""
    from typing import Annotated, Union, get_args, get_origin

    tp: Any = root
    i = 0
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, getattr(__import__("types"), "UnionType", Union)):
            members = [a for a in get_args(tp) if a is not type(None)]
            if i < len(loc):
                tagged = [m for m in members if _tag(m) == loc[i]]
                if tagged:
                    tp, i = tagged[0], i + 1
                    continue
            models = [m for m in members if isinstance(_plain(m), type)
                      and issubclass(_plain(m), BaseModel)]
            if len(models) >= 1:
                tp = models[-1]
                continue
            return None
        if origin is dict:
            tp, i = get_args(tp)[1], i + 1
            continue
        if origin is list:
            tp, i = get_args(tp)[0], i + 1
            continue
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if i >= len(loc):
                return tp
            name = loc[i]
            field = tp.model_fields.get(name) or next(
                (f for f in tp.model_fields.values() if f.alias == name), None)
            if field is None:
                return tp if i == len(loc) - 1 else None
            tp, i = field.annotation, i + 1
            continue
        return None


def _plain(tp):
    from typing import Annotated, get_args, get_origin

    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def _tag(tp) -> str | None:
    from typing import Annotated, get_args, get_origin

    from pydantic import Tag

    if get_origin(tp) is Annotated:
        for meta in get_args(tp)[1:]:
            if isinstance(meta, Tag):
                return meta.tag
    return None


def _data_path(data: Any, loc: tuple) -> tuple:
    """Keep the loc components that are real keys/indices of the data (drop union tags)."""
    out, node = [], data
    for part in loc:
        if isinstance(node, dict) and part in node:
            out.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            out.append(part)
            node = node[part]
    return tuple(out)


def locate(where: Where, path: tuple, default_file: str) -> tuple[str, int | None]:
    """File and line of the longest prefix of ``path`` that was read from a file."""
    for n in range(len(path), 0, -1):
        if path[:n] in where:
            return where[path[:n]]
    return default_file, None


def validation_problems(err: ValidationError, loaded: Loaded, root: type) -> list[Problem]:
    """Translate pydantic errors into problems with file, line and key path."""
    problems = []
    for e in err.errors(include_url=False):
        loc = tuple(e["loc"])
        path = _data_path(loaded.data, loc)
        typ = e["type"]
        if typ == "extra_forbidden":
            model = _model_at(root, loc[:-1])
            valid = sorted(
                (f.alias or n) for n, f in model.model_fields.items()) if model else []
            msg = _unknown_key_message(str(loc[-1]), valid)
            shown = path
        elif typ == "missing":
            shown = path + (loc[-1],)
            msg = "required key is missing"
        else:
            shown = path
            msg = e["msg"].removeprefix("Value error, ")
            if typ.startswith("literal_error"):
                msg = f"{msg}, got {e.get('input')!r}"
        f, line = locate(loaded.where, shown, loaded.files[-1])
        problems.append(Problem(f, line, ".".join(map(str, shown)), msg))
    return problems
