#!/usr/bin/env bash
# The audit a shell script would do: sequential git clone, then cat the pin file.
# Usage: clone-cat-loop.sh WORKDIR URL...
WORKDIR=$1; shift
for url in "$@"; do
  clone="$WORKDIR/$(basename "$url" .git)"
  rm -rf "$clone"
  git clone -q "$url" "$clone" && echo "$(basename "$url" .git) $(cat "$clone/.runtime-version" 2>/dev/null)"
done
