#!/usr/bin/env bash
# Builds the cgroup v2 guest of the lab: a Debian 12 system from Debian's
# packages only. The kernel .deb is fetched with apt-get download and
# UNPACKED (dpkg-deb -x), never installed on the host; the rootfs is made by
# debootstrap; a small initramfs (the guest's own static busybox and the
# modules needed to reach the root disk: virtio-pci, virtio-blk, ext4) hands
# over to systemd on an ext4 image. Everything lands in $VM_CACHE/<stamp>/,
# where <stamp> hashes this script and its inputs: a change rebuilds, an
# unchanged script reuses the cache. Prints the directory on stdout.
#
# Usage: build.sh            (root; deps.sh installs what it needs)
set -euo pipefail
# debootstrap, depmod and mkfs live in sbin, which a non-login root PATH may lack.
export PATH=$PATH:/usr/sbin:/sbin

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/vm/common.sh
. "$HERE/common.sh"

SUITE=bookworm
MIRROR=${RTSNAP_VM_MIRROR:-http://deb.debian.org/debian}
# What the guest needs: systemd as PID 1, containerd (Debian's 1.6.20) and
# runc, busybox for the initramfs, kmod so udev/systemd load 9p, overlay and
# virtio-net from the guest's own module tree.
INCLUDE=systemd-sysv,udev,dbus,kmod,containerd,runc,iproute2,busybox-static,procps
# The root disk: sparse, written once, used with -snapshot so a boot never
# changes the cache.
DISK_SIZE=3G
# The initramfs loads these and what modules.dep says they need.
INITRD_MODULES="virtio_pci virtio_blk ext4 crc32c_generic crc32c_intel"

stamp() {
  {
    sha256sum "$HERE/build.sh" "$HERE/common.sh" "$HERE/init" | cut -d' ' -f1
    echo "$SUITE $MIRROR $INCLUDE $DISK_SIZE $INITRD_MODULES"
    apt-cache policy linux-image-amd64 | awk '/Candidate:/{print $2}'
  } | sha256sum | cut -c1-16
}


# module_closure ROOT VER MOD...: prints the module files (relative to
# ROOT/lib/modules/VER) in load order, dependencies first.
module_closure() {
  local root=$1 ver=$2; shift 2
  local dep=$root/lib/modules/$ver/modules.dep
  declare -A seen=()
  visit() {
    local f=$1 d
    [[ -n ${seen[$f]:-} ]] && return 0
    seen[$f]=1
    for d in $(awk -F': *' -v f="$f" '$1 == f {print $2}' "$dep"); do visit "$d"; done
    echo "$f"
  }
  local m f
  for m in "$@"; do
    f=$(awk -F: -v m="/$m.ko" '{ if (substr($1, length($1)-length(m)+1) == m) { print $1; exit } }' "$dep" | sed 's/^\///')
    [[ -n $f ]] || { f=$(grep -E "(^|/)${m//_/[_-]}\.ko:" "$dep" | head -1 | cut -d: -f1); }
    [[ -n $f ]] || die "module $m not in $dep"
    visit "$f"
  done
}

# bootstrap DIR: the debootstrap rootfs into DIR, from a tar cached by its
# own inputs (suite, mirror, package list), so a change to the later steps
# does not fetch the packages again.
bootstrap() {
  local dir=$1 key tarball
  key=$(echo "$SUITE $MIRROR $INCLUDE" | sha256sum | cut -c1-16)
  tarball=$VM_CACHE/debootstrap-$key.tar
  if [[ ! -s $tarball ]]; then
    log "debootstrap $SUITE (minbase + $INCLUDE)"
    timeout 1800 debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$dir" "$MIRROR" >"$WORKDIR/debootstrap.log" 2>&1 ||
      { tail -20 "$WORKDIR/debootstrap.log" >&2; [[ -f $dir/debootstrap/debootstrap.log ]] && tail -20 "$dir/debootstrap/debootstrap.log" >&2; die "debootstrap failed"; }
    rm -rf "$dir/var/cache/apt/archives/"*.deb
    tar --numeric-owner -C "$dir" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    return 0
  fi
  mkdir -p "$dir"
  tar --numeric-owner -C "$dir" -xf "$tarball"
}

build() {
  local out=$1 w
  w=$(mktemp -d "$VM_CACHE/build.XXXXXX")
  WORKDIR=$w
  log "fetching the kernel package (apt-get download, unpacked only)"
  (cd "$w" && timeout 600 apt-get download -q linux-image-amd64 >/dev/null 2>&1 &&
    timeout 600 apt-get download -q "$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')" >/dev/null 2>&1) ||
    die "apt-get download linux-image-amd64 failed"
  bootstrap "$w/rootfs"
  local deb; deb=$(ls "$w"/linux-image-[0-9]*.deb)
  # Unpacked beside the rootfs, then copied in: extracting straight into it
  # would replace the merged-/usr symlink /lib with a directory.
  dpkg-deb -x "$deb" "$w/kernel"
  local ver; ver=$(ls "$w/kernel/lib/modules")
  mkdir -p "$w/rootfs/usr/lib/modules" "$w/rootfs/boot"
  cp -a "$w/kernel/lib/modules/$ver" "$w/rootfs/usr/lib/modules/"
  cp -a "$w/kernel/boot/." "$w/rootfs/boot/"
  # The guest's own depmod (kmod is in the rootfs; the host needs none).
  chroot "$w/rootfs" /usr/sbin/depmod "$ver"
  cp "$w/rootfs/boot/vmlinuz-$ver" "$w/vmlinuz"
  guest_config "$w/rootfs"
  log "initramfs ($INITRD_MODULES)"
  mkdir -p "$w/initrd/bin" "$w/initrd/lib/modules"
  cp "$w/rootfs/bin/busybox" "$w/initrd/bin/busybox"
  local f
  for f in $(module_closure "$w/rootfs" "$ver" $INITRD_MODULES); do
    cp "$w/rootfs/lib/modules/$ver/$f" "$w/initrd/lib/modules/"
    echo "$(basename "$f")" >> "$w/initrd/modules.order"
  done
  cp "$HERE/init" "$w/initrd/init"
  chmod 0755 "$w/initrd/init"
  (cd "$w/initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$w/initrd.gz"
  log "root disk ($DISK_SIZE ext4, from the rootfs: no loop mount)"
  rm -rf "$w/rootfs/var/cache/apt/archives/"*.deb
  truncate -s "$DISK_SIZE" "$w/rootfs.img"
  mkfs.ext4 -q -F -L rtsnap-vm -d "$w/rootfs" "$w/rootfs.img"
  echo "$ver" > "$w/kernel-version"
  mkdir -p "$out"
  mv "$w/vmlinuz" "$w/initrd.gz" "$w/rootfs.img" "$w/kernel-version" "$out/"
}

# guest_config ROOT: the guest's own settings: the 9p share mounted at
# $GUEST_SHARE, containerd with the systemd cgroup driver, and one unit that
# runs the share's guest script once the system is up, then powers off.
guest_config() {
  local r=$1
  echo rtsnap-vm > "$r/etc/hostname"
  echo "LABEL=rtsnap-vm / ext4 defaults 0 1" > "$r/etc/fstab"
  echo "share $GUEST_SHARE 9p trans=virtio,version=9p2000.L,msize=524288,nofail,x-systemd.device-timeout=30s 0 0" >> "$r/etc/fstab"
  mkdir -p "$r$GUEST_SHARE" "$r/etc/containerd" "$r/etc/modules-load.d" "$r/var/log/journal"
  printf '9p\n9pnet_virtio\noverlay\n' > "$r/etc/modules-load.d/rtsnap-vm.conf"
  cat > "$r/etc/containerd/config.toml" <<'TOML'
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
TOML
  cat > "$r/etc/systemd/system/rtsnap-vm.service" <<UNIT
[Unit]
Description=rtsnap cgroup v2 guest run (script on the 9p share)
After=containerd.service network.target
Requires=containerd.service
RequiresMountsFor=$GUEST_SHARE

[Service]
Type=oneshot
ExecStart=/bin/sh $GUEST_SHARE/guest.sh
StandardOutput=journal+console
StandardError=journal+console
ExecStopPost=/bin/systemctl --no-block poweroff

[Install]
WantedBy=multi-user.target
UNIT
  ln -sf /etc/systemd/system/rtsnap-vm.service "$r/etc/systemd/system/multi-user.target.wants/rtsnap-vm.service"
  # No logins on the console: the serial log carries the kernel, systemd and the guest script.
  ln -sf /dev/null "$r/etc/systemd/system/serial-getty@ttyS0.service"
  ln -sf /dev/null "$r/etc/systemd/system/getty@tty1.service"
  ln -sf /dev/null "$r/etc/systemd/system/systemd-timesyncd.service"
  ln -sf /dev/null "$r/etc/systemd/system/apt-daily.timer"
  ln -sf /dev/null "$r/etc/systemd/system/apt-daily-upgrade.timer"
  # The root password is locked (debootstrap's default); nothing logs in.
}

# WORKDIR is the build's scratch dir, removed however the script ends.
WORKDIR=
trap 'if [[ -n $WORKDIR ]]; then rm -rf "$WORKDIR"; fi' EXIT

main() {
  [[ $(id -u) == 0 ]] || die "build.sh needs root (debootstrap)"
  bash "$HERE/deps.sh"
  mkdir -p "$VM_CACHE"
  local s; s=$(stamp)
  local out=$VM_CACHE/$s
  if [[ -s $out/rootfs.img && -s $out/vmlinuz && -s $out/initrd.gz ]]; then
    echo "$out"; return 0
  fi
  exec 9>"$VM_CACHE/build.lock"
  flock -w 3600 9 || die "another build holds $VM_CACHE/build.lock"
  if [[ ! -s $out/rootfs.img ]]; then
    local t0=$SECONDS
    build "$out"
    log "built $out in $((SECONDS - t0)) s"
  fi
  exec 9>&-
  echo "$out"
}

main "$@"
