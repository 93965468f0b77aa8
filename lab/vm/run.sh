#!/usr/bin/env bash
# Boots the cgroup v2 guest (build.sh's image) once under qemu's software
# emulation and waits, bounded, for the guest script on the share to finish.
#
# Usage: run.sh IMAGE_DIR WORK_DIR
#   WORK_DIR/share   the 9p share (guest.sh, rtsnap, busybox-oci.tar in;
#                    ready, status, guest.log, bundle/ out)
#   WORK_DIR/console.log  the serial console
# Env: RTSNAP_VM_BOOT_TIMEOUT (s, until the guest script starts; default 600:
#      30-240 s were seen on a loaded 2-core machine),
#      RTSNAP_VM_RUN_TIMEOUT (s, until it ends; default 900).
# The VM is always killed on exit. Exit 0 only when the guest wrote "ok".
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/vm/common.sh
. "$HERE/common.sh"

IMG=${1:?usage: run.sh IMAGE_DIR WORK_DIR}
WORK=${2:?usage: run.sh IMAGE_DIR WORK_DIR}
BOOT_TIMEOUT=${RTSNAP_VM_BOOT_TIMEOUT:-600}
RUN_TIMEOUT=${RTSNAP_VM_RUN_TIMEOUT:-900}
SHARE=$WORK/share
CONSOLE=$WORK/console.log
for f in vmlinuz initrd.gz rootfs.img; do [[ -s $IMG/$f ]] || die "$IMG/$f missing: run build.sh"; done
[[ -s $SHARE/guest.sh ]] || die "$SHARE/guest.sh missing"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (apt-get install qemu-system-x86)"
rm -f "$SHARE/ready" "$SHARE/status"

tail_console() { log "console tail ($CONSOLE):"; tail -n 40 "$CONSOLE" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >&2 || true; }

QPID=
cleanup() {
  if [[ -n $QPID ]] && kill -0 "$QPID" 2>/dev/null; then
    kill "$QPID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$QPID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# -snapshot: the cached disk is never written. restrict=on: user networking
# with no way out of the guest. security_model=none: files keep the host's
# owner (root) so the host test can read what the guest wrote.
qemu-system-x86_64 -accel tcg -m 2048 -smp 2 -nographic -no-reboot \
  -kernel "$IMG/vmlinuz" -initrd "$IMG/initrd.gz" \
  -append "console=ttyS0 root=LABEL=rtsnap-vm rw panic=-1 systemd.unified_cgroup_hierarchy=1" \
  -drive "file=$IMG/rootfs.img,if=virtio,format=raw,snapshot=on" \
  -nic user,model=virtio-net-pci,restrict=on \
  -virtfs "local,path=$SHARE,mount_tag=share,security_model=none,id=share" \
  </dev/null >"$CONSOLE" 2>&1 &
QPID=$!
t0=$SECONDS
log "qemu pid $QPID; waiting up to ${BOOT_TIMEOUT}s for the guest script"
until [[ -e $SHARE/ready ]]; do
  kill -0 "$QPID" 2>/dev/null || { tail_console; die "qemu exited before the guest script started"; }
  ((SECONDS - t0 < BOOT_TIMEOUT)) || { tail_console; die "guest not up after ${BOOT_TIMEOUT}s"; }
  sleep 1
done
log "guest script started after $((SECONDS - t0))s (boot time)"
t1=$SECONDS
until [[ -s $SHARE/status ]]; do
  kill -0 "$QPID" 2>/dev/null || { tail_console; [[ -s $SHARE/guest.log ]] && tail -n 30 "$SHARE/guest.log" >&2; die "qemu exited before the guest script ended"; }
  ((SECONDS - t1 < RUN_TIMEOUT)) || { tail_console; tail -n 30 "$SHARE/guest.log" >&2 || true; die "guest script not done after ${RUN_TIMEOUT}s"; }
  sleep 1
done
log "guest script ended after $((SECONDS - t1))s: $(cat "$SHARE/status")"
grep -qx ok "$SHARE/status" || { tail -n 30 "$SHARE/guest.log" >&2; die "guest script: $(cat "$SHARE/status")"; }
