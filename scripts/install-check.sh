#!/usr/bin/env bash
# npm run test:install: install pinbot the four ways the README documents, in a temporary
# directory, and run what got installed: a packed tarball and a git URL (a git+file:// clone
# of this checkout's HEAD, committed work only, stands in for the forge), each globally and as
# a dev dependency.
# Needs the npm cache or the registry for pinbot's dependencies; takes a few minutes
# (a git install builds pinbot with its dev dependencies).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/pinbot-install-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_prefer_offline=true
export OCLIF_SKIP_NEW_VERSION_CHECK=true
step() { printf '\n== %s\n' "$*"; }

step "pack a tarball of the built checkout (npm run test:install builds first)"
(cd "$root" && npm pack --silent --ignore-scripts --pack-destination "$work" >/dev/null)
tarball="$(ls "$work"/pinbot-*.tgz)"

step "clone HEAD for the git URL"
git clone -q --bare "$root" "$work/pinbot.git"
git_url="git+file://$work/pinbot.git#$(git -C "$root" rev-parse HEAD)"

printf '1.2.3\n' > "$work/.runtime-version"

global() { # NAME SPEC: install globally into a prefix of its own, run bin/pinbot
  step "global install from $1"
  npm install --silent --global --prefix "$work/global-$1" "$2"
  "$work/global-$1/bin/pinbot" --version
  "$work/global-$1/bin/pinbot" verify "$work/.runtime-version"
  "$work/global-$1/bin/pinbot" help verify | grep -q 'USAGE'
}

dev_dependency() { # NAME SPEC: a template repo with pinbot as a dev dependency; npx pinbot and its hook
  step "dev dependency from $1"
  local project="$work/project-$1"
  mkdir "$project" && cd "$project"
  git init -q -b main . && git config user.email dev@example.com && git config user.name Dev
  npm init -y >/dev/null
  npm install --silent --save-dev "$2"
  npx --no -- pinbot --version
  test -f node_modules/pinbot/manifest.schema.json   # the README's "$schema" path resolves
  test -f node_modules/pinbot/LICENSE
  test ! -e node_modules/pinbot/bin/dev.js
  npx --no -- pinbot hook install
  printf 'v1.2.3\n' > .runtime-version && git add .runtime-version
  if git commit -q -m 'bad pin' 2>/dev/null; then echo "the hook let a bad pin through" >&2; exit 1; fi
  printf '1.2.3\n' > .runtime-version && git add .runtime-version && git commit -q -m 'good pin'
  echo "the installed hook refused a bad pin and let a good one through"
  cd "$root"
}

global tarball "$tarball"
dev_dependency tarball "$tarball"
dev_dependency git "$git_url"
# npm install --global from a git URL runs pinbot's build without its dev dependencies (npm
# passes its global setting on to the install that prepares a git dependency), so the
# README packs the git URL first: npm pack clones and builds it with them.
step "pack the git URL"
mkdir "$work/from-git" && (cd "$work/from-git" && npm pack --silent "$git_url" >/dev/null)
global git "$(ls "$work"/from-git/pinbot-*.tgz)"
step "all four install paths work"
