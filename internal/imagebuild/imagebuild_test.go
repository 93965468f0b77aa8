package imagebuild

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/rtsnap/rtsnap/internal/lab"
)

// staticBinary builds a real static Go program for arch.
func staticBinary(t *testing.T, pkg, arch string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bin-"+arch)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}

func untar(t *testing.T, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(p, 0o755)
			continue
		}
		b, _ := io.ReadAll(tr)
		os.WriteFile(p, b, 0o644)
	}
}

func TestBuildTwoPlatformsOneFileNoShell(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries")
	}
	bins := map[string]string{"linux/amd64": staticBinary(t, "../../cmd/rtsnap-image", "amd64"), "linux/arm64": staticBinary(t, "../../cmd/rtsnap-image", "arm64")}
	o := Options{Name: "rtsnap.local/rtsnap:t1", Binaries: bins, Created: time.Unix(1700000000, 0).UTC(), Version: "t1"}
	var a, b bytes.Buffer
	d1, err := Build(o, &a)
	if err != nil {
		t.Fatal(err)
	}
	// Reproducible: the same inputs give the same bytes and digest.
	d2, err := Build(o, &b)
	if err != nil || d1 != d2 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("not reproducible: %v %v (%v)", d1, d2, err)
	}
	lp, err := layout.FromPath(untar(t, a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	top, err := lp.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, _ := top.IndexManifest()
	if len(tm.Manifests) != 1 || tm.Manifests[0].Annotations["io.containerd.image.name"] != o.Name {
		t.Fatalf("layout index: %+v", tm.Manifests)
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 2 {
		t.Fatalf("%d platforms", len(im.Manifests))
	}
	for _, m := range im.Manifests {
		img, err := idx.Image(m.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, _ := img.ConfigFile()
		if cf.Architecture != m.Platform.Architecture || cf.Config.Entrypoint[0] != BinaryPath || cf.Config.User != "0" {
			t.Errorf("%s config: %+v", m.Platform.Architecture, cf.Config)
		}
		layers, _ := img.Layers()
		if len(layers) != 1 {
			t.Fatalf("%d layers", len(layers))
		}
		rc, _ := layers[0].Uncompressed()
		tr := tar.NewReader(rc)
		var names []string
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			names = append(names, h.Name)
		}
		rc.Close()
		if strings.Join(names, ",") != "rtsnap" {
			t.Errorf("%s layer holds %v, want only rtsnap (no shell)", m.Platform.Architecture, names)
		}
	}
}

func TestRefusesDynamicBinaryAndBadInput(t *testing.T) {
	for name, o := range map[string]Options{
		"dynamic":  {Name: "x/y:1", Binaries: map[string]string{"linux/amd64": "/bin/ls"}},
		"no tag":   {Name: "x/y", Binaries: map[string]string{"linux/amd64": "/bin/ls"}},
		"none":     {Name: "x/y:1"},
		"platform": {Name: "x/y:1", Binaries: map[string]string{"windows/amd64": "/bin/ls"}},
		"missing":  {Name: "x/y:1", Binaries: map[string]string{"linux/amd64": "/does/not/exist"}},
	} {
		if _, err := Build(o, io.Discard); err == nil {
			t.Errorf("%s: built", name)
		}
	}
}

// The image imports into a lab containerd with `ctr images import`, as the
// lab and deploy/import-image.sh do, and runs: the collector answers --version.
func TestImportAndRunOnLabContainerd(t *testing.T) {
	le := lab.Require(t)
	ctr, sock := le["RTSNAP_LAB_CD2_CTR"], le["RTSNAP_LAB_CD2_SOCK"]
	bin := staticBinary(t, "../../cmd/rtsnap", runtime.GOARCH)
	tarPath := filepath.Join(t.TempDir(), "image.tar")
	f, _ := os.Create(tarPath)
	name := "rtsnap.local/rtsnap:importtest"
	if _, err := Build(Options{Name: name, Binaries: map[string]string{"linux/" + runtime.GOARCH: bin}, Created: time.Unix(0, 0)}, f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	const ns = "rtsnap-image-test"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := func(args ...string) (string, error) {
		out, err := exec.CommandContext(ctx, ctr, append([]string{"-a", sock, "-n", ns}, args...)...).CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		c("containers", "rm", "imagetest")
		// --sync: garbage-collect now, so the snapshot the run unpacked is
		// gone and the namespace can be removed (a namespace left behind
		// with an image skews other lab tests' counts).
		c("images", "rm", "--sync", name)
		if out, _ := c("snapshots", "ls"); out != "" {
			for _, l := range strings.Split(out, "\n")[1:] {
				if f := strings.Fields(l); len(f) > 0 {
					c("snapshots", "rm", f[0])
				}
			}
		}
		if out, _ := c("content", "ls", "-q"); out != "" {
			c(append([]string{"content", "rm"}, strings.Fields(out)...)...)
		}
		c("namespaces", "rm", ns)
	})
	if out, err := c("images", "import", tarPath); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, _ := c("images", "ls", "-q"); !strings.Contains(out, name) {
		t.Fatalf("imported images: %s", out)
	}
	out, err := c("run", "--rm", name, "imagetest", "/rtsnap", "--version")
	if err != nil || !strings.Contains(out, "rtsnap ") {
		t.Fatalf("run: %v\n%s", err, out)
	}
}
