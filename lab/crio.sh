#!/usr/bin/env bash
# CRI-O in rtsnap's runtime lab: CRI-O 1.34.0 (built from the Go module proxy by
# build-crio.sh) with Debian's conmon and runc, its own config, storage, CNI
# network and socket, pods made through CRI by labctl, and its faults.
#
# Usage: crio.sh up|down|status|env|fault NAME on|off   (lab.sh calls it)
#        crio.sh node-up|node-down|status   with CRIO_NAME etc. set (k8s.sh calls it)
# Touches only $ROOT, $RUN, its log under $LOGS and the daemon it started.
#
# CRIO_NAME (default crio) names the instance: its root, runroot, socket, log
# and CNI network all follow it, so a second CRI-O (k8s.sh's k8scrio, the
# lab-crio kubelet's runtime) runs next to this one without sharing anything:
# a kubelet stops every pod its API server does not know, which would take
# the CRI-made pods of this lab. CRIO_BRIDGE, CRIO_SUBNET: its CNI network;
# CRIO_EXTRA_IMAGES: more names for the busybox image (the kubelet's workloads).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=cni.sh
source "$HERE/cni.sh"
CACHE=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
VERSION=1.34.0
BIN=$CACHE/crio-$VERSION
NAME=${CRIO_NAME:-crio}
ROOT=/var/lib/rtsnap-lab/$NAME
RUN=/run/rtsnap-lab/$NAME
# CRI-O's own CNI network: off the other lab daemons' 10.231.0.0/16 and the
# Kubernetes nodes' 10.232.N.0/24, cri-dockerd's 10.234.0.0/16.
CNI_BRIDGE=${CRIO_BRIDGE:-rtsnapcrio0}
CNI_SUBNET=${CRIO_SUBNET:-10.233.0.0/16}
LOGS=/var/log/rtsnap-lab
LOG=$LOGS/$NAME.log
SOCK=$RUN/crio.sock
CONF=$ROOT/crio.conf
CONFD=$ROOT/crio.conf.d
PIDF=$RUN/daemon.pid
# The same image name the containerd lab uses, so labctl's defaults fit.
IMAGE=docker.io/library/busybox:latest
INFRA=rtsnap.local/pause:1
STORE="overlay@$ROOT/storage+$RUN/storage"
PLANTED=$HERE/planted-secrets.txt
TAG=crio

