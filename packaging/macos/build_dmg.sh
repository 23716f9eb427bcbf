#!/bin/sh
# Sign, pack, notarise and staple the macOS app that build.sh made:
#   sh packaging/macos/build_dmg.sh ["path/to/CFT Desktop.app"]
#   -> packaging/dist/CFT-Desktop-<version>-macos-<arm64|x86_64>.dmg
# Each step that needs Apple credentials runs only when its variable is set, and says so when not:
#   MACOS_SIGN_IDENTITY   a "Developer ID Application: ..." identity in the keychain: sign every
#                         Mach-O inside-out with the hardened runtime, then the .app and the .dmg
#   MACOS_NOTARY_PROFILE  a notarytool keychain profile (xcrun notarytool store-credentials): notarise
#                         and staple; needs MACOS_SIGN_IDENTITY too (Apple notarises signed code only)
#   MACOS_NOTARY_KEYCHAIN the keychain holding that profile, when it is not in the search list (CI)
# Without them the result is an unsigned .dmg, fine for testing on the build Mac but refused by
# Gatekeeper on anyone else's.
#
# Notarisation runs twice, on purpose: first the .app (zipped), so its ticket can be stapled into the
# .app itself, then the .dmg that carries it. A client's Mac may never be online; with both tickets
# stapled, Gatekeeper finds them in the files and does not need to ask Apple's servers.
set -eu

MACOS_DIR=$(cd "$(dirname "$0")" && pwd)
PACKAGING_DIR=$(dirname "$MACOS_DIR")
APP=${1:-"$PACKAGING_DIR/dist/CFT Desktop.app"}
ENTITLEMENTS="$MACOS_DIR/entitlements.plist"
SIGN_IDENTITY=${MACOS_SIGN_IDENTITY:-}
NOTARY_PROFILE=${MACOS_NOTARY_PROFILE:-}
NOTARY_KEYCHAIN=${MACOS_NOTARY_KEYCHAIN:-}

[ "$(uname -s)" = Darwin ] || { echo "build_dmg.sh: runs on macOS only (codesign, hdiutil, xcrun)" >&2; exit 2; }
[ -d "$APP/Contents/MacOS" ] || { echo "build_dmg.sh: no .app at $APP (run packaging/build.sh first)" >&2; exit 2; }
APP=$(cd "$APP" && pwd)
VERSION=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$APP/Contents/Info.plist")
MAIN_EXE="$APP/Contents/MacOS/$(/usr/libexec/PlistBuddy -c "Print :CFBundleExecutable" "$APP/Contents/Info.plist")"
ARCH=$(uname -m)
DMG="$PACKAGING_DIR/dist/CFT-Desktop-$VERSION-macos-$ARCH.dmg"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cft-dmg.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

signed=no
notarised=no

# --- 1. sign -------------------------------------------------------------------------------------------
sign() {  # sign [--entitlements] PATH: hardened runtime, secure timestamp, our identity
  if [ "$1" = --entitlements ]; then
    shift
    codesign --force --options runtime --timestamp --entitlements "$ENTITLEMENTS" --sign "$SIGN_IDENTITY" "$1"
  else
    codesign --force --options runtime --timestamp --sign "$SIGN_IDENTITY" "$1"
  fi
}

by_depth() {  # deepest paths first, so that everything inside is sealed before its container
  awk '{ print gsub("/", "/") "\t" $0 }' | sort -rn | cut -f2-
}

if [ -n "$SIGN_IDENTITY" ]; then
  echo "== signing $APP as \"$SIGN_IDENTITY\" (hardened runtime)"
  # Every Mach-O file (libraries, Python extensions, Qt plugins and frameworks' binaries); symlinks
  # are skipped, their targets are signed. The main executable is signed with the bundle at the end.
  find "$APP/Contents" -type f -exec file -F '|' {} + | sed -n 's/| *Mach-O.*//p' \
    | grep -vxF "$MAIN_EXE" | by_depth >"$WORK/macho.txt" || true
  count=0
  while IFS= read -r file; do
    # Entitlements belong to programs, not libraries: codesign ignores them on a dylib.
    if file -b "$file" | grep -q 'executable'; then sign --entitlements "$file"; else sign "$file"; fi
    count=$((count + 1))
  done <"$WORK/macho.txt"
  # Bundles nested in the app (Qt's .framework folders, any helper .app) are sealed as bundles.
  find "$APP/Contents" -type d \( -name '*.framework' -o -name '*.app' \) | by_depth >"$WORK/bundles.txt"
  while IFS= read -r bundle; do
    sign "$bundle"
  done <"$WORK/bundles.txt"
  sign --entitlements "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
  echo "   signed $count Mach-O files, $(grep -c . "$WORK/bundles.txt") nested bundles and the app"
  signed=yes
