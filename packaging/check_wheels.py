#!/usr/bin/env python3
"""Check that CFT Desktop's pinned dependencies resolve to wheels on every platform we ship for.

Owns the question "can `pip install cft-desktop` succeed from wheels alone on Windows x86-64, macOS
arm64 and x86-64, and manylinux x86-64 and aarch64, for Python 3.11 to 3.13?" (issue 12 §3). The
pins are read from `[project].dependencies` of `pyproject.toml`, so this never drifts from them;
`--with-build-tools` adds the PyInstaller range that `packaging/build.sh` installs.

    .venv/bin/python packaging/check_wheels.py [--targets win_amd64,macos_arm64] [--pythons 3.13]
        [--with-build-tools] [--download DIR] [--timeout S] [--macos 12] [--glibc 2.28]
        [--glibc-aarch64 2.28] [--jobs 2]

Every (target, Python) combination is resolved by pip itself, two at a time. One line per
combination says `ok` with the versions of the packages that matter most, or `FAIL` and which
package has no wheel where; the last line is `wheels: N of M targets resolve`. Exit 0 when all
resolve, 1 when any does not, 2 on bad usage.

When pip gives up on a package, the pins behind it are left out and the rest resolved again, so one
run names every package without a wheel for that combination, and `pip index versions` is asked
what the index really has for the platform: "no wheel at all" and "no wheel in the pinned range"
read differently, and an unreachable index is not blamed on a package.

Why `pip install --dry-run --report` and not `pip download` by default: both run the same resolver
with the same `--only-binary=:all: --platform --python-version --implementation` wheel-tag filter,
so they agree on what resolves. The dry run writes nothing, and where the index publishes each
wheel's `.metadata` file (PEP 658; pypi.org does) pip reads that instead of the wheel; its JSON
report also gives exact versions without unpacking anything. An index without those files makes pip
fetch whole wheels to a temporary folder either way (measured on a mirror that lacks them: 4.7 GB
for the 15 combinations, backtracking included). `--download DIR` runs the real
`pip download ... -d DIR/<target>-py<X.Y>` for anyone who wants the files.

Environment markers: pip evaluates every marker against the machine it runs on, even with
`--platform` and `--python-version` (checked with pip 26.3: `audioop-lts; python_version >= '3.13'`
is dropped for `--python-version 3.13` when pip runs on 3.11). So the top-level pins are filtered
here with each target's own marker values and passed without markers. Dependencies of dependencies
cannot be filtered before pip sees them, so after each resolution the dependency graph is walked
again with the target's markers: a requirement the target needs but pip left out (for instance
PyInstaller's `pefile; sys_platform == 'win32'` on Windows) is added explicitly and the combination
resolved again; a package pip pulled in only for this machine is named in a note and left out of
the version report. The one gap: if such a machine-only package is also what fails to resolve, the
failure is reported as it is.

Wheel tags per target are the ones pip would accept on the oldest machine we aim at: Windows 10
x86-64; macOS 12 (every macOS 12/11/10.x tag for the architecture, plus universal2); glibc 2.28
(every manylinux_2_x tag down to the architecture's oldest, plus the manylinux2014/2010/1 aliases).
pip expands a macOS tag to the older ones by itself but not a manylinux one, so the lists are given
in full. `--macos`, `--glibc` and `--glibc-aarch64` move those floors.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import email.parser
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    from packaging.markers import Marker
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.specifiers import SpecifierSet
    from packaging.utils import canonicalize_name
    from packaging.version import InvalidVersion, Version
except ImportError:  # the dev venv has it (pytest needs it); a bare interpreter may not
    print("check_wheels: needs the `packaging` module: python -m pip install packaging", file=sys.stderr)
    sys.exit(2)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYPROJECT = ROOT / "pyproject.toml"
BUILD_SCRIPT = ROOT / "packaging" / "build.sh"
DEFAULT_PYTHONS = ("3.11", "3.12", "3.13")
KEY_PACKAGES = (
    "PySide6-Essentials", "onnxruntime", "piper-tts", "numpy", "sounddevice", "soundfile", "cryptography",
)
# Two cores on the machines this runs on; each pip run is mostly waiting on the network anyway.
DEFAULT_JOBS = 2
DEFAULT_TIMEOUT_S = 900.0
# pip runs per combination: a resolution may reveal a requirement pip skipped, and a failure is
# retried without the pins behind it; each step can reveal another, but not forever.
MAX_ROUNDS = 6

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command line or unreadable input: exit 2."""


