# shellcheck shell=bash
# The lab's Kubernetes: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler and four kubelet nodes, two on containerd daemons of their own
# of different versions (the mixed fleet of an upgrade), one on a CRI-O of its
# own (crio.sh, instance k8scrio) and one on a dockerd 28 + cri-dockerd pair of
# its own (cridockerd.sh, prefix k8s). Sourced by lab.sh, which defines ROOT,
# RUN, LOGS, CACHE, HERE, log, die, wait_for, alive, stop_pidfile, labctl,
# write_config, start_containerd, ctr_, bindir and sock, and sources
# cridockerd.sh (crid_instance, start_docker28, start_cridockerd, ...).
#
# Why the kubelets get daemons of their own (k8s2, k8s17) instead of cd2 and
# cd17: a kubelet stops every running pod sandbox its API server does not know
# (HandlePodCleanups) and removes their containers, so on cd2 it would take the
# emulated CRI-only pods the other tests need. Own daemons also give each
# kubelet its own CNI conf dir (the ContainerCreating fault breaks only that).
# The same holds for CRI-O (crio.sh's pods web-crio, vault-crio and its
# faults') and cri-dockerd (web-cridockerd): lab-crio and lab-dockerd get a
# second instance each, with their own root, run dir, socket and bridge.

K8S_VERSION=1.34.4
K8S_BIN=$CACHE/kubernetes-$K8S_VERSION
K8S=$ROOT/k8s
K8SRUN=$RUN/k8s
K8SLOGS=$LOGS/k8s
K8S_API_PORT=16443
K8S_ETCD_PORT=12379
K8S_NS=k8slab
K8S_IMAGE=rtsnap.local/busybox:1
KUBECONFIG_ADMIN=$K8S/admin.kubeconfig
# NODES: node name, runtime daemon, bridge index (node IP 10.232.N.1). The
# runtime kind follows from the daemon's name (node_runtime).
K8S_NODES="lab-cd2:k8s2:1 lab-cd17:k8s17:2 lab-crio:k8scrio:3 lab-dockerd:k8sdocker:4"
K8S_CRIO=k8scrio
K8S_DOCKER=k8sdocker
# The sysctls kubelet writes (protectKernelDefaults: false); saved before the
# first kubelet starts, restored by down.
K8S_SYSCTLS="vm.overcommit_memory kernel.panic kernel.panic_on_oops"

