"""Tests for packaging/check_wheels.py: pins and markers, wheel tags, reading pip's failures, and one
real resolution against the package index (skipped, with the reason, when the index is out of reach).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from packaging.tags import mac_platforms

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "packaging" / "check_wheels.py"


def _load() -> ModuleType:
    # packaging/ is not a Python package (and its name is taken by the `packaging` library).
    spec = importlib.util.spec_from_file_location("check_wheels", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_wheels"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


cw = _load()
TARGETS = cw.build_targets()


def _pyproject(tmp_path: Path, deps: list[str], requires_python: str = ">=3.11") -> Path:
    body = ", ".join(f'"{dep}"' for dep in deps)
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "demo"\nrequires-python = "{requires_python}"\n'
                    f"dependencies = [{body}]\n", encoding="utf-8")
    return path


# --- pins and markers ----------------------------------------------------------------------------------


def test_markers_are_judged_for_the_target_python_and_platform(tmp_path: Path) -> None:
    project = cw.read_project(_pyproject(tmp_path, [
        "numpy>=1.26,<3",
        "audioop-lts>=0.2; python_version >= '3.13'",
        "pywin32>=306; sys_platform == 'win32'",
        "pyobjc-core; platform_system == 'Darwin' and platform_machine == 'arm64'",
    ]))
    assert project.name == "demo"

    def reqs(target: str, python: str) -> list[str]:
        return cw.requirements_for(project.dependencies, TARGETS[target].marker_env(python))

    assert reqs("win_amd64", "3.11") == ["numpy<3,>=1.26", "pywin32>=306"]
    assert reqs("win_amd64", "3.13") == ["numpy<3,>=1.26", "audioop-lts>=0.2", "pywin32>=306"]
    assert reqs("macos_arm64", "3.12") == ["numpy<3,>=1.26", "pyobjc-core"]
    assert reqs("macos_x86_64", "3.12") == ["numpy<3,>=1.26"]
    assert reqs("manylinux_aarch64", "3.13") == ["numpy<3,>=1.26", "audioop-lts>=0.2"]


def test_the_real_pins_are_read_and_audioop_lts_only_applies_from_3_13() -> None:
    project = cw.read_project(ROOT / "pyproject.toml")
    names = [req.name for req in project.dependencies]
    assert "PySide6-Essentials" in names and "piper-tts" in names
    env_311 = TARGETS["win_amd64"].marker_env("3.11")
    env_313 = TARGETS["win_amd64"].marker_env("3.13")
    assert not any(r.startswith("audioop-lts") for r in cw.requirements_for(project.dependencies, env_311))
    assert any(r.startswith("audioop-lts") for r in cw.requirements_for(project.dependencies, env_313))


def test_a_pyproject_without_dependencies_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "demo"\n', encoding="utf-8")
    with pytest.raises(cw.UsageError, match=r"no \[project\]\.dependencies"):
        cw.read_project(path)
    path.write_text("[project\n", encoding="utf-8")
    with pytest.raises(cw.UsageError, match="cannot read"):
        cw.read_project(path)


def test_the_build_tool_pin_comes_from_build_sh(tmp_path: Path) -> None:
    pin = cw.read_build_tool_pin()
    assert pin.name == "pyinstaller"
    assert pin.specifier.contains("6.10.0") and not pin.specifier.contains("7.0")
    script = tmp_path / "build.sh"
    script.write_text("#!/bin/sh\necho no pin here\n", encoding="utf-8")
    with pytest.raises(cw.UsageError, match="PYINSTALLER_SPEC"):
        cw.read_build_tool_pin(script)


# --- wheel tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("arch", ["arm64", "x86_64"])
def test_macos_tags_match_what_pip_on_macos_12_accepts(arch: str) -> None:
    ours = cw.macos_platform_tags((12, 0), arch)
    theirs = list(mac_platforms((12, 0), arch))
    assert ours[0] == f"macosx_12_0_{arch}"
    assert set(ours) <= set(theirs)
    # What we leave out is only the PowerPC/i386-era fat formats.
    assert all("_fat" in tag for tag in set(theirs) - set(ours))
    assert not any(tag.startswith("macosx_13_") for tag in ours)
    assert f"macosx_11_0_{arch}" in ours and "macosx_10_9_universal2" in ours


def test_macos_arm64_never_takes_an_x86_64_only_wheel() -> None:
    tags = cw.macos_platform_tags((12, 0), "arm64")
    assert not any(tag.endswith(("_x86_64", "_intel")) for tag in tags)
    assert "macosx_10_15_arm64" not in tags


def test_manylinux_tags_cover_every_older_glibc_and_the_legacy_names() -> None:
    x86 = cw.manylinux_platform_tags((2, 28), "x86_64")
    assert x86[0] == "manylinux_2_28_x86_64"
    assert "manylinux_2_29_x86_64" not in x86
    for tag in ("manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux2010_x86_64",
                "manylinux1_x86_64", "manylinux_2_5_x86_64"):
        assert tag in x86
    arm = cw.manylinux_platform_tags((2, 28), "aarch64")
    assert arm[-2:] == ["manylinux_2_17_aarch64", "manylinux2014_aarch64"]
    assert not any("x86_64" in tag or "manylinux1" in tag for tag in arm)
    assert TARGETS["win_amd64"].platform_tags == ("win_amd64",)
    raised = cw.build_targets(glibc_aarch64=(2, 39))
    assert raised["manylinux_aarch64"].platform_tags[0] == "manylinux_2_39_aarch64"
    assert raised["manylinux_x86_64"].platform_tags[0] == "manylinux_2_28_x86_64"
    assert raised["manylinux_aarch64"].label == "Linux aarch64 (glibc 2.39)"


# --- pip's failures in plain words -------------------------------------------------------------------

WHERE = "Windows x86-64 / Python 3.13"

TOP_LEVEL_NOT_FOUND = """\
Looking in indexes: https://pypi.org/simple
ERROR: Could not find a version that satisfies the requirement pywin32>=306 (from versions: none)
ERROR: No matching distribution found for pywin32>=306
"""

TRANSITIVE_NOT_FOUND = """\
Collecting piper-tts<2,>=1.3
  Downloading piper_tts-1.8.0-cp39-abi3-win_amd64.whl (13.9 MB)