# --- targets and their wheel tags --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One platform we ship for: its pip platform tags and the marker values of a real machine."""

    key: str
    label: str
    platform_tags: tuple[str, ...]
    platform_markers: tuple[tuple[str, str], ...]

    def marker_env(self, python: str) -> dict[str, str]:
        env = {
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "python_version": python,
            # A marker on a patch release (rare) is judged for the first release of that Python.
            "python_full_version": f"{python}.0",
            "implementation_version": f"{python}.0",
            "extra": "",
        }
        env.update(self.platform_markers)
        return env


def macos_platform_tags(version: tuple[int, int], arch: str) -> list[str]:
    """Tags pip accepts on macOS `version` for `arch` ("arm64" or "x86_64"), newest first."""
    major, minor = version
    releases: list[tuple[int, int]] = []
    if major >= 11:
        releases += [(m, 0) for m in range(major, 10, -1)]
        # Python built on 11+ still reports 10.16 to old tools, and accepts every 10.x wheel.
        releases += [(10, m) for m in range(16, 3, -1)]
    else:
        releases += [(10, m) for m in range(minor, 3, -1)]
    tags: list[str] = []
    for rel_major, rel_minor in releases:
        if arch == "arm64":
            # Apple silicon has no 10.x builds of its own; only universal2 wheels carry arm64 there.
            formats = ["arm64", "universal2"] if rel_major >= 11 else ["universal2"]
        else:
            # The fat/fat32/fat64 formats are PowerPC/i386 era; no wheel for Python 3.11+ uses them.
            formats = [arch, "intel", "universal2", "universal"]
        tags += [f"macosx_{rel_major}_{rel_minor}_{fmt}" for fmt in formats]
    return tags


def manylinux_platform_tags(glibc: tuple[int, int], arch: str) -> list[str]:
    """Tags pip accepts on a glibc `glibc` Linux for `arch` ("x86_64" or "aarch64"), newest first."""
    major, minor = glibc
    if major != 2:
        raise ValueError(f"glibc {major}.{minor}: only glibc 2.x exists")
    # manylinux for aarch64 starts at glibc 2.17 (manylinux2014); x86_64 goes back to manylinux1.
    oldest = 17 if arch == "aarch64" else 5
    aliases = {17: "manylinux2014", 12: "manylinux2010", 5: "manylinux1"}
    tags: list[str] = []
    for m in range(minor, oldest - 1, -1):
        tags.append(f"manylinux_2_{m}_{arch}")
        if m in aliases:
            tags.append(f"{aliases[m]}_{arch}")
    return tags


