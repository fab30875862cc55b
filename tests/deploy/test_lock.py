"""requirements/app.lock: every package of the app environment (.venv) pinned, so a new machine installs
what CI tested. scripts/setup.sh installs the lock with --no-deps and rasa-sdk on its own; `make lock`
compiles the lock from requirements/app-lock.in (the app's requirement files and rasa-sdk's own
requirements). These tests fail when the requirement files and the lock drift apart, when the lock lacks
something rasa-sdk needs, and when the environment running them is not the lock.
"""

from __future__ import annotations

import re
import shlex
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
LOCK = REQUIREMENTS / "app.lock"
LOCK_INPUT = REQUIREMENTS / "app-lock.in"
SETUP = ROOT / "scripts" / "setup.sh"
# The Rasa environment's files (.venv-rasa, Python 3.10): rasa.txt is the input of rasa.lock.
RASA_FILES = {"rasa.txt", "rasa-nodeps.txt"}
# The load test's own environment (.venv-load, made by bench/load_test.py): fully pinned on its own,
# kept apart so locust's pins never reach the app environment.
OTHER_ENVIRONMENTS = {"load.txt"}


def _lines(path: Path) -> list[str]:
    """A requirements file's lines without comments and blank lines."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*", "", line).strip()
        if line:
            lines.append(line)
    return lines


def _requirements(path: Path) -> list[Requirement]:
    return [Requirement(line) for line in _lines(path) if not line.startswith("-")]


def _includes(path: Path) -> list[str]:
    return [line.split(maxsplit=1)[1] for line in _lines(path) if line.split()[0] in {"-r", "--requirement"}]


def _locked() -> dict[str, Version]:
    pins = {}
    for line in _lines(LOCK):
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        assert match, f"requirements/app.lock: {line!r} is not a name==version pin"
        pins[canonicalize_name(match.group(1))] = Version(match.group(2))
    return pins


def _disagreements(requirements: list[Requirement], locked: dict[str, Version]) -> list[str]:
    found = []
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked.get(canonicalize_name(requirement.name))
        if version is None:
            found.append(f"{requirement}: not in the lock")
        elif not requirement.specifier.contains(version, prereleases=True):
            found.append(f"{requirement}: the lock has {version}")
    return found


def _rasa_sdk_pin() -> str:
    match = re.search(r"^RASA_SDK=rasa-sdk==(\S+)$", SETUP.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "scripts/setup.sh names no RASA_SDK=rasa-sdk==VERSION"
    return match.group(1)


def test_the_lock_is_compiled_from_every_requirement_file_of_the_app_environment() -> None:
    app_files = {p.name for p in REQUIREMENTS.glob("*.txt")} - RASA_FILES - OTHER_ENVIRONMENTS
    included = set(_includes(LOCK_INPUT))
    assert included == app_files, (
        f"requirements/app-lock.in includes {sorted(included)}, the app's files are {sorted(app_files)}: "
        "what a file missing there asks for is never installed (scripts/setup.sh installs the lock only)"
    )


@pytest.mark.parametrize(
    "name", sorted({p.name for p in REQUIREMENTS.glob("*.txt")} - RASA_FILES - OTHER_ENVIRONMENTS)
)
def test_every_pin_of_the_requirement_files_is_in_the_lock(name: str) -> None:
    requirements = _requirements(REQUIREMENTS / name)
    assert requirements, f"requirements/{name} pins nothing"
    assert _disagreements(requirements, _locked()) == [], (
        f"requirements/{name} and requirements/app.lock disagree: run `make lock`, then `make setup`"
    )


def test_the_lock_holds_what_rasa_sdk_requires() -> None:
    """rasa-sdk is installed with --no-deps: what it requires comes from the lock or not at all."""
    pin = _rasa_sdk_pin()
    assert metadata.version("rasa-sdk") == pin, "this environment's rasa-sdk is not scripts/setup.sh's"
    required = [Requirement(r) for r in metadata.requires("rasa-sdk") or []]
    assert {canonicalize_name(r.name) for r in required} >= {"sanic", "sanic-cors", "pluggy", "websockets"}
    assert _disagreements(required, _locked()) == [], (
        f"rasa-sdk {pin} needs what requirements/app.lock does not pin: add it to requirements/app-lock.in"
    )
    # the image installs the same rasa-sdk
    dockerfile = (ROOT / "deploy" / "app.Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"\brasa-sdk==(\S+)", dockerfile) == [pin]


def test_this_environment_is_the_lock() -> None:
    """What the tests run on is what the lock says (scripts/setup.sh installs it; CI runs the tests)."""
    wrong = []
    for name, version in _locked().items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            wrong.append(f"{name}=={version}: not installed")
            continue
        if Version(installed) != version:
            wrong.append(f"{name}=={version}: {installed} installed")
    assert wrong == [], "the environment is not requirements/app.lock: run `make setup`"


def test_the_app_image_installs_the_locked_versions() -> None:
    """deploy/app.Dockerfile installs a subset of the app's files (no test tools), with the lock as constraints."""
    text = re.sub(r"\\\n", " ", (ROOT / "deploy" / "app.Dockerfile").read_text(encoding="utf-8"))
    copied = {}
    for line in text.splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0].upper() == "COPY":
            for source in words[1:-1]:
                copied[words[-1] + Path(source).name if words[-1].endswith("/") else words[-1]] = source
    installs = [
        shlex.split(c, comments=True)
        for c in re.split(r"&&|\n", text)
        if re.search(r"\bpip install\b", c) and not c.lstrip().startswith("#")
    ]
    with_files = [words for words in installs if "-r" in words]
    assert with_files, "the app image installs no requirements file"
    for words in with_files:
        constraints = [words[i + 1] for i, word in enumerate(words) if word in {"-c", "--constraint"}]
        assert [copied.get(c) for c in constraints] == ["requirements/app.lock"], (
            f"`{' '.join(words)}` does not take requirements/app.lock as constraints"
        )
