# shellcheck shell=bash
# cri-dockerd 0.4.0 in front of dockerd 28.5.2 (both built by build-cridockerd.sh),
# NEXT TO the lab's dockerd 20.10: sourced by lab.sh, which provides log, die,
# wait_for, alive, stop_pidfile, labctl and the CACHE/ROOT/RUN/LOGS/IMAGE/PAUSE paths.
#
# Nothing here is shared with another lab daemon: dockerd 28 gets its own
# containerd (Debian's 1.6 binary, CRI plugin off, its own socket: a dockerd
# without --containerd attaches to whatever answers at the default socket), its
# own data/exec roots, pid file, socket, config file (not /etc/docker/daemon.json)
# and no bridge; cri-dockerd its own root, CNI conflist and bridge (rtsnapcd0).
#
# cri-dockerd 0.4.0 every 5 minutes sets oom_score_adj -999 on the process of
# /var/run/docker.pid (the lab's dockerd 20.10) and on every process named
# containerd, and with --runtime-cgroups would also move them into that cgroup.
# No flag turns the loop off: --runtime-cgroups stays unset (no cgroup moves);
# the oom_score_adj write is refused on this machine (negative values need
# CAP_SYS_RESOURCE here, see LAB-NOTES) and logged as "Failed to apply oom_score_adj".
#
# Both daemons also need a runc wrapper: cri-dockerd asks oom_score_adj -998
# for every sandbox, which runc cannot set here.

CD_DOCKER_VERSION=28.5.2
CD_CRID_VERSION=0.4.0
CRID_POD=web-cridockerd
D28_CONTAINER=lab-docker28-web

# crid_instance PREFIX BRIDGE SUBNET sets the paths of one dockerd 28 +
# cri-dockerd pair: PREFIX "" is the CRI lab's (docker28, cri-dockerd,
# rtsnapcd0), "k8s" the lab-dockerd kubelet's (k8sdocker28, k8scri-dockerd),
# which must not be the same pair: a kubelet stops every pod its API server
# does not know, web-cridockerd included. Call it in a subshell for the
# second pair; the functions below read only these variables.
crid_instance() {
  CRID_P=$1 CRID_BRIDGE=$2 CRID_SUBNET=$3
  D28_RUN=$RUN/${CRID_P}docker28
  D28_ROOT=$ROOT/${CRID_P}docker28
  D28_SOCK=$D28_RUN/docker.sock
  D28_CONTAINERD_SOCK=$D28_RUN/containerd/containerd.sock
  CRID_RUN=$RUN/${CRID_P}cri-dockerd
  CRID_ROOT=$ROOT/${CRID_P}cri-dockerd
  CRID_SOCK=$CRID_RUN/cri-dockerd.sock
}
crid_instance "" rtsnapcd0 10.234.0.0/16

cridockerd_enabled() { [[ ${RTSNAP_LAB_CRIDOCKERD:-1} != 0 ]]; }
docker28() { timeout 30 docker -H "unix://$D28_SOCK" "$@"; }

cridockerd_build() { bash "$HERE/build-cridockerd.sh" all; }

d28_containerd_config() {
  mkdir -p "$D28_ROOT" "$D28_RUN/containerd"
  cat > "$D28_ROOT/containerd.toml" <<TOML
# containerd for the lab's dockerd 28 only (no CRI: cri-dockerd talks to dockerd).
version = 2
root = "$D28_ROOT/containerd"
state = "$D28_RUN/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$D28_CONTAINERD_SOCK"
TOML
}

# d28_runc_wrapper writes the runc that dockerd 28 runs: it rewrites a negative
# oomScoreAdj in the bundle's config.json to 0, then execs Debian's runc.
d28_runc_wrapper() {
  cat > "$D28_ROOT/runc-oom0" <<'SH'
#!/bin/sh
prev=
for a in "$@"; do
  case $prev in --bundle|-b) bundle=$a ;; esac
  case $a in --bundle=*) bundle=${a#--bundle=} ;; esac
  prev=$a
done
if [ -n "${bundle:-}" ] && [ -f "$bundle/config.json" ]; then
  sed -i 's/"oomScoreAdj":-[0-9]*/"oomScoreAdj":0/' "$bundle/config.json"
fi
exec /usr/bin/runc "$@"
SH
  chmod 755 "$D28_ROOT/runc-oom0"
}

