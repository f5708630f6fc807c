#!/usr/bin/env bash
# Run CMD... inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so the keyring tests (pytest -m secret_service) use a real OS password store.
# Usage: .ci/with-secret-service.sh CMD [ARGS...]
set -euo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "$0: $tool not found (apt-get install dbus dbus-x11 gnome-keyring)" >&2
    exit 2
  fi
done

if [ -z "${_IMPILO_IN_DBUS_SESSION:-}" ]; then
  # Re-enter this script inside a fresh session bus; it ends when CMD ends.
  export _IMPILO_IN_DBUS_SESSION=1
  exec dbus-run-session -- bash "$0" "$@"
fi
unset _IMPILO_IN_DBUS_SESSION

# A throw-away keyring in a temporary home, created and unlocked with a fixed password.
keyring_home="$(mktemp -d)"
trap 'rm -rf "$keyring_home"' EXIT
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$keyring_home/run}"
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
eval "$(printf 'impilo-ci' | gnome-keyring-daemon --unlock --components=secrets)"
eval "$(gnome-keyring-daemon --start --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
