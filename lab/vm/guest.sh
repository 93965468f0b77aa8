#!/bin/sh
# Runs inside the cgroup v2 guest (rtsnap-vm.service, after containerd), from
# the 9p share. Stages one container per case through Debian's ctr with
# runc's systemd cgroup driver (scopes under kubepods slices, as kubelet's
# systemd driver makes them), then runs the static rtsnap and copies the
# bundle onto the share. Every step is bounded (timeout); the host reads
# $S/status and $S/guest.log.
S=/mnt/share
NS=rtsnap-v2
IMAGE=docker.io/library/busybox:latest
exec >"$S/guest.log" 2>&1
set -u
step() { echo "== $(date +%T) $*"; }
ctr_() { timeout 60 ctr -n "$NS" "$@"; }
fail() { echo "FAIL: $*"; echo "fail $*" >"$S/status"; exit 1; }
echo booted >"$S/ready"
step "cgroup: $(stat -fc %T /sys/fs/cgroup), kernel $(uname -r), $(containerd --version)"
i=0
until timeout 5 ctr version >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 60 ] && fail "containerd does not answer"
  sleep 1
done
ctr_ images import --index-name "$IMAGE" "$S/busybox-oci.tar" || fail "image import"

# run NAME SLICE [ctr run flags...] -- CMD...: a detached container whose
# cgroup is the scope cri-containerd-NAME.scope in SLICE (runc asks systemd).
run() {
  name=$1 slice=$2; shift 2
  flags=""
  while [ "$1" != "--" ]; do flags="$flags $1"; shift; done
  shift
  # shellcheck disable=SC2086
  ctr_ run -d --runc-systemd-cgroup --cgroup "$slice:cri-containerd:$name" \
    --label rtsnap.vm="$name" $flags "$IMAGE" "$name" "$@" || fail "run $name"
}
scope() { echo "/sys/fs/cgroup/$(grep '^0::' "/proc/$(ctr_ tasks ls | awk -v n="$1" '$1 == n {print $2}')/cgroup" | cut -d: -f3)"; }

POD=kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b.slice
step "healthy"
run v2-healthy "$POD" -- /bin/sleep 2147483647
step "frozen (ctr tasks pause)"
run v2-frozen "$POD" -- /bin/sleep 2147483647
ctr_ tasks pause v2-frozen || fail "pause"
step "OOM: 16 MiB limit, tail /dev/zero (the shell survives, so the cgroup stays)"
run v2-oom "$POD" --memory-limit 16777216 -- /bin/sh -c 'tail /dev/zero; exec sleep 2147483647'
step "pids: pids.max 8 on its scope, then a fork loop exec'd into it"
# The loop runs as an exec'd process: busybox sh exits at its first refused
# fork ("can't fork"), and as the init it would take the container (and its
# cgroup) with it. The init sleeps on; the loop's children keep the cgroup
# at its limit.
run v2-pids "$POD" -- /bin/sleep 2147483647
P=$(scope v2-pids)
echo 8 >"$P/pids.max" || fail "pids.max"
ctr_ tasks exec --exec-id forkloop v2-pids /bin/sh -c 'i=0; while [ $i -lt 40 ]; do sleep 2147483647 & i=$((i+1)); done' ||
  echo "fork loop ended: $? (refused forks end it)"
step "CPU: cpu.max 10000 100000, busy loop"
run v2-cpu "$POD" --cpu-quota 10000 --cpu-period 100000 -- /bin/sh -c 'while :; do :; done'

# Wait (bounded by the clock) for every case to reach its state; one that
# does not is left for the host test to report, with the files shown here.
OOM=$(scope v2-oom) CPU=$(scope v2-cpu) FROZEN=$(scope v2-frozen)
deadline=$(($(date +%s) + 90))
until grep -qs '^oom_kill [1-9]' "$OOM/memory.events" && grep -qs '^max [1-9]' "$P/pids.events" &&
  grep -qs '^nr_throttled [1-9]' "$CPU/cpu.stat" && grep -qs '^frozen 1' "$FROZEN/cgroup.events"; do
  [ "$(date +%s)" -gt $deadline ] && { echo "WARN: not every case reached its state in 90 s"; break; }
  sleep 1
done
for n in v2-healthy v2-frozen v2-oom v2-pids v2-cpu; do
  d=$(scope $n); echo "$n $d"
  for f in cgroup.events memory.events pids.current pids.max pids.events cpu.max cpu.stat; do echo "  $f: $(tr '\n' ' ' <"$d/$f")"; done
done
echo "pod slice subtree_control: $(cat "$(dirname "$P")/cgroup.subtree_control")"
ctr_ tasks ls

step "rtsnap collect"
mkdir -p /run/rtsnap
timeout 600 "$S/rtsnap" collect -o /run/rtsnap --case-id VM-V2 --note "cgroup v2 guest" -S boot \
  --timeout 8m --source-timeout 4m --call-timeout 60s --retain 0 --json >"$S/collect.json" || fail "rtsnap collect exit $?"
mkdir -p "$S/bundle"
cp /run/rtsnap/* "$S/bundle/" || fail "copy bundle"
step "done"
echo ok >"$S/status"
