#!/usr/bin/env bash
# Makes sure the schema sources the deploy tests validate against are in the Go module cache and
# prints one JSON object with their directories. Idempotent; needs the Go module proxy only the
# first time (afterwards the module cache answers offline). Each is a Go module at a pinned version:
#   k8s.io/kubernetes                   api/openapi-spec/swagger.json  (Kubernetes OpenAPI v2)
#   github.com/kedacore/keda/v2         config/crd/bases/*.yaml        (ScaledObject, TriggerAuthentication CRDs)
#   github.com/compose-spec/compose-go/v2  schema/compose-spec.json    (Compose specification schema)
set -euo pipefail

kubernetes_version=${AGAIR_KUBERNETES_VERSION:-v1.35.4}
keda_version=${AGAIR_KEDA_VERSION:-v2.21.0}
compose_go_version=${AGAIR_COMPOSE_GO_VERSION:-v2.16.2}

# outside any module or workspace, so nothing around the caller changes what is downloaded
cd "$(mktemp -d)"
trap 'rm -rf "$PWD"' EXIT
export GOFLAGS=-mod=mod GOWORK=off

dir_of() {
  go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p'
}
kubernetes=$(dir_of "k8s.io/kubernetes@$kubernetes_version")
keda=$(dir_of "github.com/kedacore/keda/v2@$keda_version")
compose_go=$(dir_of "github.com/compose-spec/compose-go/v2@$compose_go_version")
for d in "$kubernetes" "$keda" "$compose_go"; do
  [ -d "$d" ] || { echo "schemas.sh: go mod download gave no directory ($d)" >&2; exit 1; }
done
printf '{"kubernetesVersion":"%s","kubernetes":"%s","kedaVersion":"%s","keda":"%s","composeGoVersion":"%s","composeGo":"%s"}\n' \
  "$kubernetes_version" "$kubernetes" "$keda_version" "$keda" "$compose_go_version" "$compose_go"
