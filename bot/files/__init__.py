"""The Rasa files that live at the repository's root, found one way wherever the code is installed.

    from bot import files
    files.path("endpoints.production.yml")   # a real file: Rasa opens it by name
    files.path("domain")                      # the domain's directory

Rasa's command line and the people who edit them look for config.yml, domain/, endpoints*.yml and
credentials*.yml at the repository's root, so that is where they are kept. This package holds a
symbolic link to each; setuptools copies what a link points to into the wheel, so `pip install .`
(or the wheel, or the Docker image) carries them inside the package, and every process (`bot.run`,
the retention job, `make domain`) finds them through `importlib.resources`, in a checkout and in an
installed package alike. `tests/system/test_wheel.py` installs the wheel and checks each one.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

# What this package ships: Rasa's files and the domain's directory (its files are "domain/<name>.yml").
NAMES = ("config.yml", "endpoints.yml", "endpoints.production.yml", "credentials.yml",
         "credentials.production.yml", "domain")


def path(name: str) -> Path:
    """The file (or directory) `name` as a path on disk: Rasa and the retention job open files by name,
    so a package installed somewhere that is not a directory (a zip) is refused here, clearly."""
    if name.split("/", 1)[0] not in NAMES:
        raise KeyError(f"bot.files ships no {name!r}; it ships {', '.join(NAMES)}")
    found = resources.files(__name__).joinpath(name)
    if not isinstance(found, Path):
        raise RuntimeError(f"bot.files is not installed as a directory ({found!r}); install the wheel with pip")
    if not found.exists():
        raise FileNotFoundError(f"{found}: missing from the installed package (rebuild the wheel)")
    return found
