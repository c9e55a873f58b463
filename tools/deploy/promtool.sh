#!/usr/bin/env bash
# Makes sure the pinned promtool is built and prints its path. Idempotent: the binary is built
# once from its Go module (through the Go module proxy) into a cache outside the repository and
# reused afterwards (tools/deploy/go-binary.sh). Needs Go >= 1.26.7, which Prometheus v0.316's
# go.mod asks for (with GOTOOLCHAIN=local an older Go stops with that message).
#
#   promtool=$(bash tools/deploy/promtool.sh) && "$promtool" test rules docker/prometheus/alerts.test.yml
#
# Prometheus tags its Go module v0.3xx.y for release 3.xx.y. The tag remove_all_sd leaves out the
# optional service discoveries (cloud SDKs), which checking and testing rules never use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/go-binary.sh"

go_binary promtool github.com/prometheus/prometheus/cmd/promtool "${PROMTOOL_VERSION:-v0.316.0}" -tags remove_all_sd
