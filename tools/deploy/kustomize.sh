#!/usr/bin/env bash
# Makes sure the pinned kustomize is built and prints its path. Idempotent: the binary is built
# once from its Go module (through the Go module proxy) into a cache outside the repository and
# reused afterwards (tools/deploy/go-binary.sh). Needs Go >= 1.24 (the version the README asks for).
#
#   kustomize=$(bash tools/deploy/kustomize.sh) && "$kustomize" build k8s/overlays/dev
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh"

go_binary kustomize sigs.k8s.io/kustomize/kustomize/v5 "${KUSTOMIZE_VERSION:-v5.8.1}"
