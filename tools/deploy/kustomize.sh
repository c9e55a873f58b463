#!/usr/bin/env bash
# Makes sure the pinned kustomize is built and prints its path. Idempotent: the binary is built
# once from its Go module (through the Go module proxy) into a cache outside the repository and
# reused afterwards. Needs Go >= 1.24 (the version the README asks for).
#
#   kustomize=$(bash tools/deploy/kustomize.sh) && "$kustomize" build k8s/overlays/dev
set -euo pipefail

version=${KUSTOMIZE_VERSION:-v5.8.1}
bin_dir=${AGAIR_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agair/bin}
bin="$bin_dir/kustomize-$version"

if [ ! -x "$bin" ]; then
  mkdir -p "$bin_dir"
  printf '[deploy] building kustomize %s (cached in %s)\n' "$version" "$bin_dir" >&2
  tmp_gobin=$(mktemp -d)
  trap 'rm -rf "$tmp_gobin"' EXIT
  # GOFLAGS=-mod=mod so a go.work or vendor dir around the caller cannot interfere
  GOBIN="$tmp_gobin" GOFLAGS=-mod=mod go install -trimpath "sigs.k8s.io/kustomize/kustomize/v5@$version" >&2
  mv "$tmp_gobin/kustomize" "$bin.tmp.$$"
  mv "$bin.tmp.$$" "$bin"
fi
printf '%s\n' "$bin"
