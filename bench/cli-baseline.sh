#!/usr/bin/env bash
# The command-line way, for comparison with `rtsnap collect` (make bench):
# what an engineer (or a typical snapshot.sh) runs by hand to get the same
# facts, one command per container, then tar + zstd of the result.
# Usage: [CRICTL=PATH] cli-baseline.sh OUTDIR CTR:SOCKET... (e.g. /usr/bin/ctr:/run/containerd/containerd.sock)
set -uo pipefail
out=$1; shift
mkdir -p "$out"
for pair in "$@"; do
  ctr=${pair%%:*}; sock=${pair#*:}
  tag=$(basename "$(dirname "$sock")")
  for ns in $("$ctr" -a "$sock" namespaces ls -q 2>/dev/null); do
    d=$out/containerd/$tag/$ns; mkdir -p "$d"
    "$ctr" -a "$sock" -n "$ns" tasks ls > "$d/tasks.txt" 2>&1
    "$ctr" -a "$sock" -n "$ns" images ls > "$d/images.txt" 2>&1
    for id in $("$ctr" -a "$sock" -n "$ns" containers ls -q 2>/dev/null); do
      "$ctr" -a "$sock" -n "$ns" containers info "$id" > "$d/$id.json" 2>&1
    done
  done
done
# The CRI view, as the seed's snapshot.sh gets it (/work/shared/seeds/002:
# `crictl ps -a --quiet | xargs crictl inspect`), without its cut at 20:
# `crictl info` and `images`, `inspectp` per pod, `inspect` per container,
# one process each, as an engineer runs them. CRICTL is its path.
if [[ -n ${CRICTL:-} ]]; then
  for pair in "$@"; do
    sock=${pair#*:}
    tag=$(basename "$(dirname "$sock")")
    d=$out/cri/$tag; mkdir -p "$d"
    c=("$CRICTL" --runtime-endpoint "unix://$sock" --image-endpoint "unix://$sock" --timeout 10s)
    "${c[@]}" info > "$d/info.json" 2>&1
    "${c[@]}" images > "$d/images.txt" 2>&1
    for id in $("${c[@]}" pods -q 2>/dev/null); do
      "${c[@]}" inspectp "$id" > "$d/pod-$id.json" 2>&1
    done
    for id in $("${c[@]}" ps -aq 2>/dev/null); do
      "${c[@]}" inspect "$id" > "$d/$id.json" 2>&1
    done
  done
fi
# runc state and /proc of every container init, with its freezer state.
for st in /run/containerd/runc/*/*/state.json /run/docker/runtime-runc/*/*/state.json; do
  [[ -f $st ]] || continue
  id=$(basename "$(dirname "$st")"); d=$out/runc/$id; mkdir -p "$d"
  cat "$st" > "$d/state.json"
  pid=$(grep -o '"init_process_pid":[0-9]*' "$st" | cut -d: -f2)
  cat "/proc/$pid/status" > "$d/status" 2>&1
  cat "/proc/$pid/cgroup" > "$d/cgroup" 2>&1
  cg=$(awk -F: '$2 == "freezer" {print $3}' "/proc/$pid/cgroup" 2>/dev/null)
  cat "/sys/fs/cgroup/freezer$cg/freezer.state" > "$d/freezer.state" 2>&1
done
# Docker, one inspect per container.
mkdir -p "$out/docker"
docker ps -a > "$out/docker/ps.txt" 2>&1
for id in $(docker ps -aq --no-trunc); do
  docker inspect "$id" > "$out/docker/$id.json" 2>&1
done
# Journals.
mkdir -p "$out/journal"
for u in containerd docker kubelet; do
  journalctl --no-pager -o json --since -1h -u "$u" > "$out/journal/$u.json" 2>/dev/null
done
[[ -n ${JOURNAL_DIR:-} ]] && journalctl --no-pager -o json --directory "$JOURNAL_DIR" > "$out/journal/lab.json" 2>/dev/null
tar -C "$out" -cf - . | zstd -q -o "$out.tar.zst"