node_daemon() { local n; for n in $K8S_NODES; do [[ ${n%%:*} == "$1" ]] && { n=${n#*:}; echo "${n%%:*}"; return; }; done; }
node_index() { local n; for n in $K8S_NODES; do [[ ${n%%:*} == "$1" ]] && { echo "${n##*:}"; return; }; done; }
node_ip() { echo "10.232.$(node_index "$1").1"; }
node_names() { local n; for n in $K8S_NODES; do echo "${n%%:*}"; done; }
# node_runtime NODE: containerd, crio or cri-dockerd.
node_runtime() {
  case $(node_daemon "$1") in
    "$K8S_CRIO") echo crio ;;
    "$K8S_DOCKER") echo cri-dockerd ;;
    *) echo containerd ;;
  esac
}
# node_names_of KIND: the nodes whose runtime is KIND.
node_names_of() { local n; for n in $(node_names); do [[ $(node_runtime "$n") == "$1" ]] && echo "$n"; done; return 0; }
# node_sock NODE: the CRI socket the node's kubelet uses.
node_sock() {
  case $(node_runtime "$1") in
    crio) echo "$RUN/$K8S_CRIO/crio.sock" ;;
    cri-dockerd) (k8s_docker_instance; echo "$CRID_SOCK") ;;
    *) sock "$(node_daemon "$1")" ;;
  esac
}
# crio_node CMD: crio.sh CMD on the lab-crio instance (own root, run dir,
# socket, log; CNI on the node's bridge; the workload image name loaded too).
crio_node() {
  local n; n=$(node_names_of crio)
  CRIO_NAME=$K8S_CRIO CRIO_BRIDGE=rtsnapk8s$(node_index "$n") CRIO_SUBNET=10.232.$(node_index "$n").0/24 \
    CRIO_EXTRA_IMAGES=$K8S_IMAGE CRIO_LABCTL=$CACHE/labctl-k8s bash "$HERE/crio.sh" "$@"
}
# k8s_docker_instance: cridockerd.sh's variables for lab-dockerd's pair (call in a subshell).
k8s_docker_instance() {
  local n; n=$(node_names_of cri-dockerd)
  crid_instance k8s "rtsnapk8s$(node_index "$n")" "10.232.$(node_index "$n").0/24"
}
api_ip() { node_ip "$(node_names | head -1)"; }
kubelet_port() { echo $((20250 + $(node_index "$1"))); }
kubelet_healthz_port() { echo $((20247 + $(node_index "$1"))); }
node_root() { echo "$K8S/nodes/$1"; }
node_pod_logs() { echo "$K8SLOGS/$1/pods"; }
kubectl_() { timeout 60 "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

k8s_build() { bash "$HERE/build-kubernetes.sh" "$K8S_VERSION"; }

# k8s_bridge NODE: the node's bridge with the node IP (kubelet refuses a
# loopback node IP: the node IP is the bridge's gateway, made before kubelet
# starts; the runtime's CNI conflist uses the same bridge and subnet).
k8s_bridge() {
  local br=rtsnapk8s$(node_index "$1")
  if ! ip link show "$br" >/dev/null 2>&1; then
    ip link add "$br" type bridge && ip link set "$br" up
  fi
  ip addr show dev "$br" | has_line "$(node_ip "$1")/24" || ip addr add "$(node_ip "$1")/24" dev "$br"
}

# k8s_runtime NODE: the node's runtime daemon with its own CNI conf dir and bridge.
k8s_runtime() {
  local node=$1 d i; d=$(node_daemon "$1"); i=$(node_index "$1")
  local netd=$ROOT/$d/net.d br=rtsnapk8s$i
  k8s_bridge "$node"
  case $(node_runtime "$node") in
    crio) crio_node node-up; return ;;
    cri-dockerd)
      cridockerd_build >/dev/null
      (k8s_docker_instance; start_docker28; d28_images
        docker28 image inspect "$K8S_IMAGE" >/dev/null 2>&1 || docker28 tag "$PAUSE" "$K8S_IMAGE"
        start_cridockerd)
      return ;;
  esac
  # A running node is left as it is: a fault test may have changed its CNI
  # conf (k8s-cni) or its config (k8s-cgroup-driver) just now.
  alive "$RUN/$d/daemon.pid" && return 0
  write_config "$d"
  sed -i "s#conf_dir = \"$ROOT/cni/net.d\"#conf_dir = \"$netd\"#" "$ROOT/$d/config.toml"
  grep -q "conf_dir = \"$netd\"" "$ROOT/$d/config.toml" || die "$d: could not set its CNI conf dir"
  mkdir -p "$netd"
  k8s_cni_conf "$d" "$i" > "$netd/10-$br.conflist.tmp" && mv "$netd/10-$br.conflist.tmp" "$netd/10-$br.conflist"
  start_containerd "$d"
  import_images "$d"
  ctr_ "$d" -n k8s.io images ls -q | has_line -x "$K8S_IMAGE" || ctr_ "$d" -n k8s.io images tag "$IMAGE" "$K8S_IMAGE" >/dev/null
}

k8s_cni_conf() {
  local d=$1 i=$2
  bridge_conflist "rtsnap-$d" "rtsnapk8s$i" "10.232.$i.0/24" "$ROOT/$d/ipam" "10.232.$i.1"
}

# mkcert NAME CN [O [SAN]]: a key pair signed by the lab CA ($K8S/pki/ca).
mkcert() {
  local name=$1 cn=$2 o=${3:-} san=${4:-} pki=$K8S/pki ca=${CA:-ca}
  [[ -s $pki/$name.crt ]] && return 0
  local subj="/CN=$cn"; [[ -n $o ]] && subj="/O=$o$subj"
  openssl req -new -newkey rsa:2048 -nodes -subj "$subj" -keyout "$pki/$name.key" -out "$pki/$name.csr" 2>/dev/null
  local ext; ext=$(mktemp)
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n $san ]]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$san"
    else echo "extendedKeyUsage=clientAuth"; fi; } > "$ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/$ca.crt" -CAkey "$pki/$ca.key" -CAcreateserial \
    -days 30 -extfile "$ext" -out "$pki/$name.crt" 2>/dev/null || die "openssl: signing $name"
  rm -f "$ext" "$pki/$name.csr"
  chmod 600 "$pki/$name.key"
}