log() { printf '[lab crio %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}
alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
# Its own labctl build: the shared one is whatever worktree ran lab.sh up last.
LABCTL=$CACHE/labctl-crio
labctl() { local c=$1; shift; timeout 120 "$LABCTL" "$c" "$@" --own-pid-ns; }
answers() { timeout 5 curl -sf --unix-socket "$SOCK" http://crio/info; }

# write_runc_wrapper: CRI-O hard-codes oom_score_adj -998 for sandboxes, which
# this machine refuses (runc then fails "write /proc/self/oom_score_adj:
# permission denied"); the wrapper rewrites a negative oomScoreAdj in the
# bundle's config.json to 0 before it execs runc (LAB-NOTES). Kubelet also
# asks hugepage limits for every container; with no v1 hugetlb hierarchy
# mounted (this host: hugetlb is enabled but attached nowhere) runc then fails
# "cannot set hugetlb limit: container could not join or create cgroup".
# containerd drops the limits when the controller is absent, CRI-O 1.34 does
# not: the wrapper deletes them, as containerd would.
write_runc_wrapper() {
  mkdir -p "$ROOT/bin"
  cat > "$ROOT/bin/runc.tmp" <<'SH'
#!/bin/sh
# rtsnap lab: runc with negative oomScoreAdj in the bundle rewritten to 0.
bundle=
prev=
for a in "$@"; do
  case $prev in --bundle|-b) bundle=$a ;; esac
  case $a in --bundle=*) bundle=${a#--bundle=} ;; esac
  prev=$a
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  sed -i -E 's/"oomScoreAdj": ?-[0-9]+/"oomScoreAdj":0/g' "$bundle/config.json"
  if [ ! -d /sys/fs/cgroup/hugetlb ] && [ ! -f /sys/fs/cgroup/cgroup.controllers ] &&
    grep -q '"hugepageLimits"' "$bundle/config.json"; then
    jq -c 'del(.linux.resources.hugepageLimits)' "$bundle/config.json" > "$bundle/config.json.rtsnap" &&
      mv "$bundle/config.json.rtsnap" "$bundle/config.json"
  fi
fi
exec /usr/sbin/runc "$@"
SH
  chmod 755 "$ROOT/bin/runc.tmp"
  mv "$ROOT/bin/runc.tmp" "$ROOT/bin/runc"
}

write_config() {
  mkdir -p "$ROOT" "$RUN" "$CONFD" "$ROOT/cni/net.d" "$LOGS"
  # The main file: where everything lives, none of it under CRI-O's default
  # paths (another CRI-O on the node must not see the lab's).
  cat > "$CONF.tmp" <<TOML
# rtsnap lab CRI-O $VERSION (lab/crio.sh)
[crio]
root = "$ROOT/storage"
runroot = "$RUN/storage"
storage_driver = "overlay"
log_dir = "$ROOT/pods"
version_file = "$RUN/version"
version_file_persist = "$ROOT/version"
clean_shutdown_file = "$ROOT/clean.shutdown"

[crio.api]
listen = "$SOCK"

[crio.runtime]
container_exits_dir = "$RUN/exits"
container_attach_socket_dir = "$RUN"
namespaces_dir = "$RUN/ns"
pinns_path = "$BIN/pinns"
conmon_cgroup = "pod"

[crio.image]
pause_image = "$INFRA"
pause_command = ""
signature_policy = "/etc/containers/policy.json"

[crio.network]
network_dir = "$ROOT/cni/net.d"
plugin_dirs = ["/usr/lib/cni"]
TOML
  mv "$CONF.tmp" "$CONF"
  # The drop-in: what this lab changes from 1.34's defaults (runc, not crun;
  # cgroupfs, not systemd; no NRI), as an operator's drop-in would.
  cat > "$CONFD/10-rtsnap-lab.conf.tmp" <<TOML
[crio.runtime]
default_runtime = "runc"
cgroup_manager = "cgroupfs"
log_level = "info"

[crio.runtime.runtimes.runc]
runtime_path = "$ROOT/bin/runc"
runtime_type = "oci"
runtime_root = "$RUN/runc"
monitor_path = "/usr/bin/conmon"

[crio.nri]
enable_nri = false
TOML
  mv "$CONFD/10-rtsnap-lab.conf.tmp" "$CONFD/10-rtsnap-lab.conf"
  # Written aside and renamed: CRI-O watches the directory and reads a
  # half-written file ("unexpected end of JSON input").
  bridge_conflist "rtsnap-$NAME" "$CNI_BRIDGE" "$CNI_SUBNET" "$ROOT/cni/ipam" > "$ROOT/cni/net.d/.10-rtsnap-crio.conflist.tmp"
  mv "$ROOT/cni/net.d/.10-rtsnap-crio.conflist.tmp" "$ROOT/cni/net.d/10-rtsnap-crio.conflist"
}

# load_images copies the lab's busybox OCI archive into CRI-O's storage (no
# registry is reachable); containers/storage is locked by a running crio.
load_images() {
  local have=$ROOT/images.loaded
  [[ -s $have ]] && return 0
  alive "$PIDF" && die "load_images needs CRI-O stopped"
  [[ -s $CACHE/busybox-oci.tar ]] || die "$CACHE/busybox-oci.tar is missing (lab.sh up builds it)"
  local name
  for name in "$IMAGE" "$INFRA" ${CRIO_EXTRA_IMAGES:-}; do
    timeout 120 skopeo --insecure-policy copy -q "oci-archive:$CACHE/busybox-oci.tar" "containers-storage:[$STORE]$name" ||
      die "skopeo could not load $name into $STORE"
  done
  echo "$IMAGE $INFRA ${CRIO_EXTRA_IMAGES:-}" > "$have"
}

start() {
  alive "$PIDF" && return 0
  # A bridge left by an earlier lab with another subnet makes every pod's
  # network setup fail ("already has an IP address different from"): the
  # bridge plugin never readdresses it. No crio runs, so nothing uses it.
  if ip -4 -o addr show dev "$CNI_BRIDGE" 2>/dev/null | grep inet >/dev/null &&
    ! ip -4 -o addr show dev "$CNI_BRIDGE" | grep -F " ${CNI_SUBNET%.0/*}.1/${CNI_SUBNET#*/} " >/dev/null; then
    log "removing $CNI_BRIDGE: its address is not the gateway of $CNI_SUBNET"
    ip link del "$CNI_BRIDGE"
  fi
  log "starting CRI-O $VERSION"
  mkdir -p "$RUN" "$LOGS"
  # PATH: conmon finds nothing on it, but crio looks up iptables and the
  # like; the runc wrapper is named in the drop-in.
  setsid "$BIN/crio" --config "$CONF" --config-dir "$CONFD" --log "$LOG" \
    >>"$LOGS/$NAME.stdout.log" 2>&1 < /dev/null &
  echo $! > "$PIDF"
  wait_for 60 answers || die "CRI-O $NAME did not answer within 60s (see $LOG and $LOGS/$NAME.stdout.log)"
}

stop() {
  alive "$PIDF" || { rm -f "$PIDF"; return 0; }
  local pid; pid=$(cat "$PIDF")
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  wait_for 30 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDF"
}

up() {
  [[ $(id -u) == 0 ]] || die "the lab needs root"
  bash "$HERE/build-crio.sh" "$VERSION"
  (cd "$HERE/.." && CGO_ENABLED=0 go build -o "$LABCTL.tmp" ./lab/labctl && mv "$LABCTL.tmp" "$LABCTL")
  write_runc_wrapper
  write_config
  if ! alive "$PIDF"; then load_images; fi
  start
  labctl up --endpoint "$SOCK" --tag "$TAG" --image "$IMAGE"
  labctl up --endpoint "$SOCK" --tag "$TAG" --image "$IMAGE" --planted "$PLANTED"
}

# node_up: the daemon only, for a kubelet (k8s.sh): no CRI-made pods (the
# kubelet would stop them) and no labctl build.
node_up() {
  [[ $(id -u) == 0 ]] || die "the lab needs root"
  [[ $NAME != crio ]] || die "node-up needs CRIO_NAME set to the kubelet's instance, not the CRI lab's crio"
  bash "$HERE/build-crio.sh" "$VERSION"
  write_runc_wrapper
  write_config
  if ! alive "$PIDF"; then load_images; fi
  start
}

down() {
  fault hang off || true
  if alive "$PIDF"; then
    fault paused off >/dev/null 2>&1 || true
    fault dead off >/dev/null 2>&1 || true
    labctl down --endpoint "$SOCK" >/dev/null 2>&1 || true
  fi
  cleanup
}

# node_down: every pod of the instance (the kubelet's, static ones too)
# stopped through CRI, then the daemon and its files.
node_down() {
  [[ $NAME != crio ]] || die "node-down needs CRIO_NAME set to the kubelet's instance"
  local ctl=${CRIO_LABCTL:-$CACHE/labctl}
  if alive "$PIDF" && [[ -x $ctl ]]; then
    timeout 120 "$ctl" down --all --endpoint "$SOCK" >/dev/null 2>&1 || log "$NAME: some pods were left (labctl down --all failed)"
  fi
  cleanup
}

cleanup() {
  stop
  # conmon outlives crio by design; end those of the lab's CRI-O only (their
  # exit dir is ours), by pid.
  local p
  for p in $(pgrep -f "^/usr/bin/conmon .*--exit-dir $RUN/exits" || true); do kill -KILL "$p" 2>/dev/null || true; done
  for m in $(awk -v r="$ROOT/" -v s="$RUN/" '$2 ~ "^"r || $2 ~ "^"s {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$RUN" "$ROOT"
  ip link del "$CNI_BRIDGE" 2>/dev/null || true
  log "CRI-O $NAME is down"
}

status() {
  if alive "$PIDF" && answers >/dev/null; then
    echo "$NAME: up ($("$BIN/crio" version 2>/dev/null | awk '/^Version:/{print $2; exit}')) $SOCK"
  else
    echo "$NAME: down"
    return 1
  fi
}

env_() {
  echo "RTSNAP_LAB_CRIO_SOCK=$SOCK"
  echo "RTSNAP_LAB_CRIO_CONF=$CONF"
  echo "RTSNAP_LAB_CRIO_CONFD=$CONFD"
  echo "RTSNAP_LAB_CRIO_ROOT=$ROOT/storage"
  echo "RTSNAP_LAB_CRIO_RUNROOT=$RUN/storage"
  echo "RTSNAP_LAB_CRIO_RUNTIME_ROOT=$RUN/runc"
  echo "RTSNAP_LAB_CRIO_LOG=$LOG"
  echo "RTSNAP_LAB_CRIO_HANG_SOCK=$RUN/hang/crio.sock"
}

# fault NAME on|off stages or restores one scenario on CRI-O, the way lab.sh
# does on containerd: labctl makes the pods (its dead fault stops the
# container's parent, here conmon, then kills init).
fault() {
  local name=$1 mode=${2:-on}
  case $name:$mode in
    paused:on|paused:off|dead:on|dead:off|crashloop:on|crashloop:off|pullfail:on|pullfail:off|oom:on|oom:off)
      labctl fault "$name" "$mode" --endpoint "$SOCK" --image "$IMAGE" --state-dir "$RUN/faults" ;;
    down:on)  stop ;;
    down:off) start ;;
    # A socket named like CRI-O's that accepts and never answers.
    hang:on)
      alive "$RUN/hang.pid" && return 0
      mkdir -p "$RUN/hang"
      setsid "$LABCTL" hang-socket "$RUN/hang/crio.sock" >>"$LOGS/crio-hang.log" 2>&1 < /dev/null &
      echo $! > "$RUN/hang.pid"
      wait_for 10 test -S "$RUN/hang/crio.sock" || die "hang socket did not appear" ;;
    hang:off) stop_hang ;;
    *) die "unknown CRI-O fault $name $mode (paused, dead, crashloop, pullfail, oom, down, hang; on|off)" ;;
  esac
}

stop_hang() {
  alive "$RUN/hang.pid" && kill -TERM "$(cat "$RUN/hang.pid")" 2>/dev/null || true
  rm -f "$RUN/hang.pid" "$RUN/hang/crio.sock"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  node-up) node_up ;;
  node-down) node_down ;;
  status) status ;;
  env) env_ ;;
  fault) shift; fault "$@" ;;
  *) echo "usage: crio.sh up|down|status|env|fault NAME on|off|node-up|node-down" >&2; exit 2 ;;
esac
