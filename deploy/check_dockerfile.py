#!/usr/bin/env python3
"""Run deploy/Dockerfile's build steps where no container runtime is, as this project's CI must.

    sudo python3 deploy/check_dockerfile.py [--dockerfile deploy/Dockerfile] [--context .] [--python PATH] [--keep]

One temporary directory stands for the image's filesystem, and the stages run in order:

- FROM: the base must be pinned (a patch release such as python:3.10.19-slim-bookworm, or a digest);
  this machine's Python of the same minor version stands in for it (--python, default the Python
  that runs this script, or python3.10 beside it), and the base image's PATH is kept.
- ARG and ENV are expanded as Docker expands them; an ARG whose default is an absolute path (the
  virtual environment, the model, the home directory) moves under the temporary directory, as a
  `--build-arg` would move it. WORKDIR and COPY destinations move there too.
- COPY takes files from the build context, leaving out what Dockerfile.dockerignore (or
  .dockerignore) names and refusing a source outside the context (Docker does not follow a link out
  of it), or from an earlier stage.
- RUN: every line, with /bin/sh as Docker runs it, as the current USER, in a private mount namespace
  where this machine's filesystem is read-only but for the temporary directory, and /etc is a copy
  (so `useradd` changes the copy). A RUN line calling an OS package manager is refused: it cannot
  run here without changing the machine.
- Then the image as it would run: USER must not be root; as that user, the CMD answers --help, every
  server's module imports, the model is readable, $HOME is writable and the installed code is not.

Needs root (a mount namespace) and the network (pip, as `docker build` does). Prints each step and
its time and exits non-zero at the first that fails.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The base image's PATH (python:3.10-slim-bookworm); the stand-in Python comes first, as /usr/local/bin does.
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PACKAGE_MANAGERS = re.compile(r"(^|[\s;&|(])(apt-get|apt|dpkg|apk|yum|dnf|microdnf)\s")
PINNED_PYTHON = re.compile(r"^(?:docker\.io/)?(?:library/)?python:(\d+)\.(\d+)(\.\d+)?-[\w.-]+(@sha256:[0-9a-f]{64})?$")
# Every server's module and the job's, as the image's user imports them.
IMPORTS = ("bot.run", "bot.web.app", "bot.rasa_server.retention", "bot.rasa_server.channels.twilio_sms",
           "bot.actions", "providers.cli", "rasa", "rasa_sdk")


class CheckFailed(Exception):
    pass


@dataclass
class Stage:
    name: str
    image: str
    args: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = "/"
    user: str = "root"
    cmd: list[str] | None = None


def instructions(text: str) -> list[tuple[int, str, str]]:
    """(line number, INSTRUCTION, rest) with continuation lines joined and comment lines dropped."""
    result: list[tuple[int, str, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#") or (not stripped and not pending):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        keyword, _, rest = whole.partition(" ")
        result.append((start, keyword.upper(), rest.strip()))
    if pending:
        raise CheckFailed("the Dockerfile ends inside a continued line")
    return result


_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::([-+])([^}]*))?\}|(\w+))")


def expand(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match) -> str:
        name = match.group(1) or match.group(4)
        known = variables.get(name)
        if match.group(2) == "-":
            return known if known else match.group(3)
        if match.group(2) == "+":
            return match.group(3) if known else ""
        return known or ""
    return _VARIABLE.sub(one, value)


def words(rest: str) -> list[str]:
    """An instruction's arguments, in JSON (exec) form or shell-like form."""
    if rest.startswith("["):
        return json.loads(rest)
    return shlex.split(rest)


