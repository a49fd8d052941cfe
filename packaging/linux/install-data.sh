#!/bin/sh
# Install Micro-Session's desktop integration: the launcher (.desktop), the AppStream
# metainfo and the icons in the hicolor theme, all named by the app id. The icons are
# copied from resources/ (no second copy of them in git).
#
#   packaging/linux/install-data.sh [PREFIX]        (default PREFIX: /usr/local)
#   DESTDIR=/tmp/stage packaging/linux/install-data.sh /usr    (for distribution packages)
#
# The program itself comes from `pip install .` (or pipx) or the PyInstaller folder; the
# launcher runs `microsession` from PATH.
set -eu
APP_ID=io.github.microsession.MicroSession
PREFIX=${1:-/usr/local}
HERE=$(cd "$(dirname "$0")" && pwd)
RESOURCES=$(cd "$HERE/../../resources" && pwd)
SHARE="${DESTDIR:-}$PREFIX/share"

install -Dm644 "$HERE/$APP_ID.desktop" "$SHARE/applications/$APP_ID.desktop"
install -Dm644 "$HERE/$APP_ID.metainfo.xml" "$SHARE/metainfo/$APP_ID.metainfo.xml"
for size in 16 22 24 32 48 64 128 256; do
    install -Dm644 "$RESOURCES/microsession-$size.png" \
        "$SHARE/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
install -Dm644 "$RESOURCES/microsession.svg" "$SHARE/icons/hicolor/scalable/apps/$APP_ID.svg"
install -Dm644 "$RESOURCES/microsession-mono.svg" \
    "$SHARE/icons/hicolor/symbolic/apps/$APP_ID-symbolic.svg"

# Refresh the caches when installing for real (not into a staging DESTDIR).
if [ -z "${DESTDIR:-}" ]; then
    command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
    command -v update-desktop-database >/dev/null && update-desktop-database -q "$SHARE/applications" || true
fi
echo "Installed $APP_ID into $SHARE"