def build_targets(macos: tuple[int, int] = (12, 0), glibc: tuple[int, int] = (2, 28),
                  glibc_aarch64: tuple[int, int] | None = None) -> dict[str, Target]:
    arm_glibc = glibc if glibc_aarch64 is None else glibc_aarch64
    macos_name = f"macOS {macos[0]}" if macos[1] == 0 else f"macOS {macos[0]}.{macos[1]}"
    mac_release = str(macos[0] + 9) + ".0.0" if macos[0] >= 11 else f"{macos[1] + 4}.0.0"
    posix_linux = (("os_name", "posix"), ("sys_platform", "linux"), ("platform_system", "Linux"),
                   ("platform_release", "5.15.0"), ("platform_version", "#1 SMP"))
    posix_mac = (("os_name", "posix"), ("sys_platform", "darwin"), ("platform_system", "Darwin"),
                 ("platform_release", mac_release), ("platform_version", "Darwin Kernel Version"))
    glibc_name = f"glibc {glibc[0]}.{glibc[1]}"
    arm_glibc_name = f"glibc {arm_glibc[0]}.{arm_glibc[1]}"
    targets = [
        Target("win_amd64", "Windows x86-64", ("win_amd64",),
               (("os_name", "nt"), ("sys_platform", "win32"), ("platform_system", "Windows"),
                ("platform_machine", "AMD64"), ("platform_release", "10"),
                ("platform_version", "10.0.19045"))),
        Target("macos_arm64", f"{macos_name} arm64", tuple(macos_platform_tags(macos, "arm64")),
               (*posix_mac, ("platform_machine", "arm64"))),
        Target("macos_x86_64", f"{macos_name} x86-64", tuple(macos_platform_tags(macos, "x86_64")),
               (*posix_mac, ("platform_machine", "x86_64"))),
        Target("manylinux_x86_64", f"Linux x86-64 ({glibc_name})",
               tuple(manylinux_platform_tags(glibc, "x86_64")),
               (*posix_linux, ("platform_machine", "x86_64"))),
        Target("manylinux_aarch64", f"Linux aarch64 ({arm_glibc_name})",
               tuple(manylinux_platform_tags(arm_glibc, "aarch64")),
               (*posix_linux, ("platform_machine", "aarch64"))),
    ]
    return {t.key: t for t in targets}


# --- requirements --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Project:
    """What the check needs from pyproject.toml."""

    name: str
    requires_python: str
    dependencies: tuple[Requirement, ...]


def read_project(pyproject: Path) -> Project:
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"cannot read {pyproject}: {error}") from error
    project = data.get("project", {})
    raw = project.get("dependencies")
    if not isinstance(raw, list) or not raw:
        raise UsageError(f"{pyproject} has no [project].dependencies list")
    try:
        deps = tuple(Requirement(str(item)) for item in raw)
    except InvalidRequirement as error:
        raise UsageError(f"{pyproject}: {error}") from error
    return Project(str(project.get("name", "the project")), str(project.get("requires-python", "")), deps)


