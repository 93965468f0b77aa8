#!/usr/bin/env bash
# rtsnap's runtime lab: real containerd 1.6 (Debian), 1.7 and 2.x (built from the
# Go module proxy) side by side with the CRI plugin, plus dockerd, real workloads,
# a real journal directory, and fault scenarios staged on demand.
#
# Usage: lab.sh up|down|status|env|fault NAME [on|off]
# With Kubernetes (lab/k8s.sh): a four-node cluster whose kubelets run on
# runtimes of their own (containerd k8s2, k8s17; CRI-O k8scrio; dockerd 28 +
# cri-dockerd k8sdocker28/k8scri-dockerd); RTSNAP_LAB_K8S=0 leaves it out.
# Idempotent: `up` reuses what runs. Touches only its own paths (below) and the
# daemons it started (pid files under $RUN), plus dockerd's default socket.
set -euo pipefail

# has_line ARGS: grep ARGS over all of stdin, output dropped. Not grep -q:
# it exits at the first match, the writer then dies of SIGPIPE, and under
# pipefail the pipeline fails although the line is there (an image "not
# found" is then imported and tagged again: "already exists").
has_line() { grep "$@" >/dev/null; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=${RTSNAP_LAB_CACHE:-/var/cache/rtsnap-lab}
ROOT=/var/lib/rtsnap-lab
RUN=/run/rtsnap-lab
LOGS=/var/log/rtsnap-lab
CD17=1.7.35
CD2=2.2.1
DAEMONS="cd16 cd17 cd2"
IMAGE=docker.io/library/busybox:latest
PAUSE=rtsnap.local/pause:1
NATIVE_NS=rtsnap-native
PLANTED=$HERE/planted-secrets.txt
CERTS=$ROOT/certs.d

# planted NAME prints one fake secret from planted-secrets.txt.
planted() { awk -F'|' -v n="$1" '$1 == n {print $3}' "$PLANTED"; }

log() { printf '[lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# wait_for SECONDS CMD...: poll CMD until it succeeds or the deadline passes.
wait_for() {
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.3
  done
}

bindir() { case $1 in cd16) echo /usr/bin ;; cd17|k8s17) echo "$CACHE/containerd-$CD17" ;; cd2|k8s2) echo "$CACHE/containerd-$CD2" ;; esac; }
sock() { echo "$RUN/$1/containerd.sock"; }
ctr_() { local d=$1; shift; timeout 20 "$(bindir "$d")/ctr" -a "$(sock "$d")" "$@" 2> >(grep -v DEPRECATION >&2); }
labctl() { "$CACHE/labctl" "$@"; }

