#!/usr/bin/env bash
# The strong hand-written alternative: the same loop with shallow single-branch clones,
# run in parallel with xargs -P at pinbot's concurrency. Idempotent like the seed (no
# commit when the file already holds VERSION). Usage: shallow-loop.sh VERSION WORKDIR PARALLEL URL...
set +e
VERSION=$1; WORKDIR=$2; PARALLEL=$3; shift 3
pin_one() {
  url=$1
  clone="$WORKDIR/$(basename "$url" .git)"
  rm -rf "$clone"
  git clone -q --depth 1 --single-branch "$url" "$clone" || return 1
  cd "$clone" || return 1
  for attempt in 1 2 3; do
    echo "$VERSION" > .runtime-version
    git diff --quiet -- .runtime-version && return 0
    git commit -q -am "chore: pin runtime to $VERSION" || return 1
    git push -q origin HEAD 2>/dev/null && return 0
    git fetch -q --depth 1 origin && git reset -q --hard FETCH_HEAD
  done
  return 1
}
export -f pin_one
export VERSION WORKDIR
printf '%s\n' "$@" | xargs -P "$PARALLEL" -I{} bash -c 'pin_one "$1"' _ {}
