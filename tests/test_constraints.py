"""constraints.txt pins every dependency pyproject.toml names, at a version its range allows.

`make site`, `make test` and `make bench` install with ``-c constraints.txt``, so a clean clone gets
the versions the tests last passed with; a dependency added to pyproject.toml without a pin, or a
pin outside the range, would make a clean clone install something untested.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    pins = {}
    for number, line in enumerate((ROOT / "constraints.txt").read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and version, f"constraints.txt:{number}: not name==version: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    required = [*project["dependencies"]]
    for extra in project["optional-dependencies"].values():
        required += extra
    pins = _pins()
    for text in required:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), \
            f"constraints.txt pins {req.name}=={pins[name]}, outside pyproject.toml's {req.specifier}"
        for extra in req.extras:  # pagefind[bin] brings pagefind-bin
            assert f"{name}-{extra}" in pins or f"{name}_{extra}" in pins, f"{req.name}[{extra}] is not pinned"


def test_the_makefile_installs_with_the_constraints():
    installs = [line for line in (ROOT / "Makefile").read_text().splitlines() if "pip install" in line
                and "--upgrade pip" not in line]
    assert len(installs) == 3 and all("-c constraints.txt" in line for line in installs), installs