else
  echo "== signing SKIPPED: MACOS_SIGN_IDENTITY is not set. The app keeps PyInstaller's ad-hoc signature;"
  echo "   it runs on this Mac, but Gatekeeper refuses it on any other."
fi

# --- 2. notarise and staple the app ------------------------------------------------------------------
notarytool() {  # notarytool SUBCOMMAND ARGS...: with our profile (and its keychain, if given)
  sub=$1
  shift
  if [ -n "$NOTARY_KEYCHAIN" ]; then
    xcrun notarytool "$sub" "$@" --keychain-profile "$NOTARY_PROFILE" --keychain "$NOTARY_KEYCHAIN"
  else
    xcrun notarytool "$sub" "$@" --keychain-profile "$NOTARY_PROFILE"
  fi
}

notarise() {  # notarise FILE: submit, wait, and fail with Apple's log unless it was accepted
  # (Its exit status is not the verdict: the status field is, and a rejection still prints the id.)
  notarytool submit "$1" --wait --output-format json >"$WORK/notary.json" || true
  status=$(plutil -extract status raw -o - "$WORK/notary.json" 2>/dev/null || echo unknown)
  id=$(plutil -extract id raw -o - "$WORK/notary.json" 2>/dev/null || echo "")
  echo "   notarisation of $(basename "$1"): $status (submission $id)"
  if [ "$status" != Accepted ]; then
    [ -n "$id" ] && notarytool log "$id" >&2
    echo "build_dmg.sh: Apple did not accept $(basename "$1")" >&2
    exit 1
  fi
}

if [ -n "$NOTARY_PROFILE" ] && [ "$signed" = yes ]; then
  echo "== notarising the app"
  # notarytool takes a zip, dmg or pkg; ditto keeps the bundle's symlinks and extended attributes.
  ditto -c -k --keepParent "$APP" "$WORK/app.zip"
  notarise "$WORK/app.zip"
  xcrun stapler staple "$APP"
  xcrun stapler validate "$APP"
elif [ -n "$NOTARY_PROFILE" ]; then
  echo "== notarisation SKIPPED: MACOS_NOTARY_PROFILE is set but MACOS_SIGN_IDENTITY is not"
else
  echo "== notarisation SKIPPED: MACOS_NOTARY_PROFILE is not set"
fi

# --- 3. the disk image ---------------------------------------------------------------------------------
echo "== making $DMG"
STAGE="$WORK/stage"
mkdir -p "$STAGE"
ditto "$APP" "$STAGE/$(basename "$APP")"
# The person drags the app onto this link to install it.
ln -s /Applications "$STAGE/Applications"
rm -f "$DMG"
# hdiutil now and then fails with "Resource busy" on a loaded machine; a retry is enough.
tries=0
until hdiutil create -volname "CFT Desktop" -srcfolder "$STAGE" -ov -format UDZO "$DMG"; do
  tries=$((tries + 1))
  [ $tries -lt 3 ] || { echo "build_dmg.sh: hdiutil create failed $tries times" >&2; exit 1; }
  sleep 5
done

if [ "$signed" = yes ]; then
  # A disk image has no hardened runtime; its signature lets Gatekeeper check it was not altered.
  codesign --force --timestamp --sign "$SIGN_IDENTITY" "$DMG"
  codesign --verify --verbose=2 "$DMG"
fi

# --- 4. notarise and staple the disk image -------------------------------------------------------------
if [ -n "$NOTARY_PROFILE" ] && [ "$signed" = yes ]; then
  echo "== notarising the disk image"
  notarise "$DMG"
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
  notarised=yes
fi

# --- 5. what Gatekeeper will say ------------------------------------------------------------------------
if [ "$notarised" = yes ]; then
  echo "== Gatekeeper's assessment (must pass: signed and notarised)"
  spctl --assess --type open --context context:primary-signature -v "$DMG"
  spctl --assess --type execute -v "$APP"
elif [ "$signed" = yes ]; then
  # Not notarised, so Gatekeeper is expected to refuse; shown for information only.
  echo "== Gatekeeper's assessment (for information: not notarised, so a refusal is expected)"
  spctl --assess --type open --context context:primary-signature -v "$DMG" || true
  spctl --assess --type execute -v "$APP" || true
fi

echo
echo "== CFT Desktop $VERSION for macOS ($ARCH): $DMG ($(du -h "$DMG" | cut -f1))"
if [ "$notarised" = yes ]; then
  echo "   signed, notarised and stapled (app and disk image)"
elif [ "$signed" = yes ]; then
  echo "   signed but NOT notarised: Gatekeeper on another Mac will refuse it"
else
  echo "   UNSIGNED: for testing on this Mac only"
fi