install_packages() {
  local pkgs="containerd runc crun containernetworking-plugins docker.io busybox-static systemd-journal-remote libsystemd-dev iproute2 zstd openssl chromium poppler-utils rpm conmon skopeo libseccomp-dev curl jq"
  local missing=()
  for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    timeout 600 apt-get update -qq
    DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_binaries() {
  bash "$HERE/build-containerd.sh" "$CD17"
  bash "$HERE/build-containerd.sh" "$CD2"
  # labctl drives the CRI API (no crictl is obtainable here); rebuilt each time, it is small.
  (cd "$REPO" && CGO_ENABLED=0 go build -o "$CACHE/labctl.tmp" ./lab/labctl && mv "$CACHE/labctl.tmp" "$CACHE/labctl")
}

# build_image writes a busybox OCI layout tar (no registry is reachable).
build_image() {
  local out=$CACHE/busybox-oci.tar
  [[ -s $out ]] && return 0
  log "building the busybox test image"
  local w; w=$(mktemp -d)
  mkdir -p "$w/rootfs/bin" "$w/rootfs/tmp" "$w/rootfs/etc" "$w/oci/blobs/sha256"
  cp /bin/busybox "$w/rootfs/bin/busybox"
  for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -sf busybox "$w/rootfs/bin/$a"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$w/rootfs/etc/passwd"
  tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$w/rootfs" -cf "$w/layer.tar" .
  local ld lsz; ld=$(sha256sum "$w/layer.tar" | cut -d' ' -f1); lsz=$(stat -c %s "$w/layer.tar")
  mv "$w/layer.tar" "$w/oci/blobs/sha256/$ld"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sleep","2147483647"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$ld" > "$w/config.json"
  local cd csz; cd=$(sha256sum "$w/config.json" | cut -d' ' -f1); csz=$(stat -c %s "$w/config.json")
  mv "$w/config.json" "$w/oci/blobs/sha256/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' "$cd" "$csz" "$ld" "$lsz" > "$w/manifest.json"
  local md msz; md=$(sha256sum "$w/manifest.json" | cut -d' ' -f1); msz=$(stat -c %s "$w/manifest.json")
  mv "$w/manifest.json" "$w/oci/blobs/sha256/$md"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' "$md" "$msz" > "$w/oci/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$w/oci/oci-layout"
  tar -C "$w/oci" -cf "$out.tmp" . && mv "$out.tmp" "$out"
  tar --numeric-owner -C "$w/rootfs" -cf "$CACHE/busybox-rootfs.tar" .
  rm -rf "$w"
}

write_cni() {
  mkdir -p "$ROOT/cni/net.d"
  bridge_conflist rtsnap-lab rtsnaplab0 10.231.0.0/16 "$ROOT/cni/ipam" > "$ROOT/cni/net.d/10-rtsnap-lab.conflist"
}

write_config() {
  local d=$1 cfg=$ROOT/$1/config.toml
  mkdir -p "$ROOT/$d" "$RUN/$d"
  [[ -s $cfg ]] && return 0
  "$(bindir "$d")/containerd" config default |
    sed -e "s#^root = .*#root = \"$ROOT/$d/root\"#" \
        -e "s#^state = .*#state = \"$RUN/$d/state\"#" \
        -e "s#address = ['\"]/run/containerd/containerd.sock['\"]#address = \"$(sock "$d")\"#" \
        -e "s#restrict_oom_score_adj = false#restrict_oom_score_adj = true#" \
        -e "s#bin_dir = \"/opt/cni/bin\"#bin_dir = \"/usr/lib/cni\"#" \
        -e "s#bin_dirs = \['/opt/cni/bin'\]#bin_dirs = ['/usr/lib/cni']#" \
        -e "s#conf_dir = ['\"]/etc/cni/net.d['\"]#conf_dir = \"$ROOT/cni/net.d\"#" \
        -e "s#sandbox_image = \".*\"#sandbox_image = \"$PAUSE\"#" \
        -e "s#sandbox = 'registry.k8s.io/pause.*'#sandbox = '$PAUSE'#" > "$cfg.tmp"
  grep -q "$(sock "$d")" "$cfg.tmp" || die "$d: could not set the socket in its config"
  # Registry credentials in every form a node has them (fake, from planted-secrets.txt):
  # the old inline auth table on 1.6, a certs.d config_path with hosts.toml on 1.7 and 2.x.
  if [[ $d == cd16 ]]; then
    cat >> "$cfg.tmp" <<TOML

[plugins."io.containerd.grpc.v1.cri".registry.configs."registry.lab.example".auth]
  username = "labuser"
  password = "$(planted registry_password)"
  auth = "$(planted registry_auth)"
  identitytoken = "$(planted registry_identitytoken)"
TOML
  else
    sed -i -e "s#config_path = ['\"]['\"]#config_path = \"$CERTS\"#" "$cfg.tmp"
    grep -q "config_path = \"$CERTS\"" "$cfg.tmp" || die "$d: could not set the registry config_path"
  fi
  mv "$cfg.tmp" "$cfg"
}

# write_certs makes a certs.d registry dir: hosts.toml with an auth header and a client key pair.
write_certs() {
  local dir=$CERTS/registry.lab.example
  [[ -s $dir/hosts.toml ]] && return 0
  mkdir -p "$dir"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj /CN=rtsnap-lab-client \
    -keyout "$dir/client.key" -out "$dir/client.cert" 2>/dev/null || die "openssl could not make the lab client key"
  cat > "$dir/hosts.toml" <<TOML
server = "https://registry.lab.example"

[host."https://mirror.lab.example:5000"]
  capabilities = ["pull", "resolve"]
  client = [["$dir/client.cert", "$dir/client.key"]]
  [host."https://mirror.lab.example:5000".header]
    Authorization = ["Bearer $(planted hosts_toml_header)"]
TOML
  # A Docker client config with a short auth value, where the lab's dockerd
  # environment (DOCKER_CONFIG) points.
  mkdir -p "$ROOT/docker"
  printf '{\n  "auths": {\n    "registry.lab.example": {"auth": "%s"}\n  }\n}\n' "$(planted docker_config_auth)" > "$ROOT/docker/config.json"
  chmod 600 "$ROOT/docker/config.json" "$dir/client.key"
}

alive() { [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_containerd() {
  local d=$1 pidf=$RUN/$1/daemon.pid
  if alive "$pidf"; then return 0; fi
  write_config "$d"
  mkdir -p "$LOGS"
  log "starting containerd $d"
  # The daemon finds its shim on PATH: its own bin dir first.
  PATH="$(bindir "$d"):$PATH" setsid "$(bindir "$d")/containerd" --config "$ROOT/$d/config.toml" \
    >>"$LOGS/$d.log" 2>&1 < /dev/null &
  echo $! > "$pidf"
  wait_for 30 ctr_ "$d" version || die "containerd $d did not answer within 30s (see $LOGS/$d.log)"
}

start_dockerd() {
  local pidf=$RUN/dockerd.pid
  if alive "$pidf"; then return 0; fi
  mkdir -p "$LOGS" "$RUN"
  log "starting dockerd"
  # A proxy with credentials and a secret-looking label: a daemon's environment
  # and command line are carriers the redaction test checks (fake values).
  local proxy="http://proxyuser:$(planted proxy_password)@proxy.lab.example:3128"
  HTTPS_PROXY=$proxy HTTP_PROXY=$proxy NO_PROXY=localhost,127.0.0.1 DOCKER_CONFIG=$ROOT/docker \
  setsid dockerd --iptables=false --ip-masq=false --bridge=none --log-level=info \
    --label "api_token=$(planted cmdline_token)" \
    >>"$LOGS/dockerd.log" 2>&1 < /dev/null &
  echo $! > "$pidf"
  wait_for 60 timeout 5 docker version || die "dockerd did not answer within 60s (see $LOGS/dockerd.log)"
}

import_images() {
  local d=$1
  if ! ctr_ "$d" -n k8s.io images ls -q | has_line -x "$PAUSE"; then
    ctr_ "$d" -n k8s.io images import --index-name "$IMAGE" "$CACHE/busybox-oci.tar" >/dev/null
    ctr_ "$d" -n k8s.io images tag "$IMAGE" "$PAUSE" >/dev/null
  fi
}

native_container() {
  # A plain containerd container in its own namespace (what `ctr run` makes), on 2.x.
  local d=cd2
  ctr_ "$d" -n "$NATIVE_NS" images ls -q | has_line -x "$IMAGE" ||
    ctr_ "$d" -n "$NATIVE_NS" images import --index-name "$IMAGE" "$CACHE/busybox-oci.tar" >/dev/null
  if ! ctr_ "$d" -n "$NATIVE_NS" tasks ls | has_line '^native-sleeper .*RUNNING'; then
    ctr_ "$d" -n "$NATIVE_NS" tasks kill -s KILL native-sleeper >/dev/null 2>&1 || true
    ctr_ "$d" -n "$NATIVE_NS" tasks rm -f native-sleeper >/dev/null 2>&1 || true
    ctr_ "$d" -n "$NATIVE_NS" containers rm native-sleeper >/dev/null 2>&1 || true
    ctr_ "$d" -n "$NATIVE_NS" run -d --label rtsnap.lab=native "$IMAGE" native-sleeper /bin/sleep 2147483647 >/dev/null
  fi
}

docker_container() {
  docker image inspect rtsnap-lab/busybox:1 >/dev/null 2>&1 ||
    docker import -c 'CMD ["/bin/sleep","2147483647"]' "$CACHE/busybox-rootfs.tar" rtsnap-lab/busybox:1 >/dev/null
  if [[ $(docker inspect -f '{{.State.Running}}' lab-docker-web 2>/dev/null) != true ]]; then
    docker rm -f lab-docker-web >/dev/null 2>&1 || true
    docker run -d --name lab-docker-web --network none --label rtsnap.lab=docker \
      rtsnap-lab/busybox:1 /bin/sh -c 'while true; do echo "docker tick $(date)"; sleep 5; done' >/dev/null
  fi
}

# journal_entries prints the lab journal's entries, one "UNIT IDENT PRIORITY
# MESSAGE" per line.
journal_entries() {
  cat <<'ENTRIES'
containerd.service containerd 6 starting containerd revision=lab version=1.6.20
containerd.service containerd 3 failed to pull image "127.0.0.1:1/rtsnap/missing:1": rpc error: code = Unknown desc = failed to resolve reference: dial tcp 127.0.0.1:1: connect: connection refused
containerd.service containerd 3 RunPodSandbox for &PodSandboxMetadata{Name:web,Namespace:lab,} failed, error: failed to setup network for sandbox: plugin type="bridge" failed (add): cni plugin not initialized
kubelet.service kubelet 3 "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"crasher\" with CrashLoopBackOff: \"back-off 10s restarting failed container\"" pod="lab/crash"
kubelet.service kubelet 4 "Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"
docker.service dockerd 6 Daemon has completed initialization
kernel kernel 3 Memory cgroup out of memory: Killed process 4242 (stress) total-vm:1048576kB, anon-rss:262144kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1024kB oom_score_adj:1000
ENTRIES
  echo "containerd.service containerd 4 registry login to registry.lab.example failed for user labuser with password=$(planted journal_password): 401 Unauthorized"
  # A container's coloured line through docker's journald log driver: journalctl
  # -o json writes such a MESSAGE as an array of bytes, not a string
  # (https://github.com/nearai/ironclaw/issues/3756); both readers must keep it.
  printf 'docker.service lab-colour 3 \e[31mERROR\e[0m [db] connect to postgres://app:%s@db.lab:5432/app failed: dial tcp 10.0.0.9:5432: connect: connection refused\n' "$(planted journal_colour_password)"
}

write_journal() {
  local dir=$ROOT/journal
  # Rewritten when its entries change (the checksum beside it), so a lab
  # started before a change does not test the old journal.
  local sum; sum=$(journal_entries | sha256sum | cut -d' ' -f1)
  [[ -s $dir/lab.journal && $(cat "$dir/lab.journal.sum" 2>/dev/null) == "$sum" ]] && return 0
  mkdir -p "$dir"
  log "writing the lab journal"
  local now boot; now=$(date +%s%6N); boot=$(tr -d - < /proc/sys/kernel/random/boot_id)
  local host; host=$(hostname)
  local i=0
  while read -r unit ident prio msg; do
    i=$((i + 1))
    printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n_HOSTNAME=%s\n_SYSTEMD_UNIT=%s\nSYSLOG_IDENTIFIER=%s\nPRIORITY=%s\nMESSAGE=%s\n\n' \
      $((now - (60 - i) * 1000000)) $((i * 1000000)) "$boot" "$host" "$unit" "$ident" "$prio" "$msg"
  done < <(journal_entries) | /lib/systemd/systemd-journal-remote --output="$dir/lab.journal.tmp.journal" - 2>>"$LOGS/journal-remote.log"
  mv "$dir/lab.journal.tmp.journal" "$dir/lab.journal"
  echo "$sum" > "$dir/lab.journal.sum"
}

# stale_state: lab state on disk whose processes are all gone (a reboot, or
# every lab process killed). Restarted on it, dockerd 28 restores containers
# whose tasks died with the old shims and keeps them "Running" with no task,
# and the kubelets on the Docker and CRI-O nodes loop on the dead sandboxes.
stale_state() {
  [[ -n $(ls -A "$ROOT" 2>/dev/null) || -n $(ls -A "$RUN" 2>/dev/null) ]] || return 1
  local f
  # The lab's own pid files only: containerd's task dirs hold init.pid files
  # of dead containers whose numbers a new process may have taken.
  while IFS= read -r f; do alive "$f" && return 1; done < <(find "$RUN" -maxdepth 2 -name '*.pid' 2>/dev/null)
  return 0
}

up() {
  [[ $(id -u) == 0 ]] || die "the lab needs root"
  if stale_state; then
    log "no lab process is alive but $ROOT or $RUN holds state from an earlier run: clearing it first"
    down
  fi
  mkdir -p "$CACHE" "$ROOT" "$RUN" "$LOGS"
  install_packages
  build_binaries
  build_image
  write_cni
  write_certs
  for d in $DAEMONS; do start_containerd "$d"; import_images "$d"; done
  for d in $DAEMONS; do labctl up --endpoint "$(sock "$d")" --tag "$d" --image "$IMAGE"; done
  # The planted-secrets pod runs on 2.x only: one carrier of each kind is enough.
  labctl up --endpoint "$(sock cd2)" --tag cd2 --image "$IMAGE" --planted "$PLANTED"
  native_container
  start_dockerd
  docker_container
  write_journal
  bash "$HERE/crio.sh" up
  if cridockerd_enabled; then cridockerd_up; fi
  k8s_enabled && k8s_up
  status
}

k8s_enabled() { [[ ${RTSNAP_LAB_K8S:-1} != 0 ]]; }

status() {
  local ok=0
  for d in $DAEMONS; do
    if alive "$RUN/$d/daemon.pid" && ctr_ "$d" version >/dev/null 2>&1; then
      echo "$d: up ($(ctr_ "$d" version | awk '/Version:/{print $2; exit}')) $(sock "$d")"
    else echo "$d: down"; ok=1; fi
  done
  if alive "$RUN/dockerd.pid"; then echo "dockerd: up ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"; else echo "dockerd: down"; ok=1; fi
  [[ -s $ROOT/journal/lab.journal ]] && echo "journal: $ROOT/journal" || { echo "journal: missing"; ok=1; }
  bash "$HERE/crio.sh" status || ok=1
  if k8s_enabled; then k8s_status || ok=1; fi
  if cridockerd_enabled; then cridockerd_status || ok=1; fi
  return $ok
}

# env prints the lab's coordinates for tests (KEY=VALUE).
env_() {
  echo "RTSNAP_LAB_CD16_SOCK=$(sock cd16)"
  echo "RTSNAP_LAB_CD17_SOCK=$(sock cd17)"
  echo "RTSNAP_LAB_CD2_SOCK=$(sock cd2)"
  echo "RTSNAP_LAB_DOCKER_SOCK=/var/run/docker.sock"
  echo "RTSNAP_LAB_JOURNAL_DIR=$ROOT/journal"
  echo "RTSNAP_LAB_NATIVE_NS=$NATIVE_NS"
  echo "RTSNAP_LAB_HANG_SOCK=$RUN/hang.sock"
  echo "RTSNAP_LAB_CACHE=$CACHE"
  local d; for d in $DAEMONS; do echo "RTSNAP_LAB_${d^^}_CTR=$(bindir "$d")/ctr"; done
  bash "$HERE/crio.sh" env
  if k8s_enabled; then k8s_env; fi
  if cridockerd_enabled; then cridockerd_env; fi
}

stop_pidfile() {
  local pidf=$1
  alive "$pidf" || { rm -f "$pidf"; return 0; }
  local pid; pid=$(cat "$pidf")
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  wait_for 20 bash -c "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$pidf"
}

down() {
  fault hang off || true
  bash "$HERE/crio.sh" down || true
  k8s_down || true
  cridockerd_down || true
  if alive "$RUN/dockerd.pid"; then
    docker rm -f lab-docker-web "$PIDS_CONTAINER" >/dev/null 2>&1 || true
    docker ps -aq --filter label=rtsnap.lab=scale | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  for d in $DAEMONS; do
    if alive "$RUN/$d/daemon.pid"; then
      labctl down --endpoint "$(sock "$d")" >/dev/null 2>&1 || true
      [[ $d == cd2 ]] && { ctr_ cd2 -n "$NATIVE_NS" tasks kill -s KILL native-sleeper >/dev/null 2>&1 || true; sleep 0.5
        ctr_ cd2 -n "$NATIVE_NS" tasks rm -f native-sleeper >/dev/null 2>&1 || true
        ctr_ cd2 -n "$NATIVE_NS" containers rm native-sleeper >/dev/null 2>&1 || true; }
    fi
    stop_pidfile "$RUN/$d/daemon.pid"
  done
  stop_pidfile "$RUN/dockerd.pid"
  # Shims outlive their daemon by design; end those of the lab's daemons only.
  pkill -f "containerd-shim-runc-v2 -namespace .* -address $RUN/" 2>/dev/null || true
  clear_runc_state
  for m in $(awk -v r="$ROOT/" -v s="$RUN/" '$2 ~ "^"r || $2 ~ "^"s {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$RUN" "$ROOT"
  # The lab's CRI pods all live in Kubernetes namespace "lab": their log dirs are ours.
  rm -rf /var/log/pods/lab_*
  ip link del rtsnaplab0 2>/dev/null || true
  log "lab is down"
}

# clear_runc_state removes runc's state of the lab's dead containers. runc keeps
# it under its root (/run/containerd/runc/NAMESPACE/ID for the lab's containerd
# daemons) until the task is deleted: killed lab processes leave it behind, a
# fixed ID (native-sleeper) cannot be created again, and the runc source would
# show every earlier run's containers.
RUNC_ROOT=/run/containerd/runc
clear_runc_state() {
  local f pid
  for f in "$RUNC_ROOT"/*/*/state.json; do
    [[ -f $f ]] && grep -qsF -e "\"bundle=$RUN/" -e "\"bundle=$ROOT/" "$f" || continue
    pid=$(grep -o '"init_process_pid":[0-9]*' "$f" | cut -d: -f2)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && continue
    rm -rf "$(dirname "$f")"
  done
}

# fault NAME on|off stages or restores one scenario.
fault() {
  local name=$1 mode=${2:-on}
  case $name:$mode in
    paused:on)  ctr_ cd2 -n "$NATIVE_NS" tasks pause native-sleeper ;;
    paused:off) ctr_ cd2 -n "$NATIVE_NS" tasks resume native-sleeper ;;
    dead:on|dead:off|crashloop:on|crashloop:off|pullfail:on|pullfail:off)
      labctl fault "$name" "$mode" --endpoint "$(sock cd16)" --image "$IMAGE" --state-dir "$RUN/faults" ;;
    down:on)    stop_pidfile "$RUN/cd17/daemon.pid" ;;
    down:off)   start_containerd cd17 ;;
    hang:on)
      alive "$RUN/hang.pid" && return 0
      setsid "$CACHE/labctl" hang-socket "$RUN/hang.sock" >>"$LOGS/hang.log" 2>&1 < /dev/null &
      echo $! > "$RUN/hang.pid"
      wait_for 10 test -S "$RUN/hang.sock" || die "hang socket did not appear" ;;
    hang:off)   stop_pidfile "$RUN/hang.pid"; rm -f "$RUN/hang.sock" ;;
    # scale: the benchmarks' busy node — 100 pods x 5 containers on 1.7, 50 Docker containers.
    scale:on)
      labctl scale --endpoint "$(sock cd17)" --image "$IMAGE" --pods "${SCALE_PODS:-100}" --containers "${SCALE_CONTAINERS:-5}"
      local n; for ((n = 0; n < ${SCALE_DOCKER:-50}; n++)); do
        [[ $(docker inspect -f '{{.State.Running}}' "lab-scale-$n" 2>/dev/null) == true ]] && continue
        docker rm -f "lab-scale-$n" >/dev/null 2>&1 || true
        docker run -d --name "lab-scale-$n" --network none --label rtsnap.lab=scale rtsnap-lab/busybox:1 /bin/sleep 2147483647 >/dev/null
      done ;;
    scale:off)
      labctl unscale --endpoint "$(sock cd17)" --image "$IMAGE"
      docker ps -aq --filter label=rtsnap.lab=scale | xargs -r docker rm -f >/dev/null ;;
    pids-limit:on|pids-limit:off) pids_fault "$mode" ;;
    k8s-*:on|k8s-*:off) k8s_fault "${name#k8s-}" "$mode" ;;
    cridockerd-*:on|cridockerd-*:off) cridockerd_fault "${name#cridockerd-}" "$mode" ;;
    crio-*:on|crio-*:off) bash "$HERE/crio.sh" fault "${name#crio-}" "$mode" ;;
    *) die "unknown fault $name $mode (paused, dead, crashloop, pullfail, down, hang, scale, pids-limit, k8s-*, cridockerd-*, crio-*; on|off)" ;;
  esac
}