ERROR: Could not find a version that satisfies the requirement onnxruntime<2,>=1 (from piper-tts) \
(from versions: none)
ERROR: No matching distribution found for onnxruntime<2,>=1
"""

BACKTRACKED = """\
Collecting piper-tts<2,>=1.3
INFO: pip is looking at multiple versions of piper-tts to determine which version is compatible.
ERROR: Cannot install piper-tts==1.7.0 and piper-tts==1.8.0 because these package versions have \
conflicting dependencies.

The conflict is caused by:
    piper-tts 1.8.0 depends on onnxruntime<2 and >=1
    piper-tts 1.7.0 depends on onnxruntime<2 and >=1

Additionally, some packages in these conflicts have no matching distributions available for your environment:
    onnxruntime

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip to attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/
"""

OUT_OF_RANGE = """\
ERROR: Could not find a version that satisfies the requirement onnxruntime<1.5 \
(from versions: 1.15.0, 1.15.1, 1.16.0, 1.16.3)
ERROR: No matching distribution found for onnxruntime<1.5
"""

OFFLINE = """\
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection \
broken by 'NewConnectionError('<HTTPSConnection(host='pypi.org', port=443)>: Failed to establish a new \
connection: [Errno -3] Temporary failure in name resolution')': /simple/platformdirs/
ERROR: Could not find a version that satisfies the requirement platformdirs (from versions: none)
ERROR: No matching distribution found for platformdirs
"""

PURE_CONFLICT = """\
ERROR: Cannot install numpy because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested numpy<2
    foo 1.0 depends on numpy>=2

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/
"""


def test_a_top_level_pin_without_a_wheel_is_named() -> None:
    failure = cw.explain_failure(TOP_LEVEL_NOT_FOUND, WHERE)
    assert failure.reason == "pywin32 has no wheel for Windows x86-64 / Python 3.13"
    assert [m.name for m in failure.missing] == ["pywin32"]
    assert failure.missing[0].needed_by == ()


def test_a_transitive_dependency_without_a_wheel_names_who_needs_it() -> None:
    failure = cw.explain_failure(TRANSITIVE_NOT_FOUND, WHERE)
    assert failure.reason == "onnxruntime has no wheel for Windows x86-64 / Python 3.13 (needed by piper-tts)"
    assert failure.missing[0].spec == "<2,>=1"


def test_a_resolution_impossible_after_backtracking_names_the_package_without_wheels() -> None:
    failure = cw.explain_failure(BACKTRACKED, WHERE)
    assert failure.reason == "onnxruntime has no wheel for Windows x86-64 / Python 3.13 (needed by piper-tts)"


def test_wheels_outside_the_pinned_range_are_told_apart_from_no_wheels_at_all() -> None:
    failure = cw.explain_failure(OUT_OF_RANGE, WHERE)
    assert failure.reason == ("no onnxruntime<1.5 has a wheel for Windows x86-64 / Python 3.13; "
                              "newest wheel there: 1.16.3")
    # What the index says for the platform replaces what pip happened to list.
    from_index = cw.missing_sentence(failure.missing[0], WHERE, ["1.19.2", "1.19.0"])
    assert from_index.endswith("newest wheel there: 1.19.2")
    assert cw.missing_sentence(failure.missing[0], WHERE, []) == "onnxruntime has no wheel for " + WHERE
    assert cw.missing_sentence(failure.missing[0], WHERE, [], on_index=False).startswith(
        "onnxruntime is not on the package index")


def test_an_unreachable_index_is_not_blamed_on_a_package() -> None:
    failure = cw.explain_failure(OFFLINE, WHERE)
    assert failure.reason.startswith("could not reach the package index")
    assert failure.missing == ()


def test_a_conflict_between_pins_is_reported_as_a_conflict() -> None:
    failure = cw.explain_failure(PURE_CONFLICT, WHERE)
    assert failure.reason == "dependency conflict: The user requested numpy<2; foo 1.0 depends on numpy>=2"
    assert failure.missing == ()


# --- the dependency graph, judged for the target ------------------------------------------------------


def _dist(name: str, version: str, *requires: str, extras: tuple[str, ...] = ()) -> object:
    return cw.Dist(name, version, requires, extras)


def test_the_graph_walk_finds_what_pip_skipped_and_what_it_added_only_for_this_machine() -> None:
    # As pip on macOS would resolve PyInstaller: macholib in, pefile out.
    dists = {
        "pyinstaller": _dist("pyinstaller", "6.22.3", "altgraph",
                             "pefile>=2022.5.30; sys_platform == 'win32'",
                             "macholib>=1.8; sys_platform == 'darwin'", "pytest; extra == 'completion'"),
        "altgraph": _dist("altgraph", "0.17.4"),
        "macholib": _dist("macholib", "1.16.3", "altgraph>=0.17"),
    }
    on_windows = cw.check_graph(dists, ["pyinstaller<7,>=6.10"], TARGETS["win_amd64"].marker_env("3.12"))
    assert on_windows.missing == ("pefile>=2022.5.30",)
    assert on_windows.machine_only == ("macholib",)
    on_mac = cw.check_graph(dists, ["pyinstaller<7,>=6.10"], TARGETS["macos_arm64"].marker_env("3.12"))
    assert on_mac.missing == () and on_mac.machine_only == ()


def test_the_graph_walk_follows_extras_and_checks_versions() -> None:
    dists = {
        "foo": _dist("foo", "1.0", "bar>=2", "baz; extra == 'fast'"),
        "bar": _dist("bar", "1.5"),
    }
    check = cw.check_graph(dists, ["foo[fast]"], TARGETS["manylinux_x86_64"].marker_env("3.11"))
    assert check.missing == ("bar>=2", "baz")
    plain = cw.check_graph(dists, ["foo"], TARGETS["manylinux_x86_64"].marker_env("3.11"))
    assert plain.missing == ("bar>=2",)


def test_version_differences_name_the_odd_combinations() -> None:
    def outcome(target: str, python: str, versions: dict[str, str]) -> object:
        return cw.Outcome(TARGETS[target], python, ok=True,
                          versions={k: (k, v) for k, v in versions.items()})

    lines = cw.version_differences([
        outcome("win_amd64", "3.12", {"onnxruntime": "1.32.0", "numpy": "2.5.5"}),
        outcome("manylinux_x86_64", "3.12", {"onnxruntime": "1.32.0", "numpy": "2.5.5"}),
        outcome("macos_arm64", "3.12", {"onnxruntime": "1.19.2", "numpy": "2.5.5"}),
        cw.Outcome(TARGETS["macos_arm64"], "3.13", ok=False, reason="onnxruntime has no wheel"),
    ])
    assert lines == ["onnxruntime: 1.32.0 on 2 combinations, 1.19.2 on macos_arm64/3.12"]


# --- the command line ----------------------------------------------------------------------------------


@pytest.mark.parametrize("argv", [["--targets", "win_arm64"], ["--pythons", "3"], ["--timeout", "0"],
                                  ["--glibc", "3.1"]])
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cw.main(argv)
    assert stopped.value.code == 2
    assert "error" in capsys.readouterr().err


def test_a_missing_pyproject_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cw.main(["--pyproject", str(tmp_path / "nope.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_a_python_the_project_does_not_support_fails_without_asking_pip(tmp_path: Path) -> None:
    project = cw.read_project(_pyproject(tmp_path, ["platformdirs"], requires_python=">=3.12"))
    options = cw.Options(timeout_s=5, download_dir=None, pip=("false",))
    outcome = cw.check_combination(options, project, [], TARGETS["win_amd64"], "3.11")
    assert not outcome.ok and outcome.reason == "demo itself needs Python >=3.12"


# --- against the real index ---------------------------------------------------------------------------


def _index_reachable() -> bool:
    try:
        with socket.create_connection(("pypi.org", 443), timeout=5):
            return True
    except OSError:
        return False


@pytest.fixture
def real_index() -> None:
    if not _index_reachable():
        pytest.skip("pypi.org:443 cannot be reached, so pip cannot resolve anything here")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=600, check=False)
    if "could not reach the package index" in done.stdout:
        pytest.skip(f"the package index did not answer pip: {done.stdout.strip().splitlines()[-2]}")
    return done


@pytest.mark.usefixtures("real_index")
def test_real_resolution_honours_markers_for_the_target_not_this_machine(tmp_path: Path) -> None:
    # pip alone, on Linux, would drop the Windows-only pin; the check must keep it for Windows.
    project = cw.read_project(_pyproject(tmp_path, [
        "platformdirs>=4,<5", "pywin32>=306; sys_platform == 'win32'",
    ]))
    options = cw.Options(timeout_s=300, download_dir=None)
    windows = cw.check_combination(options, project, [], TARGETS["win_amd64"], "3.12")
    linux = cw.check_combination(options, project, [], TARGETS["manylinux_x86_64"], "3.12")
    if "could not reach the package index" in windows.reason + linux.reason:
        pytest.skip(f"the package index did not answer pip: {windows.reason or linux.reason}")
    assert windows.ok and linux.ok, (windows.reason, linux.reason)
    assert set(windows.versions) == {"platformdirs", "pywin32"}
    assert set(linux.versions) == {"platformdirs"}


@pytest.mark.usefixtures("real_index")
def test_real_run_names_the_package_without_a_wheel_and_exits_1(tmp_path: Path) -> None:
    pyproject = _pyproject(tmp_path, ["platformdirs>=4,<5", "pywin32>=306"])
    done = _run("--pyproject", str(pyproject), "--targets", "win_amd64,manylinux_x86_64",
                "--pythons", "3.12", "--timeout", "300")
    lines = done.stdout.splitlines()
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(line.startswith("ok   win_amd64") for line in lines), done.stdout
    assert any(line.startswith("FAIL manylinux_x86_64") and
               "pywin32 has no wheel for Linux x86-64 (glibc 2.28) / Python 3.12" in line
               for line in lines), done.stdout
    assert lines[-1].startswith("wheels: 1 of 2 targets resolve (not: manylinux_x86_64/3.12)")
