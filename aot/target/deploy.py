"""Building a standalone project (aot/target/project.py) where it lies and flashing its firmware.

``build_commands(project)`` is the project's build as commands to run in its folder (make; cmake's
configure and build; ``west build -b <zephyr board> .`` for template zephyr, which needs a Zephyr
workspace: ZEPHYR_BASE). ``flash_command(project, board)`` is the board's ``flash_command`` from
board.toml with {bin}, {hex} and {elf} replaced by the built images, or ``west flash`` for a Zephyr
build. Both check their tools and say how to install a missing one (one line, AotError)."""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

from aot.core.errors import AotError, BuildError
from aot.target.boards import Board
from aot.target.project import Project
from aot.target.toolchain import install_hint

# How to get the programs a build or a flash runs (the compilers: aot.target.toolchain).
TOOL_HINTS = {
    "make": "sudo apt-get install make",
    "cmake": "sudo apt-get install cmake, or pip install cmake",
    "west": "pip install west, inside a Zephyr workspace (docs.zephyrproject.org, Getting Started)",
    "st-flash": "sudo apt-get install stlink-tools",
    "pyocd": "pip install pyocd",
    "openocd": "sudo apt-get install openocd",
}
MAX_OUTPUT_LINES = 12


class DeployError(AotError):
    """A project cannot be built or flashed here (missing tool, no Zephyr, no flash command)."""


def check_tool(tool: str) -> None:
    if shutil.which(tool) is None:
        hint = f" (install it: {TOOL_HINTS[tool]})" if tool in TOOL_HINTS else install_hint(tool)
        raise DeployError(f"{tool} is not installed or not on PATH{hint}")


def build_commands(project: Project) -> list[list[str]]:
    """The project's build command split at ``&&``: each one runs in ``project.directory``."""
    commands, current = [], []
    for word in project.build:
        if word == "&&":
            commands.append(current)
            current = []
        else:
            current.append(word)
    return [*commands, current]


def command_line(commands: list[list[str]], cwd: Path | None = None) -> str:
    """One shell line: ``cd DIR && cmd1 && cmd2``, every word quoted."""
    words = [f"cd {shlex.quote(str(cwd))}"] if cwd else []
    return " && ".join(words + [shlex.join(c) for c in commands])


def check_can_build(project: Project) -> None:
    """Every tool of the build is installed (and, for Zephyr, ZEPHYR_BASE names a workspace)."""
    if project.template == "zephyr" and not os.environ.get("ZEPHYR_BASE"):
        raise DeployError(f"west build -b {project.zephyr_board} needs a Zephyr workspace: ZEPHYR_BASE is not set "
                          "(set up Zephyr with west, then source zephyr/zephyr-env.sh)")
    for command in build_commands(project):
        check_tool(command[0])


def build(project: Project) -> None:
    """Run the project's build in its folder; a failure is a BuildError with the last output lines."""
    check_can_build(project)
    for command in build_commands(project):
        proc = subprocess.run(command, cwd=project.directory, capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stdout + proc.stderr).strip().splitlines()[-MAX_OUTPUT_LINES:]
            raise BuildError(f"{shlex.join(command)} failed in {project.directory} (exit {proc.returncode}): "
                             + " | ".join(tail))


def flashable(board: Board, model: str = "MODEL") -> None:
    """Raise a one-line DeployError for a board nothing can be flashed to (``model``: for the
    `microaot run` line it suggests)."""
    run = f"use microaot run {shlex.quote(model)} --board {board.name}"
    if board.run == "qemu":
        raise DeployError(f"{board.name} runs under QEMU: {run}")
    if board.run == "host":
        raise DeployError(f"{board.name} runs on this machine: {run}")


def flash_command(project: Project, board: Board) -> list[str]:
    """The command that writes the built firmware of ``project`` to ``board``."""
    flashable(board)
    if project.template == "zephyr":
        return ["west", "flash", "-d", str(project.directory / "build")]
    template = board.extra.get("flash_command")
    if not template:
        raise DeployError(f"board {board.name} has no flash_command in its board.toml "
                          '(e.g. flash_command = ["pyocd", "flash", "-t", "<target>", "{hex}"])')
    images = {"{elf}": project.firmware, **{"{" + Path(i).suffix[1:] + "}": i for i in project.images}}
    command = []
    for word in template:
        for key, rel in images.items():
            word = word.replace(key, str(project.directory / rel))
        command.append(word)
    return command


def flash(command: list[str], project: Project, *, stdout=None) -> None:
    """Run the flash command (its output goes to ``stdout``, default ours); fail in one line."""
    check_tool(command[0])
    for word in command:
        path = Path(word)
        if path.is_absolute() and path.is_relative_to(project.directory) and not path.exists():
            raise DeployError(f"{path} was not built")
    code = subprocess.run(command, cwd=project.directory, stdout=stdout).returncode
    if code != 0:
        raise DeployError(f"{shlex.join(command)} failed (exit {code})")
