"""Embedded scenarios: one folder of TOML files per scenario (``karabakh_2020`` is the default)."""

from __future__ import annotations

from pathlib import Path

DEFAULT = "karabakh_2020"
ROOT = Path(__file__).resolve().parent


def embedded_names() -> list[str]:
    """Names of the embedded scenarios (folders and single files under this package)."""
    names = [p.name for p in ROOT.iterdir() if p.is_dir() and any(p.glob("*.toml"))]
    names += [p.stem for p in ROOT.glob("*.toml")]
    return sorted(names)


def embedded_path(name: str) -> Path | None:
    """Path of the embedded scenario ``name``, or None."""
    for cand in (ROOT / name, ROOT / f"{name}.toml"):
        if cand.is_dir() and any(cand.glob("*.toml")) or cand.is_file():
            return cand
    return None
