#!/usr/bin/env bash
# The scale lab: a containerd 2.x daemon of its own ("scale2") with
# SCALE2_PODS pods x SCALE2_CONTAINERS sleeping containers (default 250 x 8 =
# 2,000: the upper end of a max-pods node, each pod with sidecars), for
# `make bench`. It never touches the shared lab daemons (cd16/cd17/cd2, k8s*)
# other engineers' tests use: own config, root, state and socket under
# /var/lib/rtsnap-lab/scale2 and /run/rtsnap-lab/scale2, own log.
# The binaries are the lab's cached ones (/var/cache/rtsnap-lab).
#
# Usage: scale2.sh up|down|env|status
#   up     start the daemon and the pods (idempotent: reuses what runs)
#   down   remove the pods, stop the daemon and its shims, remove its dirs
# Memory: about 4 GiB for 250 pods x 8 (MemAvailable 22.7 GiB before, 18.6
# after; a shim is ~16 MiB of RSS); `up` refuses to start below 8 GiB
# available. `down` ends the tasks by pid first: removing 250 live pods one
# by one took over 10 minutes on a loaded machine.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
NAME=scale2
ROOT=/var/lib/rtsnap-lab/$NAME
RUN=/run/rtsnap-lab/$NAME
SOCK=$RUN/containerd.sock
LOG=/var/log/rtsnap-lab/$NAME.log
BIN=$CACHE/containerd-2.2.1
IMAGE=docker.io/library/busybox:latest
PAUSE=rtsnap.local/pause:1
PODS=${SCALE2_PODS:-250}
PER_POD=${SCALE2_CONTAINERS:-8}
# labctl with --host-network, built from this checkout (the lab's cached one
# is built from main and may not have it yet).
LABCTL=$RUN/labctl

