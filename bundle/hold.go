package bundle

import (
	"sort"
	"strings"
)

// chooseHeld picks the files Read keeps within max bytes: the sources'
// structured state first (the JSON the rules join), then other files
// (configs, text), then bulk logs and journals; smaller files first within
// each class, so a few huge logs cannot crowd out the runtime state. It
// returns the set kept and the sorted list left out; O(n log n).
func chooseHeld(files []FileEntry, max int64) (map[string]bool, []string) {
	order := make([]FileEntry, len(files))
	copy(order, files)
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i], order[j]
		if ca, cb := holdClass(a.Path), holdClass(b.Path); ca != cb {
			return ca < cb
		}
		if a.Size != b.Size {
			return a.Size < b.Size
		}
		return a.Path < b.Path
	})
	held := make(map[string]bool, len(files))
	var left []string
	var used int64
	for _, f := range order {
		if f.Size <= max-used {
			used += f.Size
			held[f.Path] = true
			continue
		}
		left = append(left, f.Path)
	}
	sort.Strings(left)
	return held, left
}

// holdClass ranks a path: 0 structured state, 1 other files, 2 bulk logs.
func holdClass(p string) int {
	switch {
	case strings.HasSuffix(p, ".json"): // journal/meta.json, logs/index.json too
		return 0
	case strings.HasPrefix(p, "logs/"), strings.HasPrefix(p, "journal/"):
		return 2
	}
	return 1
}
