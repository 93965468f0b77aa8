#!/usr/bin/env bash
# demo.sh: the main job end to end on the lab (make demo). Collects a bundle
# from the healthy lab, stages the "paused" fault (a frozen task) and collects
# again, then shows what rtsnap-analyze makes of them: inspect, findings, the
# diff between the two, and an HTML and a Markdown report. Then the Kubernetes
# part: rtsnap's image imported into the lab cluster's nodes, a crash-looping
# pod staged through the API, `rtsnap fleet` over every node (one Job each,
# bundles copied back and verified) and the node-by-finding matrix.
# Needs root, a running lab (make lab-up) and the binaries (make build).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN=$REPO/bin
OUT=${RTSNAP_DEMO_OUT:-/dev/shm/rtsnap-demo}

eval "$(bash "$HERE/lab.sh" env)"
mkdir -p "$OUT"
chmod 0700 "$OUT"

# collect TAG: one bundle from the lab's three containerd daemons, Docker and
# its journal; prints the archive's path.
collect() {
  "$BIN/rtsnap" collect --output "$OUT" --retain 0 --json --case-id "DEMO-$1" --note "rtsnap demo: $1 lab" \
    --runtime-endpoint "unix://$RTSNAP_LAB_CD16_SOCK" --runtime-endpoint "unix://$RTSNAP_LAB_CD17_SOCK" \
    --runtime-endpoint "unix://$RTSNAP_LAB_CD2_SOCK" --docker-socket "$RTSNAP_LAB_DOCKER_SOCK" \
    --journal-dir "$RTSNAP_LAB_JOURNAL_DIR" | sed -n 's/.*"path": *"\([^"]*\)".*/\1/p' | head -1
}

# analyze runs one analyzer command; its exit code says the worst severity
# (1 warnings, 2 errors), which is the point of the demo, not a failure.
# Only 3 (unreadable bundle) and 64 (usage) stop it.
analyze() {
  local rc=0
  "$BIN/rtsnap-analyze" "$@" || rc=$?
  ((rc <= 2)) || { echo "rtsnap-analyze $1 failed with exit code $rc" >&2; exit "$rc"; }
}

banner() { printf '\n=== %s\n\n' "$*"; }

banner "rtsnap collect: the healthy lab"
healthy=$(collect healthy)
[[ -n $healthy ]] || { echo "collect printed no archive path" >&2; exit 1; }
echo "$healthy"

banner "rtsnap collect: the lab with a frozen task (fault 'paused')"
bash "$HERE/lab.sh" fault paused on
trap 'bash "$HERE/lab.sh" fault paused off' EXIT
paused=$(collect paused)
bash "$HERE/lab.sh" fault paused off
trap - EXIT
echo "$paused"

banner "rtsnap-analyze verify"
analyze verify "$paused"

banner "rtsnap-analyze inspect (the paused lab)"
analyze inspect "$paused"

banner "rtsnap-analyze diff healthy -> paused"
analyze diff "$healthy" "$paused"

banner "rtsnap-analyze findings (both bundles: the node-by-finding matrix)"
analyze findings "$healthy" "$paused"

analyze report --against "$healthy" -o "$OUT/report.html" "$paused"
analyze report --markdown --against "$healthy" -o "$OUT/report.md" "$paused"
# The Kubernetes part (the lab runs a cluster unless RTSNAP_LAB_K8S=0).
fleetdir=
if [[ -n ${RTSNAP_LAB_KUBECONFIG:-} ]]; then
  kubectl() { "$RTSNAP_LAB_KUBECTL" --kubeconfig "$RTSNAP_LAB_KUBECONFIG" "$@"; }
  image=rtsnap.local/rtsnap:demo
  banner "Kubernetes: make image, imported into each node's containerd"
  make -s -C "$REPO" image IMAGE="$image" >/dev/null
  for node in ${RTSNAP_LAB_K8S_NODES//,/ }; do
    var=RTSNAP_LAB_NODE_$(tr 'a-z.-' 'A-Z__' <<<"$node")_SOCK
    sock=${!var}
    # the daemon's own ctr: a 2.x ctr imports into 1.7 but its CRI does not see the image
    ctr=$RTSNAP_LAB_CD2_CTR
    [[ $sock == */k8s17/* ]] && ctr=$RTSNAP_LAB_CD17_CTR
    bash "$REPO/deploy/import-image.sh" "$REPO/bin/rtsnap-image.tar" "$sock" "$ctr" >/dev/null
    echo "$node: $image imported through $sock"
  done
  kubectl apply -k "$REPO/deploy" >/dev/null
  banner "Kubernetes: a crash-looping pod (fault 'k8s-crashloop', through the API)"
  bash "$HERE/lab.sh" fault k8s-crashloop on
  trap 'bash "$HERE/lab.sh" fault k8s-crashloop off' EXIT
  sleep 30 # two restarts: kubelet says CrashLoopBackOff
  kubectl get pods -A -o wide
  banner "rtsnap fleet: one Job per node, bundles copied back through the API"
  fleetdir=$OUT/fleet-$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$fleetdir"
  # The containerd nodes, where the image was imported: the CRI-O and
  # cri-dockerd nodes (lab-crio, lab-dockerd) have no registry to pull it from.
  nodeargs=(); for node in ${RTSNAP_LAB_K8S_NODES//,/ }; do nodeargs+=(--node "$node"); done
  "$BIN/rtsnap" fleet --kubeconfig "$RTSNAP_LAB_KUBECONFIG" --image "$image" --output "$fleetdir" "${nodeargs[@]}" --collect-arg=--since=30m
  bash "$HERE/lab.sh" fault k8s-crashloop off
  trap - EXIT
  banner "rtsnap-analyze findings $fleetdir (the node-by-finding matrix of the cluster)"
  analyze findings "$fleetdir"
fi

banner "reports"
echo "HTML:     $OUT/report.html (self-contained; open it in a browser)"
echo "Markdown: $OUT/report.md (for a support ticket)"
echo "Bundles:  $healthy"
echo "          $paused"
[[ -z $fleetdir ]] || echo "Fleet:    $fleetdir (one bundle per Kubernetes node)"
echo "They live on a tmpfs (RAM): copy them off, then rm -r $OUT"