start_docker28() {
  local pidf=$D28_RUN/daemon.pid cpidf=$D28_RUN/containerd.pid
  mkdir -p "$LOGS" "$D28_RUN" "$D28_ROOT"
  if ! alive "$cpidf"; then
    d28_containerd_config
    log "starting containerd for dockerd $CD_DOCKER_VERSION"
    # A socket left by an earlier run would pass a file test before this
    # containerd serves; dockerd then restores its containers against a dead
    # socket and keeps them "Running" with no task (kubelet loops on them).
    rm -f "$D28_CONTAINERD_SOCK" "$D28_CONTAINERD_SOCK.ttrpc"
    setsid /usr/bin/containerd --config "$D28_ROOT/containerd.toml" >>"$LOGS/${CRID_P}docker28-containerd.log" 2>&1 < /dev/null &
    echo $! > "$cpidf"
    wait_for 30 timeout 5 ctr --address "$D28_CONTAINERD_SOCK" version ||
      die "dockerd 28's containerd did not answer within 30s (see $LOGS/${CRID_P}docker28-containerd.log)"
  fi
  alive "$pidf" && return 0
  d28_runc_wrapper
  [[ -s $D28_ROOT/daemon.json ]] || echo '{}' > "$D28_ROOT/daemon.json"
  rm -f "$D28_RUN/dockerd.pid"
  log "starting dockerd $CD_DOCKER_VERSION"
  # Its own bin dir first: dockerd finds docker-proxy on PATH.
  PATH="$CACHE/docker-$CD_DOCKER_VERSION:$PATH" setsid "$CACHE/docker-$CD_DOCKER_VERSION/dockerd" \
    --config-file "$D28_ROOT/daemon.json" --data-root "$D28_ROOT/data" --exec-root "$D28_RUN/x" \
    --pidfile "$D28_RUN/dockerd.pid" -H "unix://$D28_SOCK" --containerd "$D28_CONTAINERD_SOCK" \
    --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
    --add-runtime "lab-runc=$D28_ROOT/runc-oom0" --default-runtime lab-runc --log-level=info \
    >>"$LOGS/${CRID_P}docker28.log" 2>&1 < /dev/null &
  echo $! > "$pidf"
  wait_for 60 docker28 version || die "dockerd $CD_DOCKER_VERSION did not answer within 60s (see $LOGS/${CRID_P}docker28.log)"
}

d28_images() {
  docker28 image inspect "$PAUSE" >/dev/null 2>&1 ||
    docker28 import -c 'CMD ["/bin/sleep","2147483647"]' "$CACHE/busybox-rootfs.tar" "$PAUSE" >/dev/null
  docker28 image inspect "$IMAGE" >/dev/null 2>&1 || docker28 tag "$PAUSE" "$IMAGE"
}

d28_container() {
  [[ $(docker28 inspect -f '{{.State.Running}}' "$D28_CONTAINER" 2>/dev/null) == true ]] && return 0
  docker28 rm -f "$D28_CONTAINER" >/dev/null 2>&1 || true
  docker28 run -d --name "$D28_CONTAINER" --network none --label rtsnap.lab=docker28 \
    "$IMAGE" /bin/sh -c 'while true; do echo "docker28 tick $(date)"; sleep 5; done' >/dev/null
}

crid_cni() {
  mkdir -p "$CRID_ROOT/net.d"
  bridge_conflist "rtsnap-${CRID_P}cridockerd" "$CRID_BRIDGE" "$CRID_SUBNET" "$CRID_ROOT/ipam" > "$CRID_ROOT/net.d/10-rtsnap-cridockerd.conflist"
}

start_cridockerd() {
  local pidf=$CRID_RUN/daemon.pid
  alive "$pidf" && return 0
  mkdir -p "$LOGS" "$CRID_RUN" "$CRID_ROOT"
  crid_cni
  rm -f "$CRID_SOCK"
  log "starting cri-dockerd $CD_CRID_VERSION"
  setsid "$CACHE/cri-dockerd-$CD_CRID_VERSION/cri-dockerd" \
    --container-runtime-endpoint "unix://$CRID_SOCK" --docker-endpoint "unix://$D28_SOCK" \
    --cri-dockerd-root-directory "$CRID_ROOT/root" --pod-infra-container-image "$PAUSE" \
    --network-plugin cni --cni-bin-dir /usr/lib/cni --cni-conf-dir "$CRID_ROOT/net.d" --cni-cache-dir "$CRID_ROOT/cni-cache" \
    --streaming-bind-addr 127.0.0.1:0 --log-level info \
    >>"$LOGS/${CRID_P}cri-dockerd.log" 2>&1 < /dev/null &
  echo $! > "$pidf"
  wait_for 60 test -S "$CRID_SOCK" || die "cri-dockerd did not listen within 60s (see $LOGS/${CRID_P}cri-dockerd.log)"
}