def read_build_tool_pin(build_script: Path = BUILD_SCRIPT) -> Requirement:
    """The PyInstaller range `build.sh` installs, so both stay the same."""
    try:
        text = build_script.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read {build_script}: {error}") from error
    match = re.search(r'^PYINSTALLER_SPEC="([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise UsageError(f"{build_script} sets no PYINSTALLER_SPEC")
    return Requirement(match.group(1))


def without_marker(req: Requirement) -> str:
    copy = Requirement(str(req))
    copy.marker = None
    return str(copy)


def marker_applies(marker: Marker | None, env: dict[str, str], extras: Iterable[str] = ()) -> bool:
    if marker is None:
        return True
    return any(marker.evaluate({**env, "extra": extra}) for extra in ("", *extras))


def requirements_for(deps: Sequence[Requirement], env: dict[str, str]) -> list[str]:
    """The pins that apply on this target, marker removed so pip cannot re-judge them for this machine."""
    return [without_marker(req) for req in deps if marker_applies(req.marker, env)]


# --- what pip resolved ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dist:
    name: str
    version: str
    requires: tuple[str, ...]
    requested_extras: tuple[str, ...] = ()


def dists_from_report(report: dict[str, Any]) -> dict[str, Dist]:
    dists: dict[str, Dist] = {}
    for item in report.get("install", []):
        meta = item.get("metadata", {})
        dist = Dist(str(meta["name"]), str(meta["version"]), tuple(meta.get("requires_dist") or ()),
                    tuple(item.get("requested_extras") or ()))
        dists[canonicalize_name(dist.name)] = dist
    return dists


def dist_from_wheel(wheel: Path) -> Dist:
    with zipfile.ZipFile(wheel) as archive:
        names = [n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
        if not names:
            raise ValueError(f"{wheel.name} has no METADATA")
        text = archive.read(names[0]).decode("utf-8", errors="replace")
    meta = email.parser.HeaderParser().parsestr(text)
    return Dist(str(meta["Name"]), str(meta["Version"]), tuple(meta.get_all("Requires-Dist") or ()))


@dataclass(frozen=True)
class GraphCheck:
    missing: tuple[str, ...]
    machine_only: tuple[str, ...]


def check_graph(dists: dict[str, Dist], roots: Sequence[str], env: dict[str, str]) -> GraphCheck:
    """Walk the resolution with the target's markers: what pip left out, and what it added only here."""
    missing: list[str] = []
    reached: set[str] = set()
    queue: list[tuple[str, tuple[str, ...]]] = []
    for root in roots:
        req = Requirement(root)
        queue.append((canonicalize_name(req.name), tuple(sorted(req.extras))))
    seen: set[tuple[str, tuple[str, ...]]] = set()
    while queue:
        name, extras = queue.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        dist = dists.get(name)
        if dist is None:
            continue
        reached.add(name)
        for line in dist.requires:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if not marker_applies(req.marker, env, extras):
                continue
            child = canonicalize_name(req.name)
            found = dists.get(child)
            if found is None or not _version_in(found.version, req.specifier):
                text = without_marker(req)
                if text not in missing:
                    missing.append(text)
                continue
            queue.append((child, tuple(sorted(req.extras))))
    machine_only = tuple(sorted(d.name for key, d in dists.items() if key not in reached))
    return GraphCheck(tuple(missing), machine_only)


def _version_in(version: str, specifier: SpecifierSet) -> bool:
    try:
        return specifier.contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True


# --- what pip said when it failed ----------------------------------------------------------------------

_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]*"
_NOT_FOUND = re.compile(
    rf"Could not find a (?:final )?version that satisfies the requirement ({_NAME})(\S*)"
    rf"(?: \(from ({_NAME})\))? \(from versions: ([^)]*)\)"
)
_NO_DIST = re.compile(rf"No matching distribution found for ({_NAME})")
_DEPENDS = re.compile(rf"^\s+({_NAME}) \S+ depends on ({_NAME})", re.MULTILINE)
_COLLECTING = re.compile(rf"^\s*Collecting ({_NAME})\S* \(from ({_NAME})", re.MULTILINE)
_NO_CANDIDATES = re.compile(
    r"no matching distributions available for your environment:\n((?:[ \t]+\S+\n?)+)"
)
_NETWORK = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Name or service not known|Max retries exceeded|ConnectTimeoutError|ReadTimeoutError"
    r"|Could not fetch URL|SSLError|ProxyError|Network is unreachable"
)


@dataclass(frozen=True)
class Missing:
    """A requirement pip found no usable wheel for, as far as pip's output tells."""

    name: str
    spec: str = ""
    needed_by: tuple[str, ...] = ()
    # Versions pip did see for this platform but could not use; None when pip did not list any.
    versions_here: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Failure:
    reason: str
    missing: tuple[Missing, ...]


def missing_sentence(missing: Missing, where: str, versions_here: Sequence[str] | None = None,
                     on_index: bool = True) -> str:
    """One plain sentence; `versions_here` (newest first) is what the index has for this platform."""
    by = f" (needed by {', '.join(missing.needed_by)})" if missing.needed_by else ""
    if not on_index:
        return f"{missing.name} is not on the package index, or the index could not be reached{by}"
    seen = list(versions_here) if versions_here is not None else list(missing.versions_here or ())
    if not seen:
        return f"{missing.name} has no wheel for {where}{by}"
    wanted = missing.spec or " in the required range"
    return f"no {missing.name}{wanted} has a wheel for {where}; newest wheel there: {seen[0]}{by}"


