#!/usr/bin/env bash
# Sign, notarize and staple the macOS release: dist/OSS Chat.app -> a notarized .dmg.
#
# Run on a Mac after `make package` (see packaging/README.md). Environment:
#   OSS_CHAT_SIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)" in the login keychain
#   and, to notarize, either
#   OSS_CHAT_NOTARY_PROFILE  a notarytool keychain profile
#                            (xcrun notarytool store-credentials NAME --apple-id … --team-id …)
#   or all three of
#   APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD   (an app-specific password)
# Optional: OSS_CHAT_APP (default "dist/OSS Chat.app"), OSS_CHAT_DMG (default
# dist/oss-chat-VERSION-macos-ARCH.dmg), PYTHON (default .venv/bin/python, needs dmgbuild).
#
# Steps: 1. sign every binary inside the app, innermost first, then the app, with the
# hardened runtime and a secure timestamp; 2. build the .dmg and sign it; 3. submit it to
# Apple's notary service and wait; 4. staple the ticket to the .dmg and check it as Gatekeeper
# would. Any failure stops the script.
set -euo pipefail
cd "$(dirname "$0")/../.."

: "${OSS_CHAT_SIGN_IDENTITY:?set OSS_CHAT_SIGN_IDENTITY to your Developer ID Application identity}"
PYTHON=${PYTHON:-.venv/bin/python}
APP=${OSS_CHAT_APP:-dist/OSS Chat.app}
VERSION=$("$PYTHON" -c 'import app; print(app.__version__)')
DMG=${OSS_CHAT_DMG:-dist/oss-chat-$VERSION-macos-$(uname -m).dmg}
ENTITLEMENTS=packaging/macos/entitlements.plist

if [ -n "${OSS_CHAT_NOTARY_PROFILE:-}" ]; then
  notary_auth=(--keychain-profile "$OSS_CHAT_NOTARY_PROFILE")
elif [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  notary_auth=(--apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD")
else
  echo "set OSS_CHAT_NOTARY_PROFILE, or APPLE_ID, APPLE_TEAM_ID and APPLE_APP_PASSWORD" >&2
  exit 2
fi
[ -d "$APP" ] || { echo "no app at $APP: run make package first" >&2; exit 2; }

sign() {
  codesign --force --timestamp --options runtime --entitlements "$ENTITLEMENTS" \
    --sign "$OSS_CHAT_SIGN_IDENTITY" "$@"
}

echo "1/4 signing $APP"
# Innermost first: the deepest paths come first, and a bundle is signed after its contents.
find "$APP/Contents" -type f ! -path "*/_CodeSignature/*" -print0 |
  while IFS= read -r -d '' file; do
    if file -b "$file" | grep -q "Mach-O"; then
      printf '%s\t%s\n' "$(tr -cd / <<<"$file" | wc -c)" "$file"
    fi
  done | sort -rn | cut -f2- | while IFS= read -r file; do sign "$file"; done
find "$APP/Contents" -type d -name "*.framework" -print0 | while IFS= read -r -d '' fw; do
  sign "$fw"
done
sign "$APP"
codesign --verify --deep --strict --verbose=2 "$APP"

echo "2/4 building and signing $DMG"
rm -f "$DMG"
"$PYTHON" -m dmgbuild -s packaging/macos/dmg_settings.py -D app="$APP" \
  -D icon=build/icons/oss-chat.icns "OSS Chat" "$DMG"
codesign --force --timestamp --sign "$OSS_CHAT_SIGN_IDENTITY" "$DMG"

echo "3/4 notarizing (this waits for Apple's answer, usually a few minutes)"
answer=$(xcrun notarytool submit "$DMG" "${notary_auth[@]}" --wait --output-format json)
echo "$answer"
field() { "$PYTHON" -c "import json, sys; print(json.load(sys.stdin).get('$1', ''))" <<<"$answer"; }
if [ "$(field status)" != "Accepted" ]; then
  echo "notarization was not accepted; Apple's log:" >&2
  xcrun notarytool log "$(field id)" "${notary_auth[@]}" >&2 || true
  exit 1
fi

echo "4/4 stapling"
xcrun stapler staple "$DMG"
xcrun stapler validate "$DMG"
spctl --assess --type open --context context:primary-signature --verbose=2 "$DMG"
echo "done: $DMG"