mkca() {
  local name=$1 pki=$K8S/pki
  [[ -s $pki/$name.crt ]] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=rtsnap-lab-$name" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -keyout "$pki/$name.key" -out "$pki/$name.crt" 2>/dev/null || die "openssl: making CA $name"
  chmod 600 "$pki/$name.key"
}

# kubeconfig FILE CERTNAME: a kubeconfig for the lab API with a client cert.
kubeconfig() {
  local f=$1 c=$2 pki=$K8S/pki
  cat > "$f" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: rtsnap-lab
  cluster:
    certificate-authority: $pki/ca.crt
    server: https://$(api_ip):$K8S_API_PORT
users:
- name: $c
  user:
    client-certificate: $pki/$c.crt
    client-key: $pki/$c.key
contexts:
- name: rtsnap-lab
  context: {cluster: rtsnap-lab, user: $c}
current-context: rtsnap-lab
YAML
}

k8s_pki() {
  local pki=$K8S/pki
  mkdir -p "$pki"
  mkca ca
  mkca front-proxy-ca
  mkcert apiserver kube-apiserver "" "IP:$(api_ip),IP:127.0.0.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:localhost"
  mkcert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  mkcert admin rtsnap-lab-admin system:masters
  mkcert controller-manager system:kube-controller-manager
  mkcert scheduler system:kube-scheduler
  CA=front-proxy-ca mkcert front-proxy-client front-proxy-client
  local n; for n in $(node_names); do mkcert "kubelet-$n" "system:node:$n" system:nodes; done
  if [[ ! -s $pki/sa.key ]]; then
    openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null && openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
    chmod 600 "$pki/sa.key"
  fi
  kubeconfig "$KUBECONFIG_ADMIN" admin
  kubeconfig "$K8S/controller-manager.kubeconfig" controller-manager
  kubeconfig "$K8S/scheduler.kubeconfig" scheduler
  for n in $(node_names); do kubeconfig "$K8S/kubelet-$n.kubeconfig" "kubelet-$n"; done
}

# start_k8s_proc NAME CMD...: a control plane process under setsid, logged and pid-filed.
start_k8s_proc() {
  local name=$1; shift
  alive "$K8SRUN/$name.pid" && return 0
  log "starting $name"
  setsid "$@" >>"$K8SLOGS/$name.log" 2>&1 < /dev/null &
  echo $! > "$K8SRUN/$name.pid"
}

k8s_control_plane() {
  local pki=$K8S/pki
  start_k8s_proc etcd "$K8S_BIN/etcd" --name lab --data-dir "$K8S/etcd" \
    --listen-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$K8S_ETCD_PORT" \
    --listen-peer-urls http://127.0.0.1:12380 --initial-advertise-peer-urls http://127.0.0.1:12380 \
    --initial-cluster lab=http://127.0.0.1:12380 --listen-metrics-urls http://127.0.0.1:12381
  start_k8s_proc kube-apiserver "$K8S_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$K8S_ETCD_PORT" --bind-address "$(api_ip)" --secure-port "$K8S_API_PORT" \
    --advertise-address "$(api_ip)" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range 10.96.0.0/24 --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --allow-privileged=true --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" --kubelet-preferred-address-types InternalIP \
    --requestheader-client-ca-file "$pki/front-proxy-ca.crt" --requestheader-allowed-names front-proxy-client \
    --requestheader-extra-headers-prefix X-Remote-Extra- --requestheader-group-headers X-Remote-Group \
    --requestheader-username-headers X-Remote-User --proxy-client-cert-file "$pki/front-proxy-client.crt" \
    --proxy-client-key-file "$pki/front-proxy-client.key"
  wait_for 120 kubectl_ get --raw /readyz || die "kube-apiserver was not ready within 120s (see $K8SLOGS/kube-apiserver.log)"
  start_k8s_proc kube-controller-manager "$K8S_BIN/kube-controller-manager" \
    --kubeconfig "$K8S/controller-manager.kubeconfig" --authentication-kubeconfig "$K8S/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$K8S/controller-manager.kubeconfig" --service-account-private-key-file "$pki/sa.key" \
    --root-ca-file "$pki/ca.crt" --use-service-account-credentials=true --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port 20257 --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
    --client-ca-file "$pki/ca.crt"
  start_k8s_proc kube-scheduler "$K8S_BIN/kube-scheduler" \
    --kubeconfig "$K8S/scheduler.kubeconfig" --authentication-kubeconfig "$K8S/scheduler.kubeconfig" \
    --authorization-kubeconfig "$K8S/scheduler.kubeconfig" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port 20259 --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
    --client-ca-file "$pki/ca.crt"
}

