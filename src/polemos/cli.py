"""The ``polemos`` command line. Heavy modules are imported inside commands, so ``--help`` is fast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Polemos: simulate a war and forecast the peace that follows it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DEFAULT = "karabakh_2020"
ScenarioArg = Annotated[str, typer.Argument(help="Embedded scenario name or path to a TOML "
                                            "file or folder.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override: key.path=value "
                                                  "(repeatable).")]


def _console():
    from rich.console import Console

    return Console()


def _fail(problems, console=None) -> None:
    """Print every problem, one line each, and exit 1."""
    import sys

    for p in problems:
        print(str(p), file=sys.stderr)
    raise typer.Exit(1)


def load_or_exit(spec: str, overrides=(), strict: bool = False):
    """Load a scenario or print its problems and exit 1 (never a traceback)."""
    from polemos.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(spec, overrides or (), strict=strict)
    except ScenarioError as e:
        _fail(e.problems)


@app.command()
def validate(
    scenarios: Annotated[list[str], typer.Argument(help="Scenario names or paths.")],
    strict: Annotated[bool, typer.Option(help="Fail on any bare number or unsourced figure.")]
    = False,
) -> None:
    """Check scenarios and report every problem at once (file:line key.path: message)."""
    import sys

    from polemos.scenario import ScenarioError, load_scenario

    bad = 0
    for spec in scenarios:
        try:
            sc = load_scenario(spec, strict=strict)
        except ScenarioError as e:
            bad += 1
            for p in e.problems:
                print(str(p), file=sys.stderr)
            print(f"{spec}: {len(e.problems)} problem(s)", file=sys.stderr)
            continue
        print(f"{spec}: valid{' (strict)' if strict else ''} - {len(sc.sectors)} sectors, "
              f"{len(sc.sources)} sources, {len(sc.figures)} register figures")
    if bad:
        raise typer.Exit(1)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the scenario format (for editors)."""
    import json

    from polemos.scenario.schema import Scenario

    print(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


@app.command()
def scenarios() -> None:
    """List the embedded scenarios."""
    from polemos.scenario import ScenarioError, load_scenario
    from polemos.scenarios import embedded_names

    for name in embedded_names():
        try:
            sc = load_scenario(name)
            print(f"{name:24s} {sc.title}")
        except ScenarioError as e:
            print(f"{name:24s} (invalid: {len(e.problems)} problem(s))")


@app.command()
def evidence(
    scenario: ScenarioArg = DEFAULT,
    contested: Annotated[bool, typer.Option(help="Only contested figures, each source's value "
                                            "side by side.")] = False,
) -> None:
    """Print the evidence register: every figure with its sources."""
    from polemos.scenario.evidence import print_register

    print_register(load_or_exit(scenario), _console(), contested_only=contested)


@app.command()
def summary(scenario: ScenarioArg = DEFAULT, set_: SetOpt = None) -> None:
    """Print a readable summary of a scenario's sides, sectors, forces and sources."""
    from polemos.scenario.evidence import print_summary

    print_summary(load_or_exit(scenario, set_), _console())


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
