# Sourced by kustomize.sh and promtool.sh: builds a pinned command from its Go module, once.
#
#   go_binary NAME PACKAGE VERSION [go install flags...]
#
# Makes sure $bin_dir/NAME-VERSION exists and prints its path. The binary is built with
# `go install PACKAGE@VERSION` (through the Go module proxy) into a cache outside the repository
# (AGAIR_BIN_DIR, default ~/.cache/agair/bin) and reused afterwards; build output goes to stderr.
go_binary() {
  local name=$1 package=$2 version=$3
  shift 3
  local bin_dir=${AGAIR_BIN_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agair/bin}
  local bin="$bin_dir/$name-$version"
  if [ ! -x "$bin" ]; then
    mkdir -p "$bin_dir"
    printf '[deploy] building %s %s (cached in %s)\n' "$name" "$version" "$bin_dir" >&2
    local tmp_gobin
    tmp_gobin=$(mktemp -d)
    # GOFLAGS=-mod=mod so a go.work or vendor dir around the caller cannot interfere
    if ! GOBIN="$tmp_gobin" GOFLAGS=-mod=mod go install -trimpath "$@" "$package@$version" >&2; then
      rm -rf "$tmp_gobin"
      return 1
    fi
    mv "$tmp_gobin/$name" "$bin.tmp.$$"
    rm -rf "$tmp_gobin"
    mv "$bin.tmp.$$" "$bin"
  fi
  printf '%s\n' "$bin"
}