class Ignore:
    """Dockerfile.dockerignore (or .dockerignore) patterns: the last matching one decides, `!` keeps."""

    def __init__(self, context: Path, dockerfile: Path) -> None:
        self.patterns: list[tuple[bool, str]] = []
        for candidate in (dockerfile.with_name(dockerfile.name + ".dockerignore"), context / ".dockerignore"):
            if candidate.exists():
                for line in candidate.read_text().splitlines():
                    line = line.strip()
                    if line and not line.startswith("#"):
                        keep = line.startswith("!")
                        self.patterns.append((keep, line.lstrip("!").strip("/")))
                break

    def ignored(self, relative: str) -> bool:
        verdict = False
        parts = relative.split("/")
        for keep, pattern in self.patterns:
            if pattern.startswith("**/"):
                hit = any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
            else:
                # A pattern names a path or any directory above it.
                hit = any(fnmatch.fnmatchcase("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1))
            if hit:
                verdict = not keep
        return verdict


class Checker:
    def __init__(self, dockerfile: Path, context: Path, python: Path, root: Path) -> None:
        self.dockerfile, self.context, self.python = dockerfile, context.resolve(), python
        self.tmp = root
        self.fs = root / "image"  # stands for the image's /
        self.base_bin = root / "base-bin"  # stands for the base image's /usr/local/bin
        self.ignore = Ignore(self.context, dockerfile)
        self.stages: list[Stage] = []

    # --- paths -------------------------------------------------------------------------------------
    def inside(self, path: str) -> Path:
        """An image path as a path under the temporary directory (one already there stays)."""
        if path.startswith(str(self.tmp)):
            return Path(path)
        return self.fs / path.lstrip("/")

    def from_context(self, source: str) -> list[Path]:
        matches = sorted(self.context.glob(source)) if any(c in source for c in "*?[") \
            else [self.context / source]
        found = []
        for match in matches:
            if not os.path.lexists(match):
                raise CheckFailed(f"COPY {source}: not in the build context")
            real = match.resolve()
            if real != self.context and self.context not in real.parents:
                raise CheckFailed(f"COPY {source}: {match} leads out of the build context (to {real}); "
                                  "Docker would not follow it")
            if self.ignore.ignored(str(match.relative_to(self.context))):
                raise CheckFailed(f"COPY {source}: left out of the context by the ignore file")
            found.append(match)
        return found

    def copy_tree(self, source: Path, destination: Path) -> None:
        """A directory's contents into `destination`, without what the ignore file leaves out; links stay links."""
        for path in sorted(source.rglob("*")):
            relative = path.relative_to(self.context) if self.context in path.parents else None
            if relative is not None and self.ignore.ignored(str(relative)):
                continue
            target = destination / path.relative_to(source)
            if path.is_symlink() or path.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target, follow_symlinks=False)
            elif path.is_dir():
                target.mkdir(parents=True, exist_ok=True)

    # --- the sandbox -------------------------------------------------------------------------------
    def sandbox_script(self) -> str:
        """Mounts for a private namespace: the temporary directory writable, /etc a copy in it, the base
        Python reachable by any user, and everything else read-only."""
        lines = ["set -e", f'mount --bind "{self.tmp}" "{self.tmp}"', f'mount --bind "{self.tmp / "etc"}" /etc']
        # The stand-in Python may live under a directory other users cannot enter (/root/.pyenv); that
        # directory becomes an empty one with only the Python's own tree in it, as /usr/local is in the image.
        prefix = Path(subprocess.run([str(self.python), "-c", "import sys; print(sys.base_prefix)"],
                                     check=True, capture_output=True, text=True).stdout.strip())
        closed = next((p for p in reversed(prefix.parents) if p != Path("/")
                       and not os.stat(p).st_mode & stat.S_IXOTH), None)
        if closed is not None:
            child = closed / prefix.relative_to(closed).parts[0]
            holder = self.tmp / "holder"
            holder.mkdir(exist_ok=True)
            lines += [f'mount --bind "{child}" "{holder}"', f'mount -t tmpfs -o mode=0755 tmpfs "{closed}"',
                      f'mkdir -p "{child}"', f'mount --move "{holder}" "{child}"']
        lines.append("mount -o remount,bind,ro /")
        lines.append('cd "$CHECK_WORKDIR"; unset CHECK_WORKDIR')
        lines.append('command=$CHECK_COMMAND; unset CHECK_COMMAND; exec /bin/sh -c "$command"')
        return "\n".join(lines)

    def run_in_sandbox(self, command: str, stage: Stage, user: str, env: dict[str, str]) -> None:
        if user not in ("root", "0", "0:0"):
            command = f"exec runuser -u {shlex.quote(user)} -- /usr/bin/env -i " + " ".join(
                shlex.quote(f"{k}={v}") for k, v in env.items()) + f" /bin/sh -c {shlex.quote(command)}"
        full_env = dict(env, CHECK_WORKDIR=str(self.inside(stage.workdir)), CHECK_COMMAND=command)
        (self.inside(stage.workdir)).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c",
                               self.sandbox_script()], env=full_env)
        if done.returncode != 0:
            raise CheckFailed(f"exited {done.returncode}")

    def environment(self, stage: Stage) -> dict[str, str]:
        env = {"HOME": "/root", "TMPDIR": str(self.tmp / "tmp"), "LANG": "C.UTF-8"}
        env.update(stage.args)
        env.update(stage.env)
        return env

    # --- the instructions --------------------------------------------------------------------------
    def run(self) -> None:
        for path in (self.fs, self.base_bin, self.tmp / "tmp"):
            path.mkdir(parents=True, exist_ok=True)
        os.chmod(self.tmp, 0o755)
        shutil.copytree("/etc", self.tmp / "etc", symlinks=True)
        for name in ("python", "python3", f"python{self.python_version()}"):
            (self.base_bin / name).symlink_to(self.python)
        global_args: dict[str, str] = {}
        stage: Stage | None = None
        for number, keyword, rest in instructions(self.dockerfile.read_text()):
            started = time.monotonic()
            label = f"{self.dockerfile.name}:{number} {keyword} {rest[:90]}{'...' if len(rest) > 90 else ''}"
            try:
                stage = self.instruction(keyword, rest, stage, global_args)
            except CheckFailed as failed:
                raise CheckFailed(f"{label}\n  failed: {failed}") from None
            if keyword == "RUN":
                print(f"ok {time.monotonic() - started:6.1f} s  {label}", flush=True)
        if stage is None:
            raise CheckFailed("no FROM")
        self.check_image(stage)

    def python_version(self) -> str:
        return subprocess.run([str(self.python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              check=True, capture_output=True, text=True).stdout.strip()

    def instruction(self, keyword: str, rest: str, stage: Stage | None, global_args: dict[str, str]) -> Stage | None:
        if keyword == "ARG":
            name, has_default, default = rest.partition("=")
            if stage is None:
                value = expand(default, global_args) if has_default else ""
                global_args[name] = str(self.inside(value)) if value.startswith("/") else value
            else:
                value = expand(default, {**stage.args, **stage.env}) if has_default else global_args.get(name, "")
                stage.args[name] = str(self.inside(value)) if value.startswith("/") else value
            return stage
        if keyword == "FROM":
            parts = words(expand(rest, global_args))
            image = parts[0]
            self.check_base(image)
            stage = Stage(name=parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else str(len(self.stages)),
                          image=image, env={"PATH": f"{self.base_bin}:{BASE_PATH}"})
            self.stages.append(stage)
            return stage
        if stage is None:
            raise CheckFailed(f"{keyword} before FROM")
        variables = {**stage.args, **stage.env}
        if keyword == "ENV":
            if "=" not in rest.split(" ", 1)[0]:
                name, _, value = rest.partition(" ")
                stage.env[name] = expand(value.strip(), variables)
            else:
                for item in shlex.split(rest):
                    name, _, value = item.partition("=")
                    stage.env[name] = expand(value, {**stage.args, **stage.env})
        elif keyword == "WORKDIR":
            path = expand(rest, variables)
            stage.workdir = path if path.startswith("/") else str(Path(stage.workdir) / path)
            self.inside(stage.workdir).mkdir(parents=True, exist_ok=True)
        elif keyword == "COPY":
            self.copy(words(rest), stage, variables)
        elif keyword == "RUN":
            if rest.startswith("["):
                raise CheckFailed("RUN in exec form: write it in shell form")
            if PACKAGE_MANAGERS.search(rest):
                raise CheckFailed("calls an OS package manager, which cannot run here without changing this "
                                  "machine: extend deploy/check_dockerfile.py before adding one")
            self.run_in_sandbox(rest, stage, stage.user, self.environment(stage))
        elif keyword == "USER":
            stage.user = expand(rest, variables)
        elif keyword == "CMD":
            stage.cmd = words(rest) if rest.startswith("[") else ["/bin/sh", "-c", rest]
        elif keyword in ("EXPOSE", "LABEL", "STOPSIGNAL", "HEALTHCHECK"):
            pass
        else:
            raise CheckFailed(f"{keyword} is not something this check knows how to run: extend it")
        return stage

    def check_base(self, image: str) -> None:
        match = PINNED_PYTHON.match(image)
        if not match:
            raise CheckFailed(f"{image}: the base must be an official python image")
        if not (match.group(3) or match.group(4)):
            raise CheckFailed(f"{image}: not pinned (name a patch release, e.g. 3.10.19, or a digest)")
        wanted = f"{match.group(1)}.{match.group(2)}"
        if self.python_version() != wanted:
            raise CheckFailed(f"{image} is Python {wanted}; the stand-in {self.python} is {self.python_version()} "
                              "(give --python)")

    def copy(self, arguments: list[str], stage: Stage, variables: dict[str, str]) -> None:
        source_stage = None
        while arguments and arguments[0].startswith("--"):
            flag = arguments.pop(0)
            if flag.startswith("--from="):
                source_stage = next((s for s in self.stages if s.name == flag[7:]), None)
                if source_stage is None:
                    raise CheckFailed(f"{flag}: no such stage")
            else:
                raise CheckFailed(f"COPY {flag} is not something this check knows how to do: extend it")
        *sources, destination = [expand(argument, variables) for argument in arguments]
        into_directory = destination.endswith("/") or len(sources) > 1
        if not destination.startswith("/"):
            destination = str(Path(stage.workdir) / destination) + ("/" if into_directory else "")
        target = self.inside(destination)
        for source in sources:
            if source_stage is not None:
                paths = [self.inside(source)]
                if not paths[0].exists():
                    raise CheckFailed(f"COPY --from={source_stage.name} {source}: the stage made no such path")
                if paths[0] == target:
                    continue  # the stages share the temporary directory: it is there already
            else:
                paths = self.from_context(source)
            for path in paths:
                if path.is_dir() and not path.is_symlink():
                    self.copy_tree(path, target)
                else:
                    file_target = target / path.name if into_directory else target
                    file_target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, file_target, follow_symlinks=False)

    # --- the image as it would run -------------------------------------------------------------------
    def check_image(self, stage: Stage) -> None:
        if stage.user in ("root", "0", "0:0", ""):
            raise CheckFailed("the image runs as root: end with USER and an unprivileged user")
        if not stage.cmd:
            raise CheckFailed("the image has no CMD")
        env = {name: value for name, value in self.environment(stage).items() if name != "TMPDIR"}
        env["TMPDIR"] = str(self.tmp / "tmp")
        os.chmod(self.tmp / "tmp", 0o1777)
        venv = next((value for name, value in stage.args.items() if name == "VENV"), None)
        checks = [
            ("the CMD answers --help", shlex.join([*stage.cmd, "--help"]) + " >/dev/null"),
            ("every server's module imports", "python -c " + shlex.quote(
                f"import importlib\nfor name in {IMPORTS!r}: importlib.import_module(name)")),
            ("Rasa's files resolve from the package", "python -c " + shlex.quote(
                "from bot import files\nfor name in files.NAMES: assert files.path(name).exists(), name")),
            ("$HOME is writable", 'touch "$HOME/.written" && rm "$HOME/.written"'),
        ]
        model = next((value for name, value in stage.args.items() if name == "MODEL_DIR"), None)
        if model:
            checks.append(("the model is readable", f'test -r "{model}/navigator.tar.gz"'))
        if venv:
            checks.append(("the installed code is read-only", f'! test -w "{venv}/lib" && ! test -w "{venv}/bin"'))
        for what, command in checks:
            started = time.monotonic()
            try:
                self.run_in_sandbox(command, stage, stage.user, env)
            except CheckFailed as failed:
                raise CheckFailed(f"as {stage.user}: {what}: {failed}") from None
            print(f"ok {time.monotonic() - started:6.1f} s  as {stage.user}: {what}", flush=True)


def default_python() -> Path:
    """The Python running this, or python3.10 beside it (its base installation, not a virtual environment)."""
    return Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dockerfile", type=Path, default=HERE / "Dockerfile")
    parser.add_argument("--context", type=Path, default=HERE.parent)
    parser.add_argument("--python", type=Path, default=None, help="the stand-in for the base image's Python")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("check_dockerfile: needs root, for a private mount namespace", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="navigator-image-"))
    started = time.monotonic()
    try:
        Checker(args.dockerfile.resolve(), args.context, args.python or default_python(), root).run()
    except CheckFailed as failed:
        print(f"FAILED {failed}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"The Dockerfile's build steps ran: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