# pids_fault on|off: Docker container lab-pids (dockerd 20.10, cgroup v1 here)
# with pids.max 16, its pids filled by a fork loop exec'd into it: the loop's
# shell dies of "can't fork" once 15 sleeps and init hold all 16, so
# pids.events counts the refusal and the container runs on at its limit (the
# host side of lab/vm's v2-pids case).
PIDS_CONTAINER=lab-pids
pids_fault() {
  if [[ $1 == off ]]; then docker rm -f "$PIDS_CONTAINER" >/dev/null 2>&1 || true; return 0; fi
  docker rm -f "$PIDS_CONTAINER" >/dev/null 2>&1 || true
  docker run -d --name "$PIDS_CONTAINER" --network none --pids-limit 16 --label rtsnap.lab=pids \
    rtsnap-lab/busybox:1 /bin/sleep 2147483647 >/dev/null || die "could not start $PIDS_CONTAINER"
  timeout 30 docker exec "$PIDS_CONTAINER" /bin/sh -c 'i=0; while [ $i -lt 40 ]; do sleep 2147483647 & i=$((i+1)); done' 2>/dev/null || true
  local pid cg; pid=$(docker inspect -f '{{.State.Pid}}' "$PIDS_CONTAINER")
  cg=/sys/fs/cgroup/pids$(awk -F: '$2 == "pids" {print $3}' "/proc/$pid/cgroup")
  [[ -f /sys/fs/cgroup/cgroup.controllers ]] && cg=/sys/fs/cgroup$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")
  grep -qs '^max [1-9]' "$cg/pids.events" || die "$PIDS_CONTAINER: no refused fork in $cg/pids.events ($(cat "$cg/pids.events" 2>&1))"
  echo "container=$(docker inspect -f '{{.Id}}' "$PIDS_CONTAINER") pids.max=$(cat "$cg/pids.max") pids.current=$(cat "$cg/pids.current") $(cat "$cg/pids.events")"
}

