#!/usr/bin/env bash
# Install pacto from a GitHub Release, following Go Pacto's get-pacto.sh conventions:
#
#   curl -fsSL https://raw.githubusercontent.com/pacto-rs/pacto/main/scripts/install.sh | bash
#   ... | bash -s -- --version v0.1.0 --no-sudo
#
# Options: --version, -v VERSION (default: the latest release); --no-sudo (never use sudo);
# --help, -h.
# Environment:
#   PACTO_INSTALL_DIR   where to install (default /usr/local/bin; created when missing)
#   PACTO_RELEASE_URL   the releases base URL (default https://github.com/pacto-rs/pacto/releases):
#                       assets are read from <base>/download/<tag>/<asset>, or
#                       <base>/latest/download/<asset> without --version; a mirror or a local file
#                       server (tests) lays its files out the same way
#   PACTO_LIBC          gnu or musl, on Linux amd64/arm64 (default: musl when the system's libc is
#                       musl, else gnu): picks pacto_linux_<arch>_musl or pacto_linux_<arch>
#   GH_TOKEN / GITHUB_TOKEN  sent to the release host when set (private mirrors)
#
# The binary is verified against the release's checksums.txt (SHA-256) before anything is
# installed: a missing checksums.txt, a missing line or a different digest stops the script with
# a message and leaves the install directory untouched.
set -euo pipefail

BINARY_NAME="pacto"
USE_SUDO="true"
DESIRED_VERSION=""
: "${PACTO_INSTALL_DIR:=/usr/local/bin}"
: "${PACTO_RELEASE_URL:=https://github.com/pacto-rs/pacto/releases}"
PACTO_RELEASE_URL="${PACTO_RELEASE_URL%/}"

HAS_CURL="$(command -v curl >/dev/null 2>&1 && echo true || echo false)"
HAS_WGET="$(command -v wget >/dev/null 2>&1 && echo true || echo false)"
TOKEN="${GH_TOKEN:-${GITHUB_TOKEN:-}}"
DOWNLOAD_DIR=""

err() { echo "install.sh: $*" >&2; }

help() {
  echo "Usage: install.sh [--version <version>] [--no-sudo] [--help]"
  echo "  --version, -v specify version (e.g. v0.1.0); default: latest release"
  echo "  --no-sudo     disable sudo for installation"
  echo "  --help, -h    show help"
  echo ""
  echo "Environment:"
  echo "  PACTO_INSTALL_DIR  install directory (default: /usr/local/bin)"
  echo "  PACTO_RELEASE_URL  releases base URL (default: https://github.com/pacto-rs/pacto/releases)"
  echo "  PACTO_LIBC         gnu or musl (Linux): which Linux build to install"
}

cleanup() {
  if [ -n "$DOWNLOAD_DIR" ]; then
    rm -rf "$DOWNLOAD_DIR"
  fi
  return 0
}
trap cleanup EXIT

initArch() {
  ARCH="$(uname -m)"
  case "$ARCH" in
    x86_64|amd64) ARCH="amd64" ;;
    aarch64|arm64) ARCH="arm64" ;;
    *) err "unsupported architecture: $ARCH"; exit 1 ;;
  esac
}

initOS() {
  OS="$(uname | tr '[:upper:]' '[:lower:]')"
  case "$OS" in
    linux|darwin) ;;
    mingw*|msys*|cygwin*) OS="windows" ;;
    *) err "unsupported OS: $OS"; exit 1 ;;
  esac
}

runAsRoot() {
  if [ "$USE_SUDO" = "true" ] && [ "$(id -u)" -ne 0 ]; then
    sudo "$@"
  else
    "$@"
  fi
}

# fetch URL FILE: download, failing on an HTTP error.
fetch() {
  if [ "$HAS_CURL" = "true" ]; then
    if [ -n "$TOKEN" ]; then
      curl -fsSL --retry 2 -H "Authorization: Bearer $TOKEN" "$1" -o "$2"
    else
      curl -fsSL --retry 2 "$1" -o "$2"
    fi
  else
    if [ -n "$TOKEN" ]; then
      wget -q --header="Authorization: Bearer $TOKEN" -O "$2" "$1"
    else
      wget -q -O "$2" "$1"
    fi
  fi
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | awk '{print $1}'
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | awk '{print $1}'
  else
    return 1
  fi
}

