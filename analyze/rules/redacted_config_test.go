package rules

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/redact"
)

// TestRedactedContainerdConfigsParse: the analyzer reads the containerd
// configs a bundle holds after redaction. The real default configs of
// containerd 1.6, 1.7 and 2.2 (made by the lab's binaries, see
// redact/testdata/structured/README.md), with registry credentials added,
// still parse after redaction with the same settings: sandbox image,
// cgroup driver and registry tables, every key; only the secrets differ.
func TestRedactedContainerdConfigsParse(t *testing.T) {
	auth := map[string]string{
		"1.6": "\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"reg.example:5000\".auth]\n  username = \"ci\"\n  password = \"AnalyzerPw16\"\n",
		"1.7": "\n[plugins.\"io.containerd.grpc.v1.cri\".registry.configs.\"reg.example:5000\".auth]\n  username = \"ci\"\n  password = \"AnalyzerPw17\"\n",
		"2.2": "\n[plugins.\"io.containerd.cri.v1.images\".registry.configs.\"reg.example:5000\".auth]\n  username = \"ci\"\n  password = \"AnalyzerPw22\"\n",
	}
	for v, extra := range auth {
		raw, err := os.ReadFile("../../redact/testdata/structured/containerd-" + v + "-default.toml")
		if err != nil {
			t.Fatal(err)
		}
		raw = append(raw, extra...)
		r, err := redact.New(redact.Config{})
		if err != nil {
			t.Fatal(err)
		}
		out, n := r.Bytes("configs/etc/containerd/config.toml", redact.TOML, raw)
		if n != 2 || strings.Contains(string(out), "AnalyzerPw") {
			t.Fatalf("%s: %d hits:\n%s", v, n, out[len(raw)-len(extra):])
		}
		var before, after daemonConfig
		if err := toml.Unmarshal(raw, &before.Tree); err != nil {
			t.Fatalf("%s: %v", v, err)
		}
		if err := toml.Unmarshal(out, &after.Tree); err != nil {
			t.Fatalf("%s: redacted config does not parse: %v", v, err)
		}
		bi, bw := before.sandboxImage()
		ai, aw := after.sandboxImage()
		bs, bok, _ := before.systemdCgroup()
		as, aok, _ := after.systemdCgroup()
		if bi == "" || bi != ai || bw != aw || bs != as || bok != aok {
			t.Errorf("%s: sandbox image %q/%q, SystemdCgroup %v,%v / %v,%v", v, bi, ai, bs, bok, as, aok)
		}
		breg, _ := before.registry()
		areg, _ := after.registry()
		if breg == nil {
			t.Fatalf("%s: no registry table", v)
		}
		// Every setting the same but the two credentials.
		if d := cmp.Diff(before.Tree, after.Tree, cmp.FilterPath(func(p cmp.Path) bool {
			s := p.GoString()
			return strings.Contains(s, `"username"`) || strings.Contains(s, `"password"`)
		}, cmp.Ignore())); d != "" {
			t.Errorf("%s: settings changed (-before +after):\n%s", v, d)
		}
		a := lookup(areg, "configs", "reg.example:5000", "auth")
		m, _ := a.(map[string]any)
		if m["password"] != "[REDACTED:secret-key]" || m["username"] != "[REDACTED:registry-credentials]" {
			t.Errorf("%s: auth table after redaction: %v", v, a)
		}
	}
}