# shellcheck source=cni.sh
source "$HERE/cni.sh"
# shellcheck source=k8s.sh
source "$HERE/k8s.sh"
# shellcheck source=cridockerd.sh
source "$HERE/cridockerd.sh"

case ${1:-} in
  up) up ;;
  install) [[ $(id -u) == 0 ]] || die "installing needs root"; install_packages ;;
  down) down ;;
  status) status ;;
  env) env_ ;;
  # k8s-status: the cluster's state, also written to /work/brief/k8s-status.md for the other engineers.
  k8s-status) k8s_status; k8s_status_file ;;
  # k8s-up, k8s-down: only the Kubernetes part (the runtime lab stays as it is).
  k8s-up) [[ $(id -u) == 0 ]] || die "the lab needs root"; k8s_up; k8s_status ;;
  k8s-down) k8s_down ;;
  # cridockerd-up, cridockerd-down: only dockerd 28 and cri-dockerd (RTSNAP_LAB_CRIDOCKERD=0 leaves them out of up).
  cridockerd-up) [[ $(id -u) == 0 ]] || die "the lab needs root"; cridockerd_up; cridockerd_status ;;
  cridockerd-down) cridockerd_down ;;
  fault) shift; fault "$@" ;;
  *) echo "usage: lab.sh up|install|down|status|env|k8s-up|k8s-down|k8s-status|cridockerd-up|cridockerd-down|fault NAME on|off" >&2; exit 2 ;;
esac
