#!/usr/bin/env bash
# Builds containerd (daemon, runc v2 shim, ctr) of one version from the Go module
# proxy with CGO_ENABLED=0 and caches the binaries under $RTSNAP_LAB_CACHE, so
# later runs skip the build. Usage: build-containerd.sh 1.7.35|2.2.1
set -euo pipefail
version=${1:?usage: build-containerd.sh VERSION}
cache=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
out="$cache/containerd-$version"
if [[ -x $out/containerd && -x $out/containerd-shim-runc-v2 && -x $out/ctr ]]; then
  echo "containerd $version: cached in $out"
  exit 0
fi
mkdir -p "$out.tmp"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
case $version in
  2.*)
    for cmd in containerd containerd-shim-runc-v2 ctr; do
      GOBIN="$out.tmp" go install "github.com/containerd/containerd/v2/cmd/$cmd@v$version"
    done ;;
  1.7.*)
    # go install refuses 1.7 (its go.mod has exclude directives): build it
    # from a throwaway wrapper module that requires it.
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    cd "$work"
    go mod init rtsnap-lab/build-containerd >/dev/null 2>&1
    printf 'package main\nimport _ "github.com/containerd/containerd/cmd/ctr/app"\nfunc main(){}\n' > tools.go
    go get "github.com/containerd/containerd@v$version" >/dev/null
    for cmd in containerd containerd-shim-runc-v2 ctr; do
      go build -tags "no_btrfs no_devmapper no_zfs no_aufs" -o "$out.tmp/$cmd" \
        "github.com/containerd/containerd/cmd/$cmd"
    done ;;
  *) echo "unsupported containerd version $version" >&2; exit 2 ;;
esac
rm -rf "$out"
mv "$out.tmp" "$out"
echo "containerd $version: built into $out"
