#!/usr/bin/env bash
# Builds dockerd 28.5.2 (with docker-proxy) and cri-dockerd 0.4.0 from the Go module
# proxy and caches the binaries under $RTSNAP_LAB_CACHE (docker-28.5.2,
# cri-dockerd-0.4.0), so later runs skip the build.
#
# Neither builds with `go install` here: moby has no go.mod (its vendor.mod and
# vendor.sum become a wrapper module's go.mod and go.sum), and cri-dockerd's
# go.mod has replace directives. Each wrapper's go.sum starts from upstream's,
# because the checksum database lacks a few of their dependencies.
# The docker CLI stays Debian's: github.com/docker/cli is served at 29.x only.
# Usage: build-cridockerd.sh [docker|cri-dockerd|all]
set -euo pipefail
DOCKER_VERSION=28.5.2
CRIDOCKERD_VERSION=0.4.0
cache=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
what=${1:-all}

# moddir MODULE@VERSION downloads a module and prints its directory.
moddir() { go mod download -json "$1" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'; }

build_docker() {
  local out=$cache/docker-$DOCKER_VERSION
  if [[ -x $out/dockerd && -x $out/docker-proxy ]]; then
    echo "docker $DOCKER_VERSION: cached in $out"; return 0
  fi
  local work src; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  src=$(cd "$work" && GOFLAGS=-mod=mod moddir "github.com/docker/docker@v$DOCKER_VERSION+incompatible")
  [[ -f $src/vendor.mod ]] || { echo "docker $DOCKER_VERSION: no vendor.mod in $src" >&2; return 1; }
  sed -e 's#^module github.com/docker/docker$#module rtsnap-lab/build-docker#' "$src/vendor.mod" > "$work/go.mod"
  printf '\nrequire github.com/docker/docker v%s+incompatible\n' "$DOCKER_VERSION" >> "$work/go.mod"
  cp "$src/vendor.sum" "$work/go.sum"
  mkdir -p "$out.tmp"
  local x=github.com/docker/docker/dockerversion
  local ld="-X $x.Version=$DOCKER_VERSION -X $x.GitCommit=v$DOCKER_VERSION -X $x.PlatformName=rtsnap-lab -X $x.ProductName=docker"
  (cd "$work" && export CGO_ENABLED=1 GOFLAGS=-mod=mod &&
    go build -trimpath -tags exclude_graphdriver_btrfs -ldflags "$ld" -o "$out.tmp/dockerd" github.com/docker/docker/cmd/dockerd &&
    go build -trimpath -o "$out.tmp/docker-proxy" github.com/docker/docker/cmd/docker-proxy)
  rm -rf "$out"; mv "$out.tmp" "$out"
  echo "docker $DOCKER_VERSION: built into $out"
}

build_cridockerd() {
  local out=$cache/cri-dockerd-$CRIDOCKERD_VERSION
  if [[ -x $out/cri-dockerd ]]; then
    echo "cri-dockerd $CRIDOCKERD_VERSION: cached in $out"; return 0
  fi
  local work src; work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  src=$(cd "$work" && GOFLAGS=-mod=mod moddir "github.com/Mirantis/cri-dockerd@v$CRIDOCKERD_VERSION")
  sed -e 's#^module github.com/Mirantis/cri-dockerd$#module rtsnap-lab/build-cri-dockerd#' "$src/go.mod" > "$work/go.mod"
  printf '\nrequire github.com/Mirantis/cri-dockerd v%s\n' "$CRIDOCKERD_VERSION" >> "$work/go.mod"
  cp "$src/go.sum" "$work/go.sum"
  mkdir -p "$out.tmp"
  local x=github.com/Mirantis/cri-dockerd/cmd/version
  (cd "$work" && export CGO_ENABLED=0 GOFLAGS=-mod=mod &&
    go build -trimpath -ldflags "-X $x.Version=$CRIDOCKERD_VERSION -X $x.GitCommit=v$CRIDOCKERD_VERSION" \
      -o "$out.tmp/cri-dockerd" github.com/Mirantis/cri-dockerd)
  rm -rf "$out"; mv "$out.tmp" "$out"
  echo "cri-dockerd $CRIDOCKERD_VERSION: built into $out"
}

case $what in
  docker) build_docker ;;
  cri-dockerd) build_cridockerd ;;
  all) build_docker; build_cridockerd ;;
  *) echo "usage: build-cridockerd.sh [docker|cri-dockerd|all]" >&2; exit 2 ;;
esac
