# Shared by build.sh and run.sh: the one definition of the guest's paths.
# shellcheck shell=bash
VM_CACHE=${RTSNAP_VM_CACHE:-/var/cache/rtsnap-lab/vm}
# Where the guest mounts the host's 9p share (mount tag "share").
GUEST_SHARE=/mnt/share

log() { printf '[vm %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