# k8s_cgroup_root NODE: the node's own cgroup root in every v1 hierarchy (and
# v2), so two kubelets on one host never see each other's pod cgroups: each
# kills the processes of pod cgroups it does not know.
k8s_cgroup_root() {
  local name=rtsnap-lab-$1 h
  if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then mkdir -p "/sys/fs/cgroup/$name"; return 0; fi
  for h in /sys/fs/cgroup/*/; do
    [[ -d $h && $h != */unified/ ]] || continue
    mkdir -p "$h$name"
    if [[ -f ${h}cpuset.cpus && ! -s $h$name/cpuset.cpus ]]; then
      cat "${h}cpuset.cpus" > "$h$name/cpuset.cpus"; cat "${h}cpuset.mems" > "$h$name/cpuset.mems"
    fi
  done
}

# kubelet_config NODE [DRIVER]: the kubelet's config file.
kubelet_config() {
  local node=$1 driver=${2:-cgroupfs} d; d=$(node_daemon "$1")
  local r; r=$(node_root "$node")
  cat <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: $driver
cgroupRoot: /rtsnap-lab-$node
failSwapOn: false
makeIPTablesUtilChains: false
protectKernelDefaults: false
containerRuntimeEndpoint: unix://$(node_sock "$node")
podLogsDir: $(node_pod_logs "$node")
staticPodPath: $r/manifests
address: $(node_ip "$node")
port: $(kubelet_port "$node")
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $(kubelet_healthz_port "$node")
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $K8S/pki/ca.crt}
authorization: {mode: AlwaysAllow}
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
resolvConf: /etc/resolv.conf
YAML
}

# start_kubelet NODE [DRIVER]
start_kubelet() {
  local node=$1 driver=${2:-cgroupfs}
  alive "$K8SRUN/kubelet-$node.pid" && return 0
  local r; r=$(node_root "$node")
  mkdir -p "$r/manifests" "$r/root" "$r/pki" "$(node_pod_logs "$node")"
  kubelet_config "$node" "$driver" > "$r/config.yaml"
  k8s_static_pod "$node" > "$r/manifests/static-web.yaml"
  k8s_cgroup_root "$node"
  # Once, before any kubelet ran: the sysctls it is about to change.
  if [[ ! -s $K8S/sysctl.saved ]]; then
    local s; for s in $K8S_SYSCTLS; do echo "$s=$(sysctl -n "$s")"; done > "$K8S/sysctl.saved.tmp" && mv "$K8S/sysctl.saved.tmp" "$K8S/sysctl.saved"
  fi
  log "starting kubelet $node on $(node_daemon "$node") ($driver)"
  # The CRI-O and cri-dockerd nodes register tainted (rtsnap.lab/runtime=KIND:
  # NoSchedule): the baseline Deployment, DaemonSet and other engineers'
  # test pods stay on the containerd nodes as before; runtimes.yaml's pods
  # tolerate it. A taint given at registration leaves no window in which
  # the scheduler could place a pod there first.
  local taint=(); [[ $(node_runtime "$node") == containerd ]] || taint=(--register-with-taints "rtsnap.lab/runtime=$(node_runtime "$node"):NoSchedule")
  start_k8s_proc "kubelet-$node" "$K8S_BIN/kubelet" --config "$r/config.yaml" \
    --kubeconfig "$K8S/kubelet-$node.kubeconfig" --root-dir "$r/root" --cert-dir "$r/pki" \
    --hostname-override "$node" --node-ip "$(node_ip "$node")" "${taint[@]}" \
    --node-labels "rtsnap.lab/runtime=$(node_runtime "$node")" --v=2
}

