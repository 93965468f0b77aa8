package crio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/rtsnap/rtsnap/collect"
	schema "github.com/rtsnap/rtsnap/internal/schema/crio"
	"github.com/rtsnap/rtsnap/redact"
)

// storageGlobs are containers/storage's state files under a graph root or
// run root: DRIVER-containers/, DRIVER-images/, DRIVER-layers/ (containers,
// volatile-containers, images, layers, volatile-layers, mountpoints).
var storageGlobs = []string{"*-containers/*.json", "*-images/images.json", "*-layers/*.json"}

// maxStorageFiles bounds the files copied per root.
const maxStorageFiles = 32

// storageOf copies the state files under one daemon's root and runroot into
// crio/<dir>/storage/{root,runroot}/..., and returns the ids of the
// containers they list (for GET /containers/ID).
func storageOf(ctx context.Context, env *collect.Env, out collect.Output, dir, root, runroot string) ([]schema.StorageFile, []string) {
	var files []schema.StorageFile
	var ids []string
	seen := map[string]bool{}
	for _, r := range []struct{ label, path string }{{"root", root}, {"runroot", runroot}} {
		if r.path == "" || !filepath.IsAbs(r.path) {
			continue
		}
		n := 0
		for _, g := range storageGlobs {
			matches, _ := filepath.Glob(filepath.Join(env.HostPath(r.path), g))
			for _, m := range matches {
				if ctx.Err() != nil || n >= maxStorageFiles {
					break
				}
				n++
				rel, err := filepath.Rel(env.HostPath(r.path), m)
				if err != nil {
					continue
				}
				f := schema.StorageFile{Path: filepath.Join(r.path, rel)}
				raw, size, err := readCapped(m, maxStorageFile)
				f.SizeBytes = size
				if err != nil {
					f.Error = env.Redactor.String(err.Error())
					files = append(files, f)
					continue
				}
				f.Truncated = size > int64(len(raw))
				if f.Truncated {
					out.Partial(fmt.Sprintf("%s: over %d bytes, not copied", f.Path, maxStorageFile))
					files = append(files, f)
					continue
				}
				f.Entries = countEntries(raw)
				if strings.HasSuffix(filepath.Dir(rel), "-containers") {
					for _, id := range containerIDs(raw) {
						if !seen[id] {
							seen[id] = true
							ids = append(ids, id)
						}
					}
				}
				name := path.Join(dir, "storage", r.label, filepath.ToSlash(rel))
				if werr := out.WriteFile(name, redact.JSON, raw); werr != nil {
					f.Error = werr.Error()
					if errors.Is(werr, collect.ErrBudget) {
						files = append(files, f)
						return files, ids
					}
				} else {
					f.File = name
				}
				files = append(files, f)
			}
		}
	}
	return files, ids
}

// containerIDs are the "id" of each entry of containers.json.
func containerIDs(raw []byte) []string {
	var cs []struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(raw, &cs) != nil {
		return nil
	}
	var out []string
	for _, c := range cs {
		// An id is 64 hex digits; anything else is not put in a URL.
		if isHexID(c.ID) {
			out = append(out, c.ID)
		}
	}
	return out
}

func isHexID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// readCapped reads at most max bytes of a regular file and its size.
func readCapped(p string, max int64) ([]byte, int64, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s: not a regular file", p)
	}
	raw, err := io.ReadAll(io.LimitReader(f, max))
	return raw, fi.Size(), err
}
