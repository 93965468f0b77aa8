#!/usr/bin/env bash
# Installs the host tools the cgroup v2 guest needs, from Debian's packages:
# qemu (software emulation; no KVM needed), debootstrap, e2fsprogs (mkfs.ext4
# -d builds the root disk without a loop mount) and cpio (the initramfs).
# None of them changes the image build.sh makes, so they are not in its stamp.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lab/vm/common.sh
. "$HERE/common.sh"
missing=()
for p in qemu-system-x86 debootstrap e2fsprogs cpio; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  [[ $(id -u) == 0 ]] || die "missing ${missing[*]}: install them as root"
  log "installing ${missing[*]}"
  timeout 600 apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