def explain_failure(output: str, where: str) -> Failure:
    """Turn pip's failure output into one plain sentence naming the package without a wheel."""
    parents: dict[str, set[str]] = {}
    for parent, child in _DEPENDS.findall(output):
        parents.setdefault(canonicalize_name(child), set()).add(parent)
    for child, parent in _COLLECTING.findall(output):
        parents.setdefault(canonicalize_name(child), set()).add(parent)

    def needed_by(name: str, direct_parent: str = "") -> tuple[str, ...]:
        found = set(parents.get(canonicalize_name(name), set()))
        if direct_parent:
            found.add(direct_parent)
        return tuple(sorted(found))

    problems: dict[str, Missing] = {}
    for name, spec, parent, versions in _NOT_FOUND.findall(output):
        listed = [v for v in versions.split(", ") if v and v != "none"]
        # pip lists oldest first; the sentences name the newest.
        problems.setdefault(canonicalize_name(name),
                            Missing(name, spec, needed_by(name, parent), tuple(reversed(listed)) or None))
    block = _NO_CANDIDATES.search(output)
    if block:
        for name in block.group(1).split():
            problems.setdefault(canonicalize_name(name), Missing(name, "", needed_by(name)))
    for name in _NO_DIST.findall(output):
        problems.setdefault(canonicalize_name(name), Missing(name, "", needed_by(name)))

    # A lost connection also ends in "from versions: none"; blaming a package for it would mislead.
    network = _NETWORK.search(output)
    if network and ("from versions: none" in output or not problems):
        return Failure(f"could not reach the package index ({network.group(0)})", ())
    if problems:
        found = tuple(problems.values())
        return Failure("; ".join(missing_sentence(m, where) for m in found), found)
    conflict = re.findall(r"^\s+(\S.* depends on .*|The user requested .*)$", output, re.MULTILINE)
    if conflict:
        return Failure("dependency conflict: " + "; ".join(line.strip() for line in conflict), ())
    errors = [line.removeprefix("ERROR: ").strip() for line in output.splitlines()
              if line.startswith("ERROR:")]
    if errors:
        return Failure(errors[0], ())
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return Failure(lines[-1] if lines else "pip failed without saying why", ())


# --- running pip ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    target: Target
    python: str
    ok: bool
    reason: str = ""
    versions: dict[str, tuple[str, str]] = field(default_factory=dict)  # canonical -> (name, version)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def combo(self) -> str:
        return f"{self.target.key}/{self.python}"


@dataclass(frozen=True)
class Options:
    timeout_s: float
    download_dir: Path | None
    pip: tuple[str, ...] = (sys.executable, "-m", "pip")


def pip_command(options: Options, target: Target, python: str, reqs: Sequence[str], scratch: Path,
                download_to: Path | None) -> list[str]:
    common = ["--disable-pip-version-check", "--no-input", "--only-binary=:all:",
              "--python-version", python, "--implementation", "cp"]
    for tag in target.platform_tags:
        common += ["--platform", tag]
    if download_to is not None:
        return [*options.pip, "download", *common, "-d", str(download_to), *reqs]
    return [*options.pip, "install", "--dry-run", "--ignore-installed", *common,
            "--target", str(scratch / "target"), "--report", str(scratch / "report.json"), *reqs]


def _downloaded_wheels(output: str, folder: Path) -> list[Path]:
    # The folder may hold wheels from earlier runs with other pins; only this run's files count.
    wheels: list[Path] = []
    saved = re.compile(r"^\s*(?:Saved|File was already downloaded) (\S+\.whl)\s*$", re.MULTILINE)
    for match in saved.finditer(output):
        path = Path(match.group(1))
        wheels.append(path if path.is_absolute() else folder / path.name)
    return wheels


