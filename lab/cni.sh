#!/usr/bin/env bash
# cni.sh: the lab's one CNI network shape, sourced by lab.sh (and the k8s.sh and
# cridockerd.sh it sources) and crio.sh. Every runtime in the lab gets its own
# bridge, subnet and IPAM directory, with the same two plugins.

# bridge_conflist NAME BRIDGE SUBNET IPAM_DIR [GATEWAY] prints a conflist: the
# bridge plugin (gateway on the bridge, no masquerade) with host-local IPAM,
# then loopback.
bridge_conflist() {
  local name=$1 bridge=$2 subnet=$3 ipam=$4 gateway=${5:-}
  local range="{\"subnet\": \"$subnet\"}"
  [[ -n $gateway ]] && range="{\"subnet\": \"$subnet\", \"gateway\": \"$gateway\"}"
  cat <<JSON
{
  "cniVersion": "1.0.0",
  "name": "$name",
  "plugins": [
    {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false,
     "ipam": {"type": "host-local", "ranges": [[$range]], "dataDir": "$ipam"}},
    {"type": "loopback"}
  ]
}
JSON
}
