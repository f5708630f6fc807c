#!/usr/bin/env bash
# Linux CI: build the onedir bundle from packaging/impilo-desktop.spec (the same spec the
# Windows and macOS releases use) and run its --self-test offscreen. Exit code = the result.
#
#   bash packaging/linux/build-and-self-test.sh
#
# Uses the active Python (`python`, or $PYTHON). PyInstaller comes from the project's
# `packaging` extra; it is installed here when missing, with the version range pyproject.toml
# gives, so CI's test-only venv needs nothing else. About 30-60 s of build on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON="${PYTHON:-python}"

if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  requirement="$("$PYTHON" - <<'EOF'
import tomllib
with open("pyproject.toml", "rb") as f:
    print(tomllib.load(f)["project"]["optional-dependencies"]["packaging"][0])
EOF
)"
  echo "Installing $requirement"
  "$PYTHON" -m pip install -q "$requirement"
fi

export QT_QPA_PLATFORM=offscreen
"$PYTHON" packaging/build.py --no-installer --self-test-timeout=90
du -sh dist/impilo-desktop
