#!/usr/bin/env bash
# Installs code-server 4.100.3 (= VS Code 1.100.3: server + web workbench) from the npm registry
# into .code-server/, for the integration and UI tests and for `npm start` without a desktop VS Code.
# Works offline (only the npm registry and Debian's packages are reachable) and as root.
#
# Usage: bash scripts/install-code-server.sh        (npm run setup:code-server)
#   CODE_SERVER_DIR  where to install (default: <repo>/.code-server, gitignored)
#   FORCE=1          reinstall even if the right version is already there
#
# Idempotent: a finished install leaves a stamp file; with the stamp present this exits at once.
# Why 4.100.3: it is the newest code-server whose postinstall accepts Node 20 (4.103+ need 22),
# so the extension's engines.vscode and @types/vscode stay at ^1.100.0.
set -euo pipefail

readonly CS_VERSION=4.100.3
# @vscode/ripgrep as pinned by code-server 4.100.3, and the ripgrep build its postinstall wants
# (its lib/postinstall.js names the asset by version and target).
readonly RG_PKG_VERSION=1.15.11
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) printf 'install-code-server: no ripgrep target known for %s\n' "$(uname -m)" >&2; exit 1 ;;
esac
readonly RG_ASSET="ripgrep-v13.0.0-10-$rg_target.tar.gz"

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cs_dir="${CODE_SERVER_DIR:-$repo/.code-server}"
mkdir -p "$cs_dir"
cs_dir="$(cd "$cs_dir" && pwd)"
stamp="$cs_dir/.installed-$CS_VERSION"
bin="$cs_dir/node_modules/.bin/code-server"

say() { printf 'install-code-server: %s\n' "$*"; }
die() { printf 'install-code-server: %s\n' "$*" >&2; exit 1; }

if [ -z "${FORCE:-}" ] && [ -f "$stamp" ] && [ -x "$bin" ]; then
  say "code-server $CS_VERSION already installed in $cs_dir"
  exit 0
fi

# code-server's postinstall refuses other Node majors: say so before npm downloads 300 MB.
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || die "code-server $CS_VERSION needs Node 20, this is Node $(node --version)"

# Debian packages: ripgrep replaces a GitHub download (below); libkrb5-dev, python3, make and g++
# compile the native modules (kerberos, argon2, node-pty, spdlog...) whose prebuilt binaries live
# on GitHub. .ci/run installs them from .ci/apt-packages; here we only install what is missing.
need=()
for p in ripgrep libkrb5-dev python3 make g++; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
  else
    die "missing Debian packages: ${need[*]} (run: sudo apt-get install ${need[*]})"
  fi
fi
[ -x /usr/bin/rg ] || die "/usr/bin/rg not found although ripgrep is installed"

# @vscode/ripgrep's postinstall downloads rg from GitHub unless its cache already holds the asset:
# seed the cache with Debian's rg (13.0.0, the same release as the prebuilt v13.0.0-10).
rg_cache="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_PKG_VERSION"
if [ ! -s "$rg_cache/$RG_ASSET" ]; then
  say "seeding the ripgrep cache with /usr/bin/rg"
  mkdir -p "$rg_cache"
  tmp="$(mktemp -d)"
  cp /usr/bin/rg "$tmp/rg"
  tar czf "$rg_cache/$RG_ASSET.part" -C "$tmp" rg
  mv "$rg_cache/$RG_ASSET.part" "$rg_cache/$RG_ASSET"
  rm -rf "$tmp"
fi

rm -f "$cs_dir"/.installed-*
[ -f "$cs_dir/package.json" ] || printf '{ "name": "code-server-host", "private": true }\n' > "$cs_dir/package.json"

# npm_config_yes=true: node-pty's postinstall runs `npx node-gyp`, and npx may be set to refuse
#   installs (yes=false in this machine's npmrc).
# --unsafe-perm: code-server's postinstall refuses to run as root without it (npm 11 warns that
#   the flag is unknown, and honours it all the same).
# The user's npmrc stays in force (HOME is not changed here): it can carry nodedir, which
#   node-gyp needs to build without downloading Node's headers.
say "npm install code-server@$CS_VERSION into $cs_dir (under a minute with a warm npm cache; compiles native modules)"
t0=$SECONDS
(cd "$cs_dir" && npm_config_yes=true npm install --unsafe-perm --no-audit --no-fund --loglevel=error \
  "code-server@$CS_VERSION")
[ -x "$bin" ] || die "npm install finished but $bin is missing"

# Smoke check. code-server writes ~/.config/code-server even for --version: give it a scratch HOME.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
version="$(HOME="$scratch" XDG_CONFIG_HOME="$scratch/config" XDG_DATA_HOME="$scratch/data" \
  XDG_CACHE_HOME="$scratch/cache" "$bin" --version 2>/dev/null | grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+ ' || true)"
case "$version" in
  "$CS_VERSION "*) ;;
  *) die "code-server --version printed '$version', expected $CS_VERSION" ;;
esac
[ -x "$cs_dir/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
  || say "warning: code-server's bundled rg is missing; search in the workbench will not work"

touch "$stamp"
say "installed code-server $version in $cs_dir in $((SECONDS - t0)) s"