def resolve_once(options: Options, target: Target, python: str, reqs: Sequence[str]
                 ) -> tuple[dict[str, Dist] | None, str]:
    """One pip run: the resolved distributions, or None and pip's output."""
    with tempfile.TemporaryDirectory(prefix="cft-wheels-") as tmp:
        scratch = Path(tmp)
        download_to = None
        if options.download_dir is not None:
            download_to = options.download_dir / f"{target.key}-py{python}"
            download_to.mkdir(parents=True, exist_ok=True)
        command = pip_command(options, target, python, reqs, scratch, download_to)
        env = dict(os.environ, PYTHONIOENCODING="utf-8")
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=options.timeout_s,
                                  env=env, check=False)
        except subprocess.TimeoutExpired:
            return None, f"ERROR: pip did not finish within {options.timeout_s:g} s"
        output = done.stdout + "\n" + done.stderr
        if done.returncode != 0:
            return None, output
        if download_to is None:
            report = json.loads((scratch / "report.json").read_text(encoding="utf-8"))
            return dists_from_report(report), output
        dists: dict[str, Dist] = {}
        for wheel in _downloaded_wheels(output, download_to):
            dist = dist_from_wheel(wheel)
            dists[canonicalize_name(dist.name)] = dist
        return dists, output


def index_versions(options: Options, name: str, tags: Sequence[str], python: str, *,
                   only_binary: bool) -> list[str] | None:
    """Versions of `name` the index has for these platform tags and Python, newest first.

    [] when pip finds none, None when pip could not answer at all.
    """
    command = [*options.pip, "index", "versions", name, "--json", "--disable-pip-version-check", "--no-input",
               "--python-version", python, "--implementation", "cp"]
    command += ["--only-binary=:all:"] if only_binary else ["--ignore-requires-python"]
    for tag in tags:
        command += ["--platform", tag]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=options.timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        return [] if "No matching distribution" in done.stderr else None
    try:
        return [str(v) for v in json.loads(done.stdout).get("versions", [])]
    except (json.JSONDecodeError, AttributeError):
        return None


def confirm_failure(options: Options, failure: Failure, target: Target, python: str, where: str) -> str:
    """Ask the index directly about each package pip gave up on, so the sentence says what is true.

    pip's "no matching distributions" also covers a package whose wheels exist but not in the range
    asked for, and an unreachable index looks like a package with no versions at all.
    """
    if not failure.missing:
        return failure.reason
    # Every shipped platform on far-future OS releases, to tell "not for this platform" from "not on
    # the index" even for a package whose wheels need a newer macOS or glibc than we aim at.
    newest = build_targets(macos=(40, 0), glibc=(2, 80)).values()
    every_tag = list(dict.fromkeys(tag for t in newest for tag in t.platform_tags))
    sentences = []
    for missing in failure.missing:
        here = index_versions(options, missing.name, target.platform_tags, python, only_binary=True)
        if here is None:
            sentences.append(missing_sentence(missing, where))
        elif here:
            sentences.append(missing_sentence(missing, where, here))
        else:
            elsewhere = index_versions(options, missing.name, every_tag, python, only_binary=False)
            sentences.append(missing_sentence(missing, where, [], on_index=bool(elsewhere)))
    return "; ".join(sentences)


