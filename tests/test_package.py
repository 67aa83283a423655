"""The package stays light to import, and the CLI answers --help quickly without heavy imports."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_polemos_loads_no_heavy_module():
    mods = _modules_after("import polemos, polemos.scenario")
    for heavy in ("numpy", "pandas", "xarray", "scipy", "matplotlib", "lifelines", "pydantic"):
        assert heavy not in mods, heavy


def test_cli_help_imports_no_scientific_stack():
    mods = _modules_after("from polemos.cli import app")
    for heavy in ("numpy", "pandas", "xarray", "scipy", "matplotlib", "lifelines"):
        assert heavy not in mods, heavy
