// Package imagebuild builds rtsnap's container image without Docker: one
// layer holding the static collector at /rtsnap and nothing else (no shell,
// no libc), for every platform given, as a multi-platform OCI index written
// as an OCI layout tar that `ctr images import` and `skopeo copy oci-archive:`
// read. It uses go-containerregistry for the image format.
package imagebuild

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BinaryPath is where the collector sits in the image.
const BinaryPath = "/rtsnap"

// Options say what to build.
type Options struct {
	// Name is the image reference ctr records, e.g. "rtsnap.local/rtsnap:v0.3.0".
	Name string
	// Binaries maps "os/arch" (linux/amd64) to a static rtsnap binary.
	Binaries map[string]string
	// Created is the image's creation time (SOURCE_DATE_EPOCH: the same
	// inputs give the same digest).
	Created time.Time
	// Version and Revision go into the OCI labels.
	Version, Revision string
}

// Build writes the image as an OCI layout tar to w and returns the index digest.
func Build(o Options, w io.Writer) (v1.Hash, error) {
	if o.Name == "" || !strings.Contains(o.Name, ":") {
		return v1.Hash{}, fmt.Errorf("image name %q: want repository:tag", o.Name)
	}
	if len(o.Binaries) == 0 {
		return v1.Hash{}, fmt.Errorf("no binary given")
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	platforms := make([]string, 0, len(o.Binaries))
	for p := range o.Binaries {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		osName, arch, ok := strings.Cut(p, "/")
		if !ok || osName != "linux" || arch == "" {
			return v1.Hash{}, fmt.Errorf("platform %q: want linux/ARCH", p)
		}
		img, err := platformImage(o, arch, o.Binaries[p])
		if err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: osName, Architecture: arch}}})
	}
	digest, err := idx.Digest()
	if err != nil {
		return v1.Hash{}, fmt.Errorf("index digest: %w", err)
	}
	// The layout's own index.json names the multi-platform index, so ctr
	// imports it under Name (io.containerd.image.name) and keeps every platform.
	_, tag, _ := strings.Cut(o.Name[strings.LastIndex(o.Name, "/")+1:], ":")
	top := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: idx, Descriptor: v1.Descriptor{
		Annotations: map[string]string{"io.containerd.image.name": o.Name, "org.opencontainers.image.ref.name": tag}}})
	dir, err := os.MkdirTemp("", "rtsnap-image-")
	if err != nil {
		return v1.Hash{}, err
	}
	defer os.RemoveAll(dir)
	if _, err := layout.Write(dir, top); err != nil {
		return v1.Hash{}, fmt.Errorf("writing the OCI layout: %w", err)
	}
	if err := tarDir(dir, w, o.Created); err != nil {
		return v1.Hash{}, err
	}
	return digest, nil
}

// platformImage is one platform's image: the binary as the only file.
func platformImage(o Options, arch, bin string) (v1.Image, error) {
	data, err := os.ReadFile(bin)
	if err != nil {
		return nil, err
	}
	if !isStaticELF(data) {
		return nil, fmt.Errorf("%s is not a static ELF binary (build it with CGO_ENABLED=0): the image has no libc", bin)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{Name: strings.TrimPrefix(BinaryPath, "/"), Mode: 0o755, Size: int64(len(data)), ModTime: o.Created, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layerBytes := buf.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(layerBytes)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1), layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = "linux", arch, v1.Time{Time: o.Created}
	cf.Config.Entrypoint = []string{BinaryPath}
	cf.Config.Cmd = []string{"collect", "--help"}
	cf.Config.User = "0"
	cf.Config.WorkingDir = "/"
	cf.Config.Labels = map[string]string{
		"org.opencontainers.image.title":       "rtsnap",
		"org.opencontainers.image.description": "forensic collector for Kubernetes container runtimes (static, no shell)",
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.revision":    o.Revision,
	}
	cf.History = nil
	return mutate.ConfigFile(img, cf)
}

// isStaticELF reports an ELF file without a PT_INTERP program header (no
// dynamic loader), which is what CGO_ENABLED=0 gives.
func isStaticELF(b []byte) bool {
	if len(b) < 64 || string(b[:4]) != "\x7fELF" || b[4] != 2 || b[5] != 1 { // 64-bit little-endian
		return false
	}
	le := func(o, n int) uint64 {
		var v uint64
		for i := n - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[o+i])
		}
		return v
	}
	phoff, phentsize, phnum := le(32, 8), le(54, 2), le(56, 2)
	for i := uint64(0); i < phnum; i++ {
		o := phoff + i*phentsize
		if o+4 > uint64(len(b)) {
			return false
		}
		if le(int(o), 4) == 3 { // PT_INTERP
			return false
		}
	}
	return true
}

// tarDir writes dir as a tar with fixed owners and times, files sorted.
func tarDir(dir string, w io.Writer, mtime time.Time) error {
	var paths []string
	if err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			paths = append(paths, p)
		}
		return nil
	}); err != nil {
		return err
	}
	sort.Strings(paths)
	tw := tar.NewWriter(w)
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr := &tar.Header{Name: filepath.ToSlash(rel), ModTime: mtime, Mode: 0o644, Format: tar.FormatPAX}
		if fi.IsDir() {
			hdr.Typeflag, hdr.Name, hdr.Mode = tar.TypeDir, hdr.Name+"/", 0o755
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			continue
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = io.Copy(tw, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}