# k8s_static_pod NODE: a static pod, so the kubelet's manifest dir is not empty.
k8s_static_pod() {
  cat <<YAML
apiVersion: v1
kind: Pod
metadata: {name: static-web, namespace: $K8S_NS, labels: {rtsnap.lab: static}}
spec:
  containers:
  - name: web
    image: $K8S_IMAGE
    imagePullPolicy: IfNotPresent
    command: ["/bin/sh", "-c", "while true; do echo static tick; sleep 10; done"]
YAML
}

node_ready() { [[ $(kubectl_ get node "$1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]; }

k8s_up() {
  [[ -x $K8S_BIN/kubelet ]] || k8s_build
  mkdir -p "$K8S" "$K8SRUN" "$K8SLOGS"
  # Its own labctl (lab-crio's teardown needs down --all): the shared one is
  # whatever worktree ran lab.sh up last.
  (cd "$REPO" && CGO_ENABLED=0 go build -o "$CACHE/labctl-k8s.tmp" ./lab/labctl && mv "$CACHE/labctl-k8s.tmp" "$CACHE/labctl-k8s")
  local n
  for n in $(node_names); do k8s_runtime "$n"; done
  k8s_pki
  k8s_control_plane
  for n in $(node_names); do start_kubelet "$n"; done
  for n in $(node_names); do
    wait_for 120 node_ready "$n" || die "node $n was not Ready within 120s (see $K8SLOGS/kubelet-$n.log)"
    # The runtime kind as a label, for nodeSelectors (runtimes.yaml). Also
    # given as --node-labels, which a kubelet applies only when it registers
    # its node: that is early enough for its own admission of runtimes.yaml's
    # pods (a pod bound before the label is there is rejected NodeAffinity),
    # this is for nodes registered before the flag was given.
    kubectl_ label node "$n" --overwrite "rtsnap.lab/runtime=$(node_runtime "$n")" >/dev/null || die "could not label node $n"
  done
  kubectl_ apply -f "$HERE/k8s/workloads.yaml" >/dev/null || die "kubectl apply of lab/k8s/workloads.yaml failed"
  # runtimes.yaml holds bare pods: their admission needs the namespace's
  # default service account, which the controller-manager makes a moment
  # after workloads.yaml made the namespace (on a fresh lab the apply raced
  # it: "serviceaccount \"default\" not found").
  wait_for 60 kubectl_ -n k8slab get serviceaccount default || die "namespace k8slab has no default service account within 60s (see $K8SLOGS/kube-controller-manager.log)"
  kubectl_ apply -f "$HERE/k8s/runtimes.yaml" >/dev/null || die "kubectl apply of lab/k8s/runtimes.yaml failed"
  wait_for 180 k8s_workloads_ready || die "lab workloads were not ready within 180s: $(kubectl_ get pods -A -o wide 2>&1)"
  k8s_status_file
}

# k8s_workloads_ready: every pod of the baseline Running and ready, or Succeeded.
k8s_workloads_ready() {
  local out; out=$(kubectl_ get pods -n "$K8S_NS" --no-headers -o 'custom-columns=P:.status.phase,R:.status.containerStatuses[*].ready,F:.metadata.labels.rtsnap\.lab/fault') || return 1
  [[ -n $out ]] || return 1
  ! awk '$3 == "<none>" && !($1 == "Succeeded" || ($1 == "Running" && $2 !~ /false/)) {bad=1} END {exit !bad}' <<<"$out"
}

k8s_status() {
  local ok=0 c n
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler; do
    if alive "$K8SRUN/$c.pid"; then echo "$c: up"; else echo "$c: down"; ok=1; fi
  done
  # One API call for every node's Ready condition (status runs before every
  # lab test package; a call per node cost seconds on a loaded API server).
  local ready
  ready=$(kubectl_ get nodes -o 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null) || ready=
  for n in $(node_names); do
    local st=down; alive "$K8SRUN/kubelet-$n.pid" && st=up
    grep -qxF "$n=True" <<<"$ready" && st+=" (Ready)" || st+=" (NotReady)"
    echo "kubelet $n: $st on $(node_daemon "$n") $(node_sock "$n")"
    [[ $st == "up (Ready)" ]] || ok=1
  done
  return $ok
}

k8s_env() {
  echo "RTSNAP_LAB_KUBECONFIG=$KUBECONFIG_ADMIN"
  echo "RTSNAP_LAB_KUBECTL=$K8S_BIN/kubectl"
  echo "RTSNAP_LAB_K8S_NAMESPACE=$K8S_NS"
  # RTSNAP_LAB_K8S_NODES: the containerd nodes (tests that import images
  # with ctr or count web pods read it); RTSNAP_LAB_K8S_RUNTIME_NODES: the
  # CRI-O and cri-dockerd nodes. Both sets have the per-node variables.
  echo "RTSNAP_LAB_K8S_NODES=$(node_names_of containerd | paste -sd, -)"
  echo "RTSNAP_LAB_K8S_RUNTIME_NODES=$( { node_names_of crio; node_names_of cri-dockerd; } | paste -sd, -)"
  local n u; for n in $(node_names); do
    u=$(tr a-z- A-Z_ <<<"$n")
    echo "RTSNAP_LAB_NODE_${u}_RUNTIME=$(node_runtime "$n")"
    echo "RTSNAP_LAB_NODE_${u}_SOCK=$(node_sock "$n")"
    echo "RTSNAP_LAB_NODE_${u}_KUBELET_ROOT=$(node_root "$n")/root"
    echo "RTSNAP_LAB_NODE_${u}_POD_LOGS=$(node_pod_logs "$n")"
    echo "RTSNAP_LAB_NODE_${u}_KUBELET_CONFIG=$(node_root "$n")/config.yaml"
    echo "RTSNAP_LAB_NODE_${u}_KUBELET_LOG=$K8SLOGS/kubelet-$n.log"
    [[ $(node_runtime "$n") == cri-dockerd ]] && echo "RTSNAP_LAB_NODE_${u}_DOCKER_SOCK=$(k8s_docker_instance; echo "$D28_SOCK")"
  done
  return 0
}

k8s_down() {
  local n c d m
  [[ -d $K8SRUN || -d $K8S ]] || return 0
  if alive "$K8SRUN/kube-apiserver.pid"; then
    # Pods first, through the API, while their kubelets still run.
    kubectl_ delete namespace "$K8S_NS" --wait=true --timeout=90s >/dev/null 2>&1 || true
  fi
  for n in $(node_names); do stop_pidfile "$K8SRUN/kubelet-$n.pid"; done
  for c in kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_pidfile "$K8SRUN/$c.pid"; done
  for n in $(node_names); do
    d=$(node_daemon "$n")
    case $(node_runtime "$n") in
      crio) crio_node node-down || true ;;
      cri-dockerd) (k8s_docker_instance; cridockerd_down) || true ;;
    esac
    # Whatever the kubelet left running (other namespaces' pods too).
    if [[ $(node_runtime "$n") == containerd ]] && alive "$RUN/$d/daemon.pid"; then
      for c in $(ctr_ "$d" -n k8s.io tasks ls -q 2>/dev/null); do ctr_ "$d" -n k8s.io tasks kill -s KILL "$c" >/dev/null 2>&1 || true; done
      sleep 1
    fi
    stop_pidfile "$RUN/$d/daemon.pid"
    pkill -f "containerd-shim-runc-v2 -namespace .* -address $RUN/$d/" 2>/dev/null || true
    ip link del "rtsnapk8s$(node_index "$n")" 2>/dev/null || true
    find /sys/fs/cgroup/*/"rtsnap-lab-$n" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  if [[ -s $K8S/sysctl.saved ]]; then
    sysctl -q -p "$K8S/sysctl.saved" >/dev/null || log "could not restore $(tr '\n' ' ' < "$K8S/sysctl.saved")"
  fi
  local prefixes=("$K8S/") p
  for n in $(node_names); do d=$(node_daemon "$n"); prefixes+=("$ROOT/$d/" "$RUN/$d/"); done
  for m in $(awk '{print $2}' /proc/mounts | sort -r); do
    for p in "${prefixes[@]}"; do [[ $m == "$p"* ]] && { umount -l "$m" 2>/dev/null || true; break; }; done
  done
  # The nodes' pod logs too: a kubelet counts a new container's restarts from
  # the log files it finds, so a static pod (same UID every run) would start
  # with the last run's count.
  for n in $(node_names); do d=$(node_daemon "$n"); rm -rf "${ROOT:?}/$d" "${RUN:?}/$d" "$(node_pod_logs "$n")"; done
  rm -rf "$K8SRUN" "$K8S"
  log "kubernetes is down"
}

# node_runtime_version NODE: e.g. "containerd 2.2.1", "CRI-O 1.34.0".
node_runtime_version() {
  case $(node_runtime "$1") in
    crio) echo "CRI-O $(crio_node status 2>/dev/null | sed -n 's/.*(\(.*\)).*/\1/p')" ;;
    cri-dockerd) echo "cri-dockerd $CD_CRID_VERSION on dockerd $CD_DOCKER_VERSION" ;;
    *) echo "containerd $("$(bindir "$(node_daemon "$1")")/containerd" --version | awk '{print $3}')" ;;
  esac
}

