#!/usr/bin/env bash
# The main job on the lab: collect a bundle from every lab runtime with rtsnap,
# then verify, inspect and analyze it with rtsnap-analyze. Run by `make demo`.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$(cd "$HERE/.." && pwd)/bin
OUT=${RTSNAP_DEMO_OUT:-/dev/shm/rtsnap-demo}

eval "$(bash "$HERE/lab.sh" env | sed 's/^/export /')"
args=(--output "$OUT" --case-id DEMO-1 --note "rtsnap lab demo"
  --runtime-endpoint "unix://$RTSNAP_LAB_CD16_SOCK"
  --runtime-endpoint "unix://$RTSNAP_LAB_CD17_SOCK"
  --runtime-endpoint "unix://$RTSNAP_LAB_CD2_SOCK"
  --docker-socket "$RTSNAP_LAB_DOCKER_SOCK"
  --journal-dir "$RTSNAP_LAB_JOURNAL_DIR")

echo "== rtsnap collect ${args[*]}"
summary=$("$BIN/rtsnap" collect "${args[@]}" --json)
bundle=$(printf '%s' "$summary" | sed -n 's/^  "path": "\(.*\)",$/\1/p')
[[ -n $bundle ]] || { echo "no bundle path in the summary: $summary" >&2; exit 1; }

echo; echo "== rtsnap-analyze verify $bundle"
"$BIN/rtsnap-analyze" verify "$bundle"
echo; echo "== rtsnap-analyze inspect $bundle"
"$BIN/rtsnap-analyze" inspect "$bundle" || true
echo; echo "== rtsnap-analyze findings $bundle"
"$BIN/rtsnap-analyze" findings "$bundle" || true
echo; echo "== rtsnap-analyze report $bundle -o $OUT/report.html"
"$BIN/rtsnap-analyze" report "$bundle" -o "$OUT/report.html" || true
echo "report: $OUT/report.html"