while [ $# -gt 0 ]; do
  case "$1" in
    --version|-v)
      shift
      if [ $# -gt 0 ] && [ -n "$1" ]; then
        DESIRED_VERSION="$1"
      else
        err "expected a version after --version"
        exit 1
      fi
      ;;
    --no-sudo) USE_SUDO="false" ;;
    --help|-h) help; exit 0 ;;
    *) err "unknown option: $1"; help >&2; exit 1 ;;
  esac
  shift
done

initArch
initOS
if [ "$HAS_CURL" != "true" ] && [ "$HAS_WGET" != "true" ]; then
  err "curl or wget is required"
  exit 1
fi

EXT=""
[ "$OS" = "windows" ] && EXT=".exe"
SUFFIX=""
if [ "$OS" = "linux" ]; then
  libc="${PACTO_LIBC:-}"
  if [ -z "$libc" ]; then
    if (ldd --version 2>&1 || true) | grep -qi musl; then libc="musl"; else libc="gnu"; fi
  fi
  case "$libc" in
    gnu) ;;
    musl) SUFFIX="_musl" ;;
    *) err "PACTO_LIBC must be gnu or musl, not $libc"; exit 1 ;;
  esac
fi
ASSET="${BINARY_NAME}_${OS}_${ARCH}${SUFFIX}${EXT}"

if [ -n "$DESIRED_VERSION" ]; then
  case "$DESIRED_VERSION" in v*) TAG="$DESIRED_VERSION" ;; *) TAG="v$DESIRED_VERSION" ;; esac
  BASE="$PACTO_RELEASE_URL/download/$TAG"
  LABEL="$TAG"
else
  TAG=""
  BASE="$PACTO_RELEASE_URL/latest/download"
  LABEL="the latest release"
fi

# Already installed at this version: nothing to do (as get-pacto.sh).
if [ -n "$TAG" ] && [ -x "$PACTO_INSTALL_DIR/$BINARY_NAME$EXT" ]; then
  INSTALLED="$("$PACTO_INSTALL_DIR/$BINARY_NAME$EXT" version 2>/dev/null | sed -n 's/^Pacto: *//p' || true)"
  if [ -n "$INSTALLED" ] && { [ "v${INSTALLED#v}" = "$TAG" ]; }; then
    echo "$BINARY_NAME $TAG is already installed in $PACTO_INSTALL_DIR"
    exit 0
  fi
fi

echo "Installing $BINARY_NAME $LABEL ($ASSET)..."
DOWNLOAD_DIR="$(mktemp -d)"
if ! fetch "$BASE/$ASSET" "$DOWNLOAD_DIR/$ASSET"; then
  err "cannot download $BASE/$ASSET (is there a release $LABEL with a $OS/$ARCH build?); nothing was installed"
  exit 1
fi
if ! fetch "$BASE/checksums.txt" "$DOWNLOAD_DIR/checksums.txt"; then
  err "cannot download $BASE/checksums.txt: refusing to install an unverified binary; nothing was installed"
  exit 1
fi
expected="$(awk -v f="$ASSET" '$2 == f || $2 == "*" f {print $1; exit}' "$DOWNLOAD_DIR/checksums.txt")"
if [ -z "$expected" ]; then
  err "checksums.txt has no line for $ASSET: refusing to install an unverified binary; nothing was installed"
  exit 1
fi
if ! actual="$(sha256 "$DOWNLOAD_DIR/$ASSET")"; then
  err "neither sha256sum nor shasum is installed: cannot verify $ASSET; nothing was installed"
  exit 1
fi
if [ "$expected" != "$actual" ]; then
  err "checksum verification failed for $ASSET: nothing was installed"
  err "  expected (checksums.txt): $expected"
  err "  actual (downloaded file): $actual"
  exit 1
fi
echo "Checksum verified: $ASSET sha256 $actual"

chmod +x "$DOWNLOAD_DIR/$ASSET"
mv "$DOWNLOAD_DIR/$ASSET" "$DOWNLOAD_DIR/$BINARY_NAME$EXT"
if [ ! -d "$PACTO_INSTALL_DIR" ]; then
  runAsRoot mkdir -p "$PACTO_INSTALL_DIR"
fi
runAsRoot mv "$DOWNLOAD_DIR/$BINARY_NAME$EXT" "$PACTO_INSTALL_DIR/$BINARY_NAME$EXT"
echo "$BINARY_NAME installed to $PACTO_INSTALL_DIR/$BINARY_NAME$EXT"
"$PACTO_INSTALL_DIR/$BINARY_NAME$EXT" version || true
