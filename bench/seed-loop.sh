#!/usr/bin/env bash
# The seed's cascade (shared/seed-pr-20.txt, section 2), reproduced with the real git CLI:
# sequential full clone, then up to 3 tries of pull --rebase, write, commit, push.
# Usage: seed-loop.sh VERSION WORKDIR URL...
set +e
VERSION=$1; WORKDIR=$2; shift 2
FAILED=""
for url in "$@"; do
  tpl=$(basename "$url" .git)
  CLONE="$WORKDIR/$tpl"
  rm -rf "$CLONE"
  if ! git clone -q "$url" "$CLONE"; then FAILED="$FAILED $tpl"; continue; fi
  for attempt in 1 2 3; do
    cd "$CLONE"
    git pull -q --rebase origin main
    echo "$VERSION" > .runtime-version
    if ! git diff --quiet -- .runtime-version; then
      git add .runtime-version
      git commit -q -m "chore: pin runtime to $VERSION (publish-runtime cascade)"
    fi
    if git push -q origin main 2>&1; then
      break
    fi
    if [ $attempt -eq 3 ]; then
      FAILED="$FAILED $tpl"
      break
    fi
  done
  cd - >/dev/null
done
[ -z "$FAILED" ] || { echo "failed:$FAILED" >&2; exit 1; }
