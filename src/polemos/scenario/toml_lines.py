"""Map each key path of a TOML text to the line that defines it (tomllib gives no lines)."""

from __future__ import annotations

import re

_BARE = r"[A-Za-z0-9_\-]+"
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_KEY = rf"(?:{_BARE}|{_QUOTED})(?:\s*\.\s*(?:{_BARE}|{_QUOTED}))*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_KEY})\s*\]\]?")
_ASSIGN = re.compile(rf"^\s*({_KEY})\s*=")


def _split_key(key: str) -> list[str]:
    parts = re.findall(rf"{_BARE}|{_QUOTED}", key)
    return [p[1:-1] if p[:1] in "\"'" else p for p in parts]


def _depth_change(text: str) -> int:
    """Net bracket/brace depth of a line, ignoring strings and comments."""
    depth, quote, i = 0, "", 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        i += 1
    return depth


def _inline_keys(text: str, prefix: tuple, out: dict, line: int) -> None:
    """Record the keys of an inline table ``{ a = 1, b = { c = 2 } }`` at ``line``."""
    stack = [prefix]
    pending: tuple | None = None
    for m in re.finditer(rf"({_QUOTED})|({_KEY})\s*=|([{{}}])", text):
        if m.group(1):
            continue
        if m.group(2):
            pending = stack[-1] + tuple(_split_key(m.group(2)))
            out.setdefault(pending, line)
        elif m.group(3) == "{":
            stack.append(pending if pending is not None else stack[-1])
        elif m.group(3) == "}" and len(stack) > 1:
            stack.pop()


def key_lines(text: str) -> dict[tuple, int]:
    """Key path (tuple of str/int) -> 1-based line number."""
    out: dict[tuple, int] = {}
    table: tuple = ()
    array_counts: dict[tuple, int] = {}
    depth = 0
    for n, line in enumerate(text.splitlines(), start=1):
        if depth > 0:
            depth += _depth_change(line)
            continue
        m = _HEADER.match(line)
        if m and not _ASSIGN.match(line):
            path = tuple(_split_key(m.group(2)))
            if m.group(1) == "[[":
                idx = array_counts.get(path, 0)
                array_counts[path] = idx + 1
                table = path + (idx,)
            else:
                table = path
            for k in range(1, len(path) + 1):
                out.setdefault(path[:k], n)
            out.setdefault(table, n)
            continue
        m = _ASSIGN.match(line)
        if m:
            path = table + tuple(_split_key(m.group(1)))
            out.setdefault(path, n)
            rest = line[m.end():]
            _inline_keys(rest, path, out, n)
            depth = _depth_change(rest)
    return out
