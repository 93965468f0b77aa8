#!/usr/bin/env bash
# Import rtsnap's image (make image) into a containerd, in the namespace the
# kubelet's CRI uses, so Jobs, DaemonSets and `kubectl debug node` find it
# without a registry:
#   deploy/import-image.sh bin/rtsnap-image.tar /run/containerd/containerd.sock [ctr]
set -euo pipefail
tar=${1:?usage: import-image.sh IMAGE.tar SOCKET [CTR]}
sock=${2:?usage: import-image.sh IMAGE.tar SOCKET [CTR]}
ctr=${3:-ctr}
[ -f "$tar" ] || { echo "import-image.sh: $tar: no such file (run make image)" >&2; exit 1; }
[ -S "$sock" ] || { echo "import-image.sh: $sock: not a socket" >&2; exit 1; }
# --all-platforms keeps the whole index, so the image digest is the same on
# every node whatever its architecture.
timeout 120 "$ctr" -a "$sock" -n k8s.io images import --all-platforms "$tar"