def check_combination(options: Options, project: Project, extra: Sequence[Requirement], target: Target,
                      python: str) -> Outcome:
    started = time.monotonic()
    outcome = Outcome(target, python, ok=False)
    where = f"{target.label} / Python {python}"
    if project.requires_python and not SpecifierSet(project.requires_python).contains(f"{python}.0"):
        outcome.reason = f"{project.name} itself needs Python {project.requires_python}"
        return outcome
    env = target.marker_env(python)
    roots = requirements_for([*project.dependencies, *extra], env)
    added: list[str] = []
    problems: list[str] = []
    for _ in range(MAX_ROUNDS):
        dists, output = resolve_once(options, target, python, [*roots, *added])
        if dists is None:
            failure = explain_failure(output, where)
            problems.append(confirm_failure(options, failure, target, python, where))
            # pip stops at the first package it cannot place; leaving out the pins behind it and
            # resolving again names every missing wheel in one run instead of one per CI round.
            blamed = {canonicalize_name(n) for m in failure.missing for n in (m.name, *m.needed_by)}
            kept_roots = [r for r in roots if canonicalize_name(Requirement(r).name) not in blamed]
            kept_added = [r for r in added if canonicalize_name(Requirement(r).name) not in blamed]
            if not kept_roots or len(kept_roots) + len(kept_added) == len(roots) + len(added):
                break
            roots, added = kept_roots, kept_added
            continue
        graph = check_graph(dists, [*roots, *added], env)
        new = [req for req in graph.missing if req not in added]
        if new:
            outcome.notes.append(f"added {', '.join(new)}: the target needs them, but pip judged their"
                                 " markers for this machine")
            added += new
            continue
        if problems:
            break
        outcome.ok = True
        outcome.versions = {key: (d.name, d.version) for key, d in dists.items()
                            if key not in {canonicalize_name(n) for n in graph.machine_only}}
        if graph.machine_only:
            outcome.notes.append("pip also picked " + ", ".join(graph.machine_only)
                                 + " for this machine's markers; the target does not need them")
        break
    else:
        if not problems:
            problems.append(f"the dependency graph did not settle after {MAX_ROUNDS} rounds: "
                            + ", ".join(added))
    outcome.reason = "; ".join(problems)
    outcome.seconds = time.monotonic() - started
    return outcome


# --- reporting -----------------------------------------------------------------------------------------


def key_versions(outcome: Outcome, keys: Sequence[str]) -> str:
    parts = []
    for key in keys:
        found = outcome.versions.get(canonicalize_name(key))
        if found is not None:
            parts.append(f"{key}={found[1]}")
    return " ".join(parts)


def format_outcome(outcome: Outcome, keys: Sequence[str]) -> str:
    status = "ok  " if outcome.ok else "FAIL"
    detail = key_versions(outcome, keys) if outcome.ok else outcome.reason
    head = f"{status} {outcome.target.key:<17} {outcome.python:<5} {detail}  ({outcome.seconds:.0f} s)"
    return "\n".join([head, *(f"       note: {note}" for note in outcome.notes)])


def version_differences(outcomes: Sequence[Outcome]) -> list[str]:
    """For each package resolved to more than one version: which combinations got the odd ones."""
    by_package: dict[str, dict[str, list[str]]] = {}
    names: dict[str, str] = {}
    for outcome in outcomes:
        if not outcome.ok:
            continue
        for key, (name, version) in outcome.versions.items():
            names.setdefault(key, name)
            by_package.setdefault(key, {}).setdefault(version, []).append(outcome.combo)
    lines = []
    for key in sorted(by_package, key=lambda k: names[k].lower()):
        versions = by_package[key]
        if len(versions) < 2:
            continue
        ordered = sorted(versions.items(), key=lambda item: (-len(item[1]), item[0]))
        common_version, common_combos = ordered[0]
        rest = "; ".join(f"{version} on {', '.join(combos)}" for version, combos in ordered[1:])
        lines.append(f"{names[key]}: {common_version} on {len(common_combos)} combinations, {rest}")
    return lines


# --- command line --------------------------------------------------------------------------------------


