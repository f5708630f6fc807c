#!/usr/bin/env bash
# macOS: sign "dist/Impilo Desktop.app" (built by packaging/impilo-desktop.spec), wrap it in a
# drag-to-Applications .dmg, sign the .dmg, notarise it with Apple and staple the ticket.
#
#   python packaging/build.py          # builds the .app, self-tests it, then runs this script
#   bash packaging/macos/build-dmg.sh  # this step alone
#
# Configuration, from the environment (no secret is ever stored in the repository):
#   MACOS_SIGN_IDENTITY   codesign identity, e.g. "Developer ID Application: Impilo (ABCDE12345)".
#                         Unset: an unsigned .dmg for local testing (Gatekeeper will warn).
#   MACOS_TEAM_ID         the Apple team id (ABCDE12345); checked against the signature.
#   MACOS_NOTARY_PROFILE  a notarytool keychain profile, created once per build machine with
#                         `xcrun notarytool store-credentials impilo-notary --apple-id ... \
#                          --team-id ABCDE12345 --password <app-specific password>`.
#                         Unset: signed but not notarised.
#   MACOS_NOTARY_KEYCHAIN the keychain holding that profile, when it is not the login one
#                         (the release workflow's throw-away keychain: packaging/release.py).
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION="$(sed -n 's/^__version__ = "\(.*\)"/\1/p' impilo_desktop/__init__.py)"
APP="dist/Impilo Desktop.app"
DMG="dist/impilo-desktop-${VERSION}-macos-$(uname -m).dmg"
ENTITLEMENTS="packaging/macos/entitlements.plist"
IDENTITY="${MACOS_SIGN_IDENTITY:-}"
TEAM_ID="${MACOS_TEAM_ID:-}"
NOTARY_PROFILE="${MACOS_NOTARY_PROFILE:-}"
NOTARY_KEYCHAIN=()
[ -n "${MACOS_NOTARY_KEYCHAIN:-}" ] && NOTARY_KEYCHAIN=(--keychain "$MACOS_NOTARY_KEYCHAIN")

[ -d "$APP" ] || { echo "$APP not found: build it with python packaging/build.py" >&2; exit 1; }
[ -n "$VERSION" ] || { echo "no __version__ in impilo_desktop/__init__.py" >&2; exit 1; }

sign() {  # sign one file or bundle with the hardened runtime and a secure timestamp
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$IDENTITY" "$@"
}

if [ -n "$IDENTITY" ]; then
  echo "Signing nested code (inside out) as: $IDENTITY"
  # Every Mach-O file in the bundle (dylibs, Python extensions, Qt frameworks' binaries) first,
  # then the frameworks, then the app: the order Apple requires without --deep.
  while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q "Mach-O"; then sign "$file"; fi
  done < <(find "$APP/Contents" -type f ! -path "*/Contents/MacOS/impilo-desktop" -print0)
  while IFS= read -r -d '' framework; do sign "$framework"; done \
    < <(find "$APP/Contents" -type d -name "*.framework" -print0)
  sign "$APP"
  codesign --verify --strict --deep --verbose=2 "$APP"
  if [ -n "$TEAM_ID" ]; then
    # Read whole first: `codesign | grep -q` under pipefail fails when grep stops reading early.
    signature="$(codesign -dv "$APP" 2>&1)"
    grep -q "TeamIdentifier=$TEAM_ID" <<<"$signature" \
      || { echo "signature is not from team $TEAM_ID" >&2; exit 1; }
  fi
else
  echo "MACOS_SIGN_IDENTITY not set: building an UNSIGNED .dmg (for testing only)"
fi

echo "Creating $DMG"
staging="$(mktemp -d)"
trap 'rm -rf "$staging"' EXIT
cp -R "$APP" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$DMG"
hdiutil create -volname "Impilo Desktop $VERSION" -srcfolder "$staging" -ov -format UDZO "$DMG"

if [ -n "$IDENTITY" ]; then
  codesign --force --timestamp --sign "$IDENTITY" "$DMG"
  if [ -n "$NOTARY_PROFILE" ]; then
    echo "Notarising (this waits for Apple, usually a few minutes)"
    xcrun notarytool submit "$DMG" --keychain-profile "$NOTARY_PROFILE" ${NOTARY_KEYCHAIN[@]+"${NOTARY_KEYCHAIN[@]}"} --wait
    xcrun stapler staple "$DMG"
    xcrun stapler validate "$DMG"
    # The app was notarised inside the dmg: its ticket stapled to it too, for the update
    # repository's copy (release.py tars this .app), which is never opened from the dmg.
    xcrun stapler staple "$APP"
    spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
  else
    echo "MACOS_NOTARY_PROFILE not set: signed but NOT notarised"
  fi
fi
echo "Done: $DMG"
