#!/usr/bin/env bash
# Builds a platform-specific VS Code package with the language server inside (server/pacto), the
# way rust-analyzer ships: one .vsix per target, each carrying the binary for that platform. The
# extension finds the bundled binary when pacto.server.path is not set (before looking on PATH).
#
# Usage: editors/vscode/scripts/package-platform.sh [TARGET] [PACTO_BINARY]
#   TARGET        a vsce target (default: the current machine's, e.g. linux-x64). Others:
#                 win32-x64 win32-arm64 linux-arm64 linux-armhf darwin-x64 darwin-arm64 alpine-x64
#   PACTO_BINARY  the pacto binary built for TARGET (default: target/release/pacto of this
#                 repository, built with `cargo build --release -p pacto-cli` when missing and
#                 TARGET is the current machine's). Cross builds: build with
#                 `cargo build --release -p pacto-cli --target <rust triple>` first and pass the path.
# Output: editors/vscode/pacto-vscode-TARGET.vsix. The universal package without a server is
# `npm run package` (pacto-vscode.vsix), which uses pacto.server.path or pacto on PATH.
set -euo pipefail
ext="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "$ext/../.." && pwd)"

host_target() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux; if ldd --version 2>&1 | grep -qi musl; then os=alpine; fi ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN*) os=win32 ;;
    *) echo "unsupported OS $(uname -s)" >&2; exit 2 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    armv7l) arch=armhf ;;
    *) echo "unsupported machine $(uname -m)" >&2; exit 2 ;;
  esac
  echo "$os-$arch"
}

host="$(host_target)"
target="${1:-$host}"
exe=pacto
case "$target" in win32-*) exe=pacto.exe ;; esac
binary="${2:-$repo/target/release/$exe}"

if [ ! -x "$binary" ]; then
  if [ "$target" != "$host" ] || [ $# -ge 2 ]; then
    echo "no pacto binary at $binary (build it for $target and pass its path)" >&2
    exit 1
  fi
  (cd "$repo" && cargo build --release -p pacto-cli)
fi
if [ "$target" = "$host" ]; then
  "$binary" --version >/dev/null || { echo "$binary does not run" >&2; exit 1; }
fi

cd "$ext"
[ -d node_modules ] || npm ci --no-audit --no-fund
rm -rf server && mkdir -p server
cp "$binary" "server/$exe"
chmod +x "server/$exe"
trap 'rm -rf "$ext/server"' EXIT
npx vsce package --skip-license --target "$target" -o "pacto-vscode-$target.vsix"
echo "packaged $ext/pacto-vscode-$target.vsix (server: $binary)"
