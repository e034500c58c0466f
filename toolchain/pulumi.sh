#!/usr/bin/env bash
# Puts a real Pulumi CLI on disk and prints the directory that holds it (put it first on PATH):
#   pulumi                          the CLI, built from github.com/pulumi/pulumi/pkg/v3 at PULUMI_VERSION
#   pulumi-language-python          this project's language host (toolchain/pulumi/langhost: upstream's host
#                                   is a module the Go proxy does not serve)
#   pulumi-language-python-exec     the SDK's program runner, from the sdk/v3 module at the same release
#   pulumi-resource-pulumi-python   the SDK's dynamic provider launcher, likewise
# A `pulumi` already on PATH at PULUMI_VERSION or newer, with a Python language host beside it, is used as
# it is. Everything is cached outside the checkout ($POLARIS_EXCHANGE_CACHE, default
# ~/.cache/polaris-data-exchange); Go's module and build caches are Go's own. Downloads are retried.
set -euo pipefail

PULUMI_VERSION=v3.274.1
here="$(cd "$(dirname "$0")" && pwd)"
cache="${POLARIS_EXCHANGE_CACHE:-$HOME/.cache/polaris-data-exchange}"
bin="$cache/pulumi-$PULUMI_VERSION/bin"
# The sources of what is built: a change to any of them rebuilds.
stamp="$(cat "$here/pulumi/go.mod" "$here/pulumi/go.sum" "$here/pulumi/langhost/main.go" "$0" | sha256sum | cut -c1-16)"

log() { echo "toolchain/pulumi.sh: $*" >&2; }

version_at_least() {  # $1 >= $2, both vX.Y.Z
  [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]
}

if existing="$(command -v pulumi 2>/dev/null)" && [ "$existing" != "$bin/pulumi" ]; then
  found="$(pulumi version 2>/dev/null || true)"
  if [ -n "$found" ] && version_at_least "$found" "$PULUMI_VERSION" \
     && [ -x "$(dirname "$existing")/pulumi-language-python" ]; then
    log "using $existing ($found)"
    dirname "$existing"
    exit 0
  fi
fi

if [ -x "$bin/pulumi" ] && [ "$(cat "$bin/.stamp" 2>/dev/null)" = "$stamp" ]; then
  dirname "$bin/pulumi"
  exit 0
fi

[ -x /usr/local/go/bin/go ] && ! command -v go >/dev/null && PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { log "Go is needed to build the Pulumi CLI (none on PATH)"; exit 3; }
retry() {  # a slow or flaky registry must not fail the build: 5 tries, growing pauses
  local attempt
  for attempt in 1 2 3 4 5; do
    "$@" && return 0
    log "attempt $attempt of '$*' failed; retrying in $((attempt * 10)) s"
    sleep $((attempt * 10))
  done
  return 1
}

cd "$here/pulumi"
export GOFLAGS="-mod=readonly -buildvcs=false"
log "downloading the modules of Pulumi $PULUMI_VERSION (cached in $(go env GOMODCACHE))"
retry go mod download github.com/pulumi/pulumi/pkg/v3 github.com/pulumi/pulumi/sdk/v3
retry go list -deps ./langhost github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >/dev/null
mkdir -p "$bin.tmp"
log "building pulumi $PULUMI_VERSION and the Python language host"
go build -trimpath -o "$bin.tmp/pulumi" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build -trimpath -o "$bin.tmp/pulumi-language-python" -ldflags "-X main.version=${PULUMI_VERSION#v}" ./langhost
sdk="$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
install -m 0755 "$sdk/python/cmd/pulumi-language-python-exec" "$bin.tmp/"
install -m 0755 "$sdk/python/dist/pulumi-resource-pulumi-python" "$bin.tmp/"
echo "$stamp" > "$bin.tmp/.stamp"
rm -rf "$bin" && mv "$bin.tmp" "$bin"
log "ready: $("$bin/pulumi" version)"
echo "$bin"