def _split(values: Sequence[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or ():
        out += [part.strip() for part in value.split(",") if part.strip()]
    return out


def _version_pair(text: str, what: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)(?:\.(\d+))?", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{what} must look like 12 or 2.28, not {text!r}")
    return int(match.group(1)), int(match.group(2) or 0)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Check that the pinned dependencies resolve to wheels on every shipped platform.")
    parser.add_argument("--targets", action="append", metavar="A,B",
                        help="targets to check (default: all): win_amd64, macos_arm64, macos_x86_64, "
                             "manylinux_x86_64, manylinux_aarch64")
    parser.add_argument("--pythons", action="append", metavar="X.Y,...",
                        help=f"Python versions (default: {','.join(DEFAULT_PYTHONS)})")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, metavar="S",
                        help=f"seconds one pip run may take (default {DEFAULT_TIMEOUT_S:g})")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="pip runs at once (default 2)")
    parser.add_argument("--with-build-tools", action="store_true",
                        help="also check PyInstaller, in the range packaging/build.sh installs")
    parser.add_argument("--download", type=Path, metavar="DIR",
                        help="use real `pip download` into DIR/<target>-py<X.Y> instead of a dry run")
    parser.add_argument("--pyproject", type=Path, default=DEFAULT_PYPROJECT, help=argparse.SUPPRESS)
    parser.add_argument("--macos", type=lambda t: _version_pair(t, "--macos"), default=(12, 0),
                        metavar="X.Y", help="oldest macOS to accept wheels for (default 12)")
    parser.add_argument("--glibc", type=lambda t: _version_pair(t, "--glibc"), default=(2, 28),
                        metavar="X.Y", help="oldest glibc to accept manylinux wheels for (default 2.28)")
    parser.add_argument("--glibc-aarch64", type=lambda t: _version_pair(t, "--glibc-aarch64"), default=None,
                        metavar="X.Y", help="the same for aarch64 only (default: as --glibc)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.jobs < 1:
        parser.error("--timeout and --jobs must be positive")
    if args.glibc[0] != 2 or (args.glibc_aarch64 is not None and args.glibc_aarch64[0] != 2):
        parser.error("--glibc and --glibc-aarch64 must be 2.x")
    if args.macos < (10, 9):
        parser.error("--macos must be 10.9 or later")
    targets = build_targets(args.macos, args.glibc, args.glibc_aarch64)
    chosen = _split(args.targets) or list(targets)
    unknown = [key for key in chosen if key not in targets]
    if unknown:
        parser.error(f"unknown target {', '.join(unknown)}; choose from {', '.join(targets)}")
    pythons = _split(args.pythons) or list(DEFAULT_PYTHONS)
    bad = [p for p in pythons if not re.fullmatch(r"3\.\d{1,2}", p)]
    if bad:
        parser.error(f"Python versions look like 3.12, not {', '.join(bad)}")
    args.target_list = [targets[key] for key in dict.fromkeys(chosen)]
    args.python_list = list(dict.fromkeys(pythons))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        project = read_project(args.pyproject)
        extra = [read_build_tool_pin()] if args.with_build_tools else []
    except UsageError as error:
        print(f"check_wheels: {error}", file=sys.stderr)
        return EXIT_USAGE
    keys = list(KEY_PACKAGES) + [req.name for req in extra]
    options = Options(args.timeout, args.download)
    combos = [(t, p) for t in args.target_list for p in args.python_list]
    mode = f"pip download into {args.download}" if args.download else "pip install --dry-run"
    print(f"wheels: {len(combos)} combinations ({len(args.target_list)} targets x Python "
          f"{', '.join(args.python_list)}), {len(project.dependencies) + len(extra)} pins from "
          f"{args.pyproject.name}{' + build tools' if extra else ''}, {mode}, {args.jobs} at a time",
          flush=True)
    started = time.monotonic()
    outcomes: list[Outcome] = []
    print_lock = threading.Lock()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(check_combination, options, project, extra, t, p) for t, p in combos]
        for future in concurrent.futures.as_completed(futures):
            outcome = future.result()
            outcomes.append(outcome)
            with print_lock:
                print(format_outcome(outcome, keys), flush=True)
    order = {combo: i for i, combo in enumerate(combos)}
    outcomes.sort(key=lambda o: order[(o.target, o.python)])
    differences = version_differences(outcomes)
    if differences:
        print("versions differ between combinations:")
        for line in differences:
            print(f"  {line}")
    passed = sum(o.ok for o in outcomes)
    failed = [o.combo for o in outcomes if not o.ok]
    tail = f" (not: {', '.join(failed)})" if failed else ""
    print(f"wheels: {passed} of {len(outcomes)} targets resolve{tail} in {time.monotonic() - started:.0f} s")
    return EXIT_OK if not failed else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