cridockerd_up() {
  cridockerd_build
  start_docker28
  d28_images
  d28_container
  start_cridockerd
  labctl up --endpoint "$CRID_SOCK" --tag cridockerd --image "$IMAGE"
}

cridockerd_status() {
  local ok=0
  if alive "$D28_RUN/daemon.pid"; then echo "${CRID_P}docker28: up ($(docker28 version -f '{{.Server.Version}} API {{.Server.APIVersion}}' 2>/dev/null)) $D28_SOCK"
  else echo "${CRID_P}docker28: down"; ok=1; fi
  if alive "$CRID_RUN/daemon.pid" && [[ -S $CRID_SOCK ]]; then echo "${CRID_P}cri-dockerd: up ($CD_CRID_VERSION) $CRID_SOCK"
  else echo "${CRID_P}cri-dockerd: down"; ok=1; fi
  return $ok
}

cridockerd_env() {
  echo "RTSNAP_LAB_DOCKER28_SOCK=$D28_SOCK"
  echo "RTSNAP_LAB_CRIDOCKERD_SOCK=$CRID_SOCK"
  echo "RTSNAP_LAB_CRIDOCKERD_POD=$CRID_POD"
  echo "RTSNAP_LAB_DOCKER28_CONTAINER=$D28_CONTAINER"
}

cridockerd_down() {
  # The kubelet's pair has no labctl pods: its containers all go below.
  if [[ -z $CRID_P ]] && alive "$CRID_RUN/daemon.pid"; then
    kill -CONT "$(cat "$CRID_RUN/daemon.pid")" 2>/dev/null || true
    labctl down --endpoint "$CRID_SOCK" >/dev/null 2>&1 || true
  fi
  stop_pidfile "$CRID_RUN/daemon.pid"
  if alive "$D28_RUN/daemon.pid"; then
    docker28 ps -aq | xargs -r timeout 60 docker -H "unix://$D28_SOCK" rm -f >/dev/null 2>&1 || true
  fi
  stop_pidfile "$D28_RUN/daemon.pid"
  stop_pidfile "$D28_RUN/containerd.pid"
  pkill -f "containerd-shim-runc-v2 -namespace moby -address $D28_CONTAINERD_SOCK" 2>/dev/null || true
  for m in $(awk -v r="$D28_ROOT/" -v s="$D28_RUN/" -v c="$CRID_ROOT/" '$2 ~ "^"r || $2 ~ "^"s || $2 ~ "^"c {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$D28_RUN" "$CRID_RUN" "$D28_ROOT" "$CRID_ROOT"
  ip link del "$CRID_BRIDGE" 2>/dev/null || true
}

# cridockerd_fault NAME on|off: the faults that apply to cri-dockerd over dockerd 28.
cridockerd_fault() {
  local name=$1 mode=$2
  case $name:$mode in
    paused:on|paused:off)
      # cri-dockerd names containers k8s_<container>_<pod>_<namespace>_<uid>_<attempt>.
      local id; id=$(docker28 ps -aq --filter "name=^/k8s_app_${CRID_POD}_lab_")
      [[ -n $id ]] || die "no app container of $CRID_POD on dockerd 28"
      if [[ $mode == on ]]; then docker28 pause "$id" >/dev/null; else docker28 unpause "$id" >/dev/null 2>&1 || true; fi ;;
    crashloop:*|pullfail:*)
      labctl fault "$name" "$mode" --endpoint "$CRID_SOCK" --image "$IMAGE" --state-dir "$CRID_RUN/faults" ;;
    # down: cri-dockerd stopped while dockerd 28 runs on.
    down:on)  stop_pidfile "$CRID_RUN/daemon.pid" ;;
    down:off) start_cridockerd ;;
    # hang: cri-dockerd stopped with SIGSTOP: its socket accepts, nothing answers.
    hang:on)  kill -STOP "$(cat "$CRID_RUN/daemon.pid")" ;;
    hang:off) kill -CONT "$(cat "$CRID_RUN/daemon.pid")" ;;
    *) die "unknown fault cridockerd-$name $mode (paused, crashloop, pullfail, down, hang; on|off)" ;;
  esac
}
