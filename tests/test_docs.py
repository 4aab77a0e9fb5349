"""The README stays honest: every command and option it shows exists, with the help it promises."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from crisiskg.cli import main

pytestmark = pytest.mark.no_seeds  # reads nothing of the seeds (tests/seedguard.py)

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
# every `crisiskg ...` written in backticks or on an indented command line
MENTIONS = sorted(set(re.findall(r"`(crisiskg [^`]+)`", README)) | set(re.findall(r"^ {4}(crisiskg .+)$", README, re.MULTILINE)))


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The (sub)command the words name, and the words after it."""
    cmd: click.Command = main
    rest = list(words)
    while isinstance(cmd, click.Group) and rest and rest[0] in cmd.commands:
        cmd = cmd.commands[rest.pop(0)]
    return cmd, rest


def test_the_readme_shows_commands() -> None:
    assert len(MENTIONS) > 10


@pytest.mark.parametrize("mention", MENTIONS)
def test_every_command_and_option_in_the_readme_exists(mention: str) -> None:
    for part in mention.replace("\\|", "|").split("&&"):
        words = part.split()
        if not words or words[0] != "crisiskg":
            continue
        # `query list|show|run ...` names three sub-commands: the options must exist on one of them
        alt = next((w for w in words[1:] if "|" in w and not w.startswith(("-", "[", "'", '"'))), None)
        commands, rest = [], []
        for choice in alt.split("|") if alt else [None]:
            cmd, rest = resolve([choice if w == alt else w for w in words[1:]])
            assert cmd is not main or not rest or rest[0].startswith("-"), f"{part!r}: no command {rest[0]!r}"
            commands.append(cmd)
        known = {opt for cmd in commands for p in cmd.params for opt in (*p.opts, *p.secondary_opts)}
        for word in rest:
            option = word.strip("[]").split("=")[0]
            if option.startswith("-") and option not in ("-h", "--help"):
                assert option in known, f"{part!r}: {', '.join(c.name or '' for c in commands)} has no option {option}"


@pytest.mark.parametrize("name", sorted(main.commands))
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"crisiskg {name}" in README, f"the README never shows 'crisiskg {name}'"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output
