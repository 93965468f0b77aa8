#!/usr/bin/env bash
# Builds CRI-O (crio, pinns) of one version from the Go module proxy and caches
# the binaries under $RTSNAP_LAB_CACHE/crio-VERSION, like build-containerd.sh.
# The proxy refuses version lists, so `go install` cannot resolve it: a
# throwaway wrapper module takes upstream's go.mod (its requires and replaces
# count only in the main module) and go.sum (the checksum database lacks a few
# of its dependencies). crio needs cgo for libseccomp; pinns is C (static).
# Usage: build-crio.sh 1.34.0
set -euo pipefail
version=${1:?usage: build-crio.sh VERSION}
cache=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
out="$cache/crio-$version"
if [[ -x $out/crio && -x $out/pinns ]]; then
  echo "crio $version: cached in $out"
  exit 0
fi
dpkg -s libseccomp-dev >/dev/null 2>&1 || { echo "build-crio: libseccomp-dev is not installed (lab.sh install)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work" "$out.tmp"' EXIT
cd "$work"
go mod init rtsnap-lab/build-crio >/dev/null 2>&1
src=$(GOFLAGS=-mod=mod go mod download -json "github.com/cri-o/cri-o@v$version" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[[ -d $src ]] || { echo "build-crio: could not download cri-o v$version" >&2; exit 1; }
# The wrapper: upstream's go.mod under our module name, plus cri-o itself.
sed -e 's#^module github.com/cri-o/cri-o$#module rtsnap-lab/build-crio#' "$src/go.mod" > go.mod
printf '\nrequire github.com/cri-o/cri-o v%s\n' "$version" >> go.mod
cp "$src/go.sum" go.sum
chmod u+w go.mod go.sum
printf 'package main\nimport _ "github.com/cri-o/cri-o/cmd/crio"\nfunc main(){}\n' > tools.go
GOFLAGS=-mod=mod go mod download github.com/cri-o/cri-o >/dev/null
mkdir -p "$out.tmp"
tags="containers_image_ostree_stub containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper seccomp"
CGO_ENABLED=1 GOFLAGS=-mod=mod go build -trimpath -tags "$tags" \
  -o "$out.tmp/crio" github.com/cri-o/cri-o/cmd/crio
gcc -static -O2 -o "$out.tmp/pinns" "$src"/pinns/src/*.c
rm -rf "$out"
mv "$out.tmp" "$out"
echo "crio $version: built into $out"
