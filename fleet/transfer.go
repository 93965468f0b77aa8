package fleet

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rtsnap/rtsnap/export"
)

// maxTransfer bounds what one node may send back: rtsnap collect's own
// --max-size default is 64 MiB; this leaves room for a larger --max-size.
const maxTransfer = 1 << 30

// SendDir writes the bundles in dir (rtsnap's *.tar.zst / *.tar.zst.age and
// their .sha256 and .minisig files) to w as a tar, the way `tar cf -` does
// for kubectl cp. The image has no tar binary: rtsnap is its own.
func SendDir(dir string, w io.Writer) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading %s: %w", dir, err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		base := strings.TrimSuffix(strings.TrimSuffix(n, ".sha256"), ".minisig")
		if e.Type().IsRegular() && export.IsBundleName(base) {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return fmt.Errorf("no bundle in %s", dir)
	}
	sort.Strings(names)
	tw := tar.NewWriter(w)
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err == nil {
			err = tw.WriteHeader(&tar.Header{Name: n, Mode: 0o600, Size: fi.Size(), ModTime: fi.ModTime(), Typeflag: tar.TypeReg})
		}
		if err == nil {
			_, err = io.Copy(tw, f)
		}
		f.Close()
		if err != nil {
			return fmt.Errorf("sending %s: %w", n, err)
		}
	}
	return tw.Close()
}

// Received is one file a node sent, stored under the output directory.
type Received struct {
	Name, Path, SHA256 string
	Size               int64
}

// receive reads a SendDir tar into outDir, naming each file prefix+name.
// Names must be plain file names of bundle files; nothing is overwritten;
// the total is bounded. On error, files written so far are removed.
func receive(r io.Reader, outDir, prefix string) (got []Received, err error) {
	defer func() {
		if err != nil {
			for _, g := range got {
				os.Remove(g.Path)
			}
			got = nil
		}
	}()
	tr := tar.NewReader(r)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return got, fmt.Errorf("reading the tar stream: %w", err)
		}
		n := h.Name
		base := strings.TrimSuffix(strings.TrimSuffix(n, ".sha256"), ".minisig")
		if h.Typeflag != tar.TypeReg || n != filepath.Base(n) || n == "." || n == ".." || !export.IsBundleName(base) {
			return got, fmt.Errorf("unexpected entry %q in the stream", n)
		}
		if h.Size < 0 || total+h.Size > maxTransfer {
			return got, fmt.Errorf("stream larger than %d bytes", maxTransfer)
		}
		total += h.Size
		p := filepath.Join(outDir, prefix+n)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return got, err
		}
		sum := sha256.New()
		written, err := io.Copy(io.MultiWriter(f, sum), io.LimitReader(tr, h.Size))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		got = append(got, Received{Name: n, Path: p, SHA256: hex.EncodeToString(sum.Sum(nil)), Size: written})
		if err != nil {
			return got, fmt.Errorf("writing %s: %w", p, err)
		}
		if written != h.Size {
			return got, fmt.Errorf("%s: stream cut after %d of %d bytes", n, written, h.Size)
		}
	}
	return got, nil
}

// verify checks the received archive against its .sha256 sidecar and the
// hash the agent announced; it returns the archive.
func verify(got []Received, announced string) (Received, error) {
	var archive *Received
	sidecar := map[string]string{}
	for i, g := range got {
		if export.IsBundleName(g.Name) {
			if archive != nil {
				return Received{}, fmt.Errorf("more than one archive sent (%s, %s)", archive.Name, g.Name)
			}
			archive = &got[i]
		}
		if base, ok := strings.CutSuffix(g.Name, ".sha256"); ok {
			raw, err := os.ReadFile(g.Path)
			if err != nil {
				return Received{}, err
			}
			if f := strings.Fields(string(raw)); len(f) > 0 {
				sidecar[base] = f[0]
			}
		}
	}
	if archive == nil {
		return Received{}, errors.New("no archive in the stream")
	}
	if want := sidecar[archive.Name]; want == "" || want != archive.SHA256 {
		return Received{}, fmt.Errorf("%s: sha256 %s, its .sha256 says %q", archive.Name, archive.SHA256, want)
	}
	if announced != "" && announced != archive.SHA256 {
		return Received{}, fmt.Errorf("%s: sha256 %s, the collector announced %s", archive.Name, archive.SHA256, announced)
	}
	return *archive, nil
}
