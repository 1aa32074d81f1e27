"""The README's shell transcripts (`$ chainrule ...` followed by what it prints) print what
they show: every command is run in-process, in a scratch directory, and every line the
README quotes under it is compared with the lines it printed (a `tune` table's seconds,
which vary from run to run, excepted).  The README's figures are thereby checked against
the code's, so that a change of a default or a format shows up here, not to a reader."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from chainrule.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"


def _transcripts() -> list[list[tuple[str, list[str]]]]:
    """Each indented block holding `$ chainrule` lines: its (command, quoted lines)."""
    blocks, current = [], None
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("    $ chainrule "):
            if current is None:
                current = []
                blocks.append(current)
            current.append((line[6:], []))
        elif current is not None and line.startswith("    ") and line.strip():
            current[-1][1].append(line[4:].rstrip())
        else:
            current = None
    return blocks


def _masked(line: str) -> str:
    """A tune table's row with its seconds column (the last, a time) left out."""
    if re.fullmatch(r"\S+( \S+)*\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+\d+\s+[\d.]+", line):
        return line.rsplit(None, 1)[0]
    return line


TRANSCRIPTS = _transcripts()


def test_the_readme_has_its_transcripts():
    commands = [cmd.split()[1] for block in TRANSCRIPTS for cmd, _ in block]
    assert {"cv", "tune", "train", "importance"} <= set(commands), commands


@pytest.mark.parametrize("block", TRANSCRIPTS, ids=lambda b: b[0][0].split()[1])
def test_a_readme_transcript_prints_what_it_shows(block, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for command, quoted in block:
        words = shlex.split(command.split("#", 1)[0])
        discard = words[-2:] == [">", "/dev/null"]
        if discard:
            words = words[:-2]
        assert words[0] == "chainrule", command
        capsys.readouterr()
        assert main(words[1:]) == 0, command
        out, err = capsys.readouterr()
        printed = [_masked(line.rstrip()) for line in ((err if discard else out + err)
                                                       .splitlines())]
        missing = [line for line in quoted if _masked(line) not in printed]
        assert not missing, (command, missing, printed)


def test_the_readme_impute_example_prints_what_its_comments_say(tmp_path, monkeypatch, capsys):
    """The `--impute` block: `printf` writes m.csv, and each command's comment is what it
    prints (the refusal, on stderr, then `info`'s line on the fill); its last command
    reads a file of the reader's own and is left out."""
    lines = README.read_text(encoding="utf-8").split("    printf 'a,b,color,y", 1)[1]
    block = ("    printf 'a,b,color,y" + lines).split("\n\n", 1)[0].splitlines()
    monkeypatch.chdir(tmp_path)
    printf = shlex.split(block[0].split(">")[0])
    (tmp_path / "m.csv").write_text(printf[1].replace("\\n", "\n"))
    commands = [line.strip().split("  #", 1) for line in block[1:]]
    assert [c[0].split()[:2] for c in commands] == [["chainrule", "train"]] * 2 + [
        ["chainrule", "info"], ["chainrule", "predict"]]
    for words, comment, code in ((commands[0][0], commands[0][1], 2),
                                 (commands[1][0], None, 0),
                                 (commands[2][0], commands[2][1], 0)):
        capsys.readouterr()
        assert main(shlex.split(words)[1:]) == code, words
        out, err = capsys.readouterr()
        if comment is not None:
            assert comment.strip().lstrip("# ") in out + err, (words, comment, out, err)
