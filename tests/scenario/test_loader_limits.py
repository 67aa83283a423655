"""A loader that cannot be made to crash or hang: limits checked before parsing, regular files
only, bounded reads, ``extends`` names checked before the file system is asked, a byte-order
mark accepted, every parse error with its line (issue 13)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from polemos.scenario import ScenarioError, load_scenario
from polemos.scenario.load import MAX_DEPTH, MAX_FILE_BYTES, MAX_NAME_CHARS

TINY = Path(__file__).parents[1] / "data" / "tiny.toml"


def _problems(spec) -> str:
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as e:
        load_scenario(spec)
    assert time.perf_counter() - t0 < 5, "the loader took too long"
    return str(e.value)


DEEP = {
    "array": "x = " + "[" * 500 + "]" * 500,
    "inline_table": "x = " + "{a=" * 500 + "1" + "}" * 500,
    "dotted_key": "a" + ".a" * 500 + " = 1",
    "header": "[a" + ".a" * 500 + "]",
    "header_array": "[[a" + ".a" * 500 + "]]",
}


@pytest.mark.parametrize("kind", sorted(DEEP))
def test_deep_nesting_is_refused_before_parsing(tmp_path, kind):
    p = tmp_path / "deep.toml"
    p.write_text(DEEP[kind])
    msg = _problems(p)
    assert f"deep.toml:1 nested more than {MAX_DEPTH} levels deep" in msg
    assert "MAX_DEPTH" in msg


def test_deep_nesting_in_an_extended_base_is_refused(tmp_path):
    (tmp_path / "base.toml").write_text("\n" + DEEP["array"])
    p = tmp_path / "derived.toml"
    p.write_text('extends = "base.toml"\n')
    msg = _problems(p)
    assert "derived.toml:1 extends: cannot load 'base.toml'" in msg
    assert "base.toml:2 nested more than" in msg


def test_nesting_within_the_limit_and_brackets_in_strings_are_read(tmp_path):
    text = TINY.read_text() + '\n[figures.brackets]\nvalue = 1\nnote = """' + "[{" * 200 + \
        '"""\n'
    p = tmp_path / "ok.toml"
    p.write_text(text)
    assert load_scenario(p).figures["brackets"].note.startswith("[{[{")


def test_a_file_larger_than_the_limit_is_refused(tmp_path):
    p = tmp_path / "big.toml"
    p.write_text(TINY.read_text() + "\n# " + "x" * MAX_FILE_BYTES + "\n")
    msg = _problems(p)
    assert f"larger than the limit of {MAX_FILE_BYTES:,} bytes" in msg


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    assert "is a FIFO (named pipe): a scenario file must be a regular file" in _problems(fifo)


def test_a_fifo_as_extends_or_in_a_folder_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.toml")
    p = tmp_path / "sub" / "derived.toml"
    p.parent.mkdir()
    p.write_text('extends = "../pipe.toml"\n')
    assert "is a FIFO" in _problems(p)
    assert "is a FIFO" in _problems(tmp_path)       # the folder holds pipe.toml


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_a_device_is_refused_without_reading_it():
    assert "/dev/zero is a device: a scenario file must be a regular file" in \
        _problems("/dev/zero")


@pytest.mark.parametrize("n", [300, 5000, 100_000])
def test_a_long_extends_name_is_refused_before_the_file_system(tmp_path, n):
    p = tmp_path / "derived.toml"
    p.write_text(f'extends = "{"x" * n}"\n')
    msg = _problems(p)
    assert "derived.toml:1 extends: scenario name or path" in msg
    assert "File name too long" not in msg


def test_a_long_scenario_argument_is_refused():
    msg = _problems("y" * 5000)
    assert f"scenario name or path is 5,000 characters long (limit {MAX_NAME_CHARS})" in msg


def test_a_utf8_byte_order_mark_is_accepted(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + TINY.read_bytes())
    assert load_scenario(p).name == load_scenario(TINY).name


@pytest.mark.parametrize("tail, rule", [
    ("x = [1, 2\n", "Unclosed array at the end of the file"),
    ("x = { a = 1\n", "Unclosed inline table"),
    ('x = "abc', "Unterminated string at the end of the file"),
    ("[a", "at the end of the file"),
])
def test_end_of_file_parse_errors_keep_their_line(tmp_path, tail, rule):
    text = TINY.read_text().rstrip("\n") + "\n" + tail
    p = tmp_path / "eof.toml"
    p.write_text(text)
    last = text.count("\n") + (not text.endswith("\n"))
    msg = _problems(p)
    assert f"eof.toml:{last} not valid TOML:" in msg and rule in msg


def test_many_keys_load_in_linear_time(tmp_path):
    """20,000 keys (a folder merge copies each key's line): seconds, not the quadratic
    minutes of a merge that scanned every line for every key."""
    p = tmp_path / "many.toml"
    p.write_text("".join(f'"key{i}" = {i}\n' for i in range(20_000)))
    t0 = time.perf_counter()
    with pytest.raises(ScenarioError) as e:
        load_scenario(p)
    assert time.perf_counter() - t0 < 5
    assert len(e.value.problems) > 20_000       # every unknown key and each missing one
