#!/usr/bin/env bash
# Builds Kubernetes (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubelet, kubectl) and etcd from the Go module proxy with CGO_ENABLED=0 and
# caches the binaries under $RTSNAP_LAB_CACHE/kubernetes-VERSION, so later runs
# skip the build (cold: about 13 minutes on 2 cores).
# Usage: build-kubernetes.sh [K8S_VERSION [ETCD_VERSION]]
#
# `go install k8s.io/kubernetes/cmd/kubelet@vX` fails on kubernetes' own
# `replace k8s.io/X => ./staging/src/k8s.io/X` lines, so a throwaway wrapper
# module requires k8s.io/kubernetes and replaces every staging module with its
# published v0.MINOR.PATCH twin; the list is generated from kubernetes' go.mod,
# never written by hand, so it follows the version.
set -euo pipefail
version=${1:-1.34.4}
etcd_version=${2:-3.6.16}
cache=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
out="$cache/kubernetes-$version"
cmds=(kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl)
cached=1
for c in "${cmds[@]}" etcd; do [[ -x $out/$c ]] || cached=0; done
if ((cached)); then
  echo "kubernetes $version: cached in $out"
  exit 0
fi
export CGO_ENABLED=0 GOFLAGS=-mod=mod
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out.tmp"

# etcd: its server module's root package is main.
if [[ ! -x $out.tmp/etcd ]]; then
  mkdir "$work/etcd" && (
    cd "$work/etcd"
    go mod init rtsnap-lab/build-etcd >/dev/null 2>&1
    printf '//go:build tools\npackage tools\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
    go get "go.etcd.io/etcd/server/v3@v$etcd_version" >/dev/null
    go mod tidy >/dev/null
    go build -trimpath -o "$out.tmp/etcd" go.etcd.io/etcd/server/v3
  )
fi

minor=${version#*.}; minor=${minor%%.*}
mkdir "$work/k8s" && cd "$work/k8s"
go mod init rtsnap-lab/build-kubernetes >/dev/null 2>&1
modfile=$(go mod download -json "k8s.io/kubernetes@v$version" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
[[ -f $modfile ]] || { echo "no go.mod for k8s.io/kubernetes@v$version" >&2; exit 1; }
{
  echo "require k8s.io/kubernetes v$version"
  # Every `k8s.io/X => ./staging/src/k8s.io/X` becomes `k8s.io/X => k8s.io/X v0.MINOR.PATCH`.
  sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*#replace \1 => \1 v0.'"${version#*.}"'#p' "$modfile"
} >> go.mod
grep -c '^replace' go.mod | sed 's/^/staging replaces: /'
{
  echo '//go:build tools'
  echo 'package tools'
  echo 'import ('
  for c in "${cmds[@]}"; do echo "  _ \"k8s.io/kubernetes/cmd/$c\""; done
  echo ')'
} > tools.go
go mod tidy >/dev/null

# Version stamps, or nodes and `kubectl version` report v0.0.0-master.
commit=$(printf '%040d' 0)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=v$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ld+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
done
for c in "${cmds[@]}"; do
  [[ -x $out.tmp/$c ]] && continue
  go build -trimpath -ldflags "$ld" -o "$out.tmp/$c" "k8s.io/kubernetes/cmd/$c"
  echo "built $c"
done
rm -rf "$out"
mv "$out.tmp" "$out"
echo "kubernetes $version (etcd $etcd_version): built into $out"
