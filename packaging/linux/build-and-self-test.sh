#!/usr/bin/env bash
# Linux CI: build the onedir bundle from packaging/impilo-desktop.spec (the same spec the
# Windows and macOS releases use), with both its programs: impilo-desktop (the window) and
# impilo-desktop-cli (the command line). Runs the window's --self-test offscreen, then checks
# that `impilo-desktop-cli --version` and `impilo-desktop-cli outbox` print and exit 0
# (packaging/build.py). Exit code = the result.
#
#   bash packaging/linux/build-and-self-test.sh                  # with the active `python`
#   PYTHON=python3.12 bash packaging/linux/build-and-self-test.sh
#
# With an interpreter that already has the project's dependencies (CI's venv), PyInstaller is
# added when missing (the `packaging` extra's version range from pyproject.toml). With a bare
# interpreter, a venv is made in build/bundle-venv with `pip install -e ".[packaging]"`.
# About one minute of build on 2 cores, plus a few seconds of self-test.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python}"

if ! "$PYTHON" -c "import PySide6, pydantic, httpx, aiohttp, keyring, platformdirs" 2>/dev/null; then
  echo "Making build/bundle-venv with $("$PYTHON" --version)"
  "$PYTHON" -m venv build/bundle-venv
  PYTHON="build/bundle-venv/bin/python"
  "$PYTHON" -m pip install -q --upgrade pip
  "$PYTHON" -m pip install -q -e ".[packaging]"
elif ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  requirement="$("$PYTHON" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(tomllib.load(f)["project"]["optional-dependencies"]["packaging"][0])
EOF
)"
  echo "Installing $requirement"
  "$PYTHON" -m pip install -q "$requirement"
fi

echo "Building with $("$PYTHON" -c 'import sys, PySide6; print("Python", sys.version.split()[0], "PySide6", PySide6.__version__)')"
export QT_QPA_PLATFORM=offscreen
"$PYTHON" packaging/build.py --no-installer --self-test-timeout=90
for program in impilo-desktop impilo-desktop-cli; do
  [ -x "dist/impilo-desktop/$program" ] || { echo "dist/impilo-desktop/$program is missing" >&2; exit 1; }
done
du -sh dist/impilo-desktop