# k8s_status_file writes what the other engineers need to use the cluster.
k8s_status_file() {
  local f=/work/brief/k8s-status.md
  [[ -d ${f%/*} && -w ${f%/*} ]] || return 0
  {
    echo "# Lab Kubernetes status (written by lab.sh up, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
    echo
    echo "Kubernetes v$K8S_VERSION (etcd 3.6.16), binaries in $K8S_BIN (kubectl there too)."
    echo "- kubeconfig (cluster-admin): \`$KUBECONFIG_ADMIN\`; API https://$(api_ip):$K8S_API_PORT"
    echo "  e.g. \`$K8S_BIN/kubectl --kubeconfig $KUBECONFIG_ADMIN get nodes -o wide\`"
    echo "- lab workloads: namespace \`$K8S_NS\` (manifests lab/k8s/*.yaml on branch k8slab)"
    echo "- start: \`bash lab/lab.sh up\` (from /work/wt/k8slab); stop: only the k8slab engineer."
    echo "- coordinates for tests: \`bash lab/lab.sh env\` prints RTSNAP_LAB_KUBECONFIG, RTSNAP_LAB_NODE_<NODE>_*"
    echo
    echo "| node | runtime | socket | kubelet --root-dir | podLogsDir | config | kubelet log | kubelet ports |"
    echo "|---|---|---|---|---|---|---|---|"
    local n d
    for n in $(node_names); do
      d=$(node_daemon "$n")
      echo "| $n | $(node_runtime_version "$n") ($d) | $(node_sock "$n") | $(node_root "$n")/root | $(node_pod_logs "$n") | $(node_root "$n")/config.yaml | $K8SLOGS/kubelet-$n.log | $(kubelet_port "$n") (healthz 127.0.0.1:$(kubelet_healthz_port "$n")) |"
    done
    echo
    echo "Kubelets are started by hand (no systemd): flags \`--config --kubeconfig --root-dir --cert-dir --hostname-override --node-ip --node-labels --v=2\`"
    echo "(lab-crio and lab-dockerd also \`--register-with-taints rtsnap.lab/runtime=KIND:NoSchedule\`: only lab/k8s/runtimes.yaml's pods go there),"
    echo "cgroupDriver cgroupfs, cgroupRoot /rtsnap-lab-<node>, static pod static-web-<node> from <root>/../manifests, stdout/stderr to the kubelet log above."
    echo "Start/stop one kubelet: \`lab.sh fault k8s-kubelet-down on|off\` (lab-cd17; its config file stays where the table says while it is down)."
    echo "Faults (\`lab.sh fault NAME on|off\`, only from a test holding the lab lock, internal/lab.Fault): k8s-crashloop, k8s-pullfail, k8s-oom,"
    echo "k8s-cni (lab-cd17), k8s-kubelet-down (lab-cd17), k8s-cgroup-driver (lab-cd17: runc on systemd, kubelet on cgroupfs; kubelet stays up). See docs/kubernetes.md."
    echo
    echo "Notes from the k8slab branch for collector work: four kubelets run on this host, so a collector sees four kubelet"
    echo "processes (k8slab fixed configs' kubelet-cmdline.txt being written twice, and internal/tail now dates klog lines so"
    echo "--since bounds kubelet log files); the endpoint is only in the config file (containerRuntimeEndpoint), not a flag."
    echo
    echo '```'
    kubectl_ get nodes -o wide 2>&1
    kubectl_ get pods -A -o wide 2>&1
    echo '```'
  } > "$f.tmp" && mv "$f.tmp" "$f"
}

# k8s_fault NAME on|off stages or restores a Kubernetes fault (names without
# the k8s- prefix). Pods come from lab/k8s/faults/*.yaml through the API.
K8S_FAULT_NODE=lab-cd17
k8s_fault() {
  local name=$1 mode=$2 f=$HERE/k8s/faults
  local d; d=$(node_daemon "$K8S_FAULT_NODE")
  local conf; conf=$ROOT/$d/net.d/10-rtsnapk8s$(node_index "$K8S_FAULT_NODE").conflist
  case $name:$mode in
    crashloop:on|pullfail:on|oom:on) kubectl_ apply -f "$f/$name.yaml" ;;
    crashloop:off|pullfail:off|oom:off) kubectl_ delete --wait=true --timeout=60s --ignore-not-found -f "$f/$name.yaml" ;;
    cni:on)
      # A plugin that is not installed: the conf loads (NetworkReady stays
      # true, the node stays Ready) but every RunPodSandbox fails.
      sed -e 's/"type": "bridge"/"type": "rtsnap-missing-plugin"/' <(k8s_cni_conf "$d" "$(node_index "$K8S_FAULT_NODE")") > "$conf.tmp"
      mv "$conf.tmp" "$conf"
      sleep 2 # containerd reloads the conf dir on change
      kubectl_ apply -f "$f/creating.yaml" ;;
    cni:off)
      k8s_cni_conf "$d" "$(node_index "$K8S_FAULT_NODE")" > "$conf.tmp" && mv "$conf.tmp" "$conf"
      sleep 2
      kubectl_ delete --wait=true --timeout=60s --ignore-not-found -f "$f/creating.yaml" ;;
    kubelet-down:on) stop_pidfile "$K8SRUN/kubelet-$K8S_FAULT_NODE.pid" ;;
    kubelet-down:off)
      start_kubelet "$K8S_FAULT_NODE"
      wait_for 120 node_ready "$K8S_FAULT_NODE" || die "node $K8S_FAULT_NODE not Ready again within 120s" ;;
    # The runtime's runc says systemd, the kubelet (cgroupfs) passes cgroupfs
    # paths: every new sandbox fails with runc's "expected cgroupsPath to be of
    # format slice:prefix:name". The kubelet keeps running (containerd 1.7 has
    # no RuntimeConfig, so it cannot learn the runtime's driver) and reports
    # the node Ready; running pods go on. The restart of the daemon leaves
    # running containers alone (their shims stay).
    cgroup-driver:on|cgroup-driver:off)
      local want=true; [[ $mode == off ]] && want=false
      sed -i -E "s/^([[:space:]]*SystemdCgroup = )(true|false)/\1$want/" "$ROOT/$d/config.toml"
      grep -q "SystemdCgroup = $want" "$ROOT/$d/config.toml" || die "$d: could not set SystemdCgroup = $want"
      stop_pidfile "$RUN/$d/daemon.pid"
      start_containerd "$d"
      if [[ $mode == on ]]; then kubectl_ apply -f "$f/cgroupdriver.yaml"
      else kubectl_ delete --wait=true --timeout=60s --ignore-not-found -f "$f/cgroupdriver.yaml"; fi ;;
    *) die "unknown fault k8s-$name $mode (k8s-crashloop, k8s-pullfail, k8s-oom, k8s-cni, k8s-kubelet-down, k8s-cgroup-driver; on|off)" ;;
  esac
}
