"""The project's source files the trained model depends on: the NLU components in config.yml
and every project module they import, followed through imports (a static reading: nothing is
imported, so it runs with any Python 3 before the virtual environment exists).

    python3 bot/nlu/model_inputs.py        # one path per line; the Makefile's MODEL_INPUTS

The features the classifier learns from come from the lexicon, the vocabulary, the taxonomy
and the geocoder, so a change to any of them must retrain the model.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT_PACKAGES = ("bot", "providers")


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def source_of(name: str) -> Path:
    found = module_file(name)
    if found is None:
        raise LookupError(f"{name} is not a module of this project")
    return found


def imported_modules(path: Path) -> set[str]:
    """Project modules a file imports, and the packages they sit in (Python runs their __init__)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for name in names:
        if name.split(".")[0] in PROJECT_PACKAGES:
            parts = name.split(".")
            found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return {name for name in found if module_file(name) is not None}


def model_inputs() -> list[Path]:
    pending = [f"bot.nlu.{path.stem}" for path in (ROOT / "bot" / "nlu").glob("*.py")
               if path.stem not in ("__init__", "model_inputs")]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending.extend(imported_modules(source_of(name)) - seen)
    return sorted(source_of(name).relative_to(ROOT) for name in seen)


if __name__ == "__main__":
    sys.stdout.write("".join(f"{path}\n" for path in model_inputs()))