log() { printf '[scale2 %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
ctr_() { timeout 30 "$BIN/ctr" -a "$SOCK" "$@"; }
alive() { [[ -s $RUN/daemon.pid ]] && kill -0 "$(cat "$RUN/daemon.pid")" 2>/dev/null; }

write_config() {
  local cfg=$ROOT/config.toml
  mkdir -p "$ROOT" "$RUN"
  [[ -s $cfg ]] && return 0
  # The lab's CNI config is only read, never changed: the scale pods use the
  # node's network (labctl --host-network), so no CNI set-up per pod.
  "$BIN/containerd" config default |
    sed -e "s#^root = .*#root = \"$ROOT/root\"#" \
        -e "s#^state = .*#state = \"$RUN/state\"#" \
        -e "s#address = ['\"]/run/containerd/containerd.sock['\"]#address = \"$SOCK\"#" \
        -e "s#restrict_oom_score_adj = false#restrict_oom_score_adj = true#" \
        -e "s#bin_dirs = \['/opt/cni/bin'\]#bin_dirs = ['/usr/lib/cni']#" \
        -e "s#conf_dir = ['\"]/etc/cni/net.d['\"]#conf_dir = \"/var/lib/rtsnap-lab/cni/net.d\"#" \
        -e "s#sandbox = 'registry.k8s.io/pause.*'#sandbox = '$PAUSE'#" > "$cfg.tmp"
  grep -q "$SOCK" "$cfg.tmp" || die "could not set the socket in the config"
  mv "$cfg.tmp" "$cfg"
}

up() {
  [[ -x $BIN/containerd ]] || die "$BIN/containerd missing: run lab/lab.sh up first (it builds and caches containerd 2.x)"
  local avail; avail=$(awk '/MemAvailable/ {print int($2/1024/1024)}' /proc/meminfo)
  (( avail >= 8 )) || die "only ${avail} GiB available; the scale lab needs about 6 GiB"
  write_config
  if ! alive; then
    mkdir -p "$(dirname "$LOG")"
    log "starting containerd $NAME"
    PATH="$BIN:$PATH" setsid "$BIN/containerd" --config "$ROOT/config.toml" >>"$LOG" 2>&1 </dev/null &
    echo $! > "$RUN/daemon.pid"
    for _ in $(seq 60); do ctr_ version >/dev/null 2>&1 && break; sleep 0.5; done
    ctr_ version >/dev/null 2>&1 || die "containerd $NAME did not answer within 30s (see $LOG)"
  fi
  if ! ctr_ -n k8s.io images ls -q | grep -qx "$PAUSE"; then
    ctr_ -n k8s.io images import --index-name "$IMAGE" "$CACHE/busybox-oci.tar" >/dev/null
    ctr_ -n k8s.io images tag "$IMAGE" "$PAUSE" >/dev/null
  fi
  [[ -x $LABCTL ]] || (cd "$REPO" && go build -o "$LABCTL" ./lab/labctl)
  log "pods: $PODS x $PER_POD containers (free before: $(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo) MiB)"
  "$LABCTL" scale --endpoint "$SOCK" --image "$IMAGE" --tag "$NAME" --host-network \
    --pods "$PODS" --containers "$PER_POD"
  log "up: $(ctr_ -n k8s.io tasks ls -q | wc -l) tasks (free after: $(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo) MiB)"
}

down() {
  if alive; then
    [[ -x $LABCTL ]] || (cd "$REPO" && go build -o "$LABCTL" ./lab/labctl)
    # Stopping 250 pods one by one takes over 10 minutes on a loaded
    # machine: end this daemon's running tasks first, each by the pid the
    # daemon itself reports, then remove the pods (quick once they are dead).
    local tp
    for tp in $(ctr_ -n k8s.io tasks ls 2>/dev/null | awk 'NR > 1 && $3 == "RUNNING" {print $2}'); do
      kill -KILL "$tp" 2>/dev/null || true
    done
    # With every task dead the pods hold no process: a daemon still busy
    # with 2,000 exit events is not waited for (seen: 15 minutes under load).
    timeout 120 "$LABCTL" unscale --endpoint "$SOCK" --image "$IMAGE" || log "unscale failed or timed out; stopping the daemon anyway"
    local pid; pid=$(cat "$RUN/daemon.pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  # Shims outlive their daemon by design: end this daemon's shims, each by
  # its pid (their command line names this daemon's socket and nothing else's).
  local p
  for p in $(pgrep -f -- "containerd-shim-runc-v2 .*-address $SOCK" || true); do kill -KILL "$p" 2>/dev/null || true; done
  # runc keeps its state under containerd's fixed root (/run/containerd/runc/
  # <namespace>), shared with the lab's daemons: a task killed with its
  # daemon leaves its directory there, and 2,108 of them read as containers
  # whose init is gone in every later collection (seen 2026-12-02). Only
  # those whose bundle is this daemon's are removed.
  local f
  for f in $(grep -lsF -- "bundle=$RUN/state/" /run/containerd/runc/*/*/state.json || true); do
    rm -rf -- "$(dirname "$f")"
  done
  local m
  for m in $(awk -v r="$ROOT/" -v s="$RUN/" '$2 ~ "^"r || $2 ~ "^"s {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$RUN" "$ROOT" /var/log/pods/lab_scale-"$NAME"-*
  # The pods' cgroups (labctl puts pod <uid> under /kubepods/besteffort;
  # the uid starts with the pod's name), empty once their tasks are dead.
  local d
  for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name "podscale-$NAME-*" 2>/dev/null); do
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
  done
  log "down"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  env) echo "RTSNAP_SCALE2_SOCK=$SOCK"; echo "RTSNAP_SCALE2_CTR=$BIN/ctr" ;;
  status) if alive; then echo "$NAME: up, $(ctr_ -n k8s.io tasks ls -q | wc -l) tasks $SOCK"; else echo "$NAME: down"; exit 1; fi ;;
  *) die "usage: scale2.sh up|down|env|status" ;;
esac
