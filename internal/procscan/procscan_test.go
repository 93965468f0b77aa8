package procscan

import (
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestParseStatCommWithParens(t *testing.T) {
	st, err := ParseStat("42 (we ird) (x)) S 7 42 42 0 -1 4194560 1 0 0 0 3 4 0 0 20 0 1 0 12345 1 1 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0")
	if err != nil {
		t.Fatal(err)
	}
	if st.Comm != "we ird) (x)" || st.State != "S" || st.PPID != 7 || st.StartTicks != 12345 || st.CPUTicks != 7 {
		t.Fatalf("got %+v", st)
	}
	if _, err := ParseStat("garbage"); err == nil {
		t.Fatal("malformed stat accepted")
	}
}

func TestClassifyAndFlags(t *testing.T) {
	cases := map[Role][]string{
		RoleContainerd: {"/usr/bin/containerd", "--config", "/etc/c.toml"},
		RoleShim:       {"/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io"},
		RoleDockerd:    {"/usr/sbin/dockerd", "-H", "fd://"},
		RoleOther:      {"/bin/sleep", "1"},
	}
	for want, args := range cases {
		if got := Classify("x", args); got != want {
			t.Errorf("Classify(%v) = %q, want %q", args, got, want)
		}
	}
	if v, ok := FlagValue([]string{"containerd", "--config", "/a"}, "config", "c"); !ok || v != "/a" {
		t.Errorf("FlagValue space form: %q %v", v, ok)
	}
	if v, ok := FlagValue([]string{"shim", "-namespace=k8s.io"}, "namespace"); !ok || v != "k8s.io" {
		t.Errorf("FlagValue = form: %q %v", v, ok)
	}
	if _, ok := FlagValue([]string{"containerd", "--root"}, "root"); ok {
		t.Error("FlagValue found a value for a trailing flag")
	}
}

func TestListSelf(t *testing.T) {
	ps, err := List("/proc")
	if err != nil {
		t.Fatal(err)
	}
	self := os.Getpid()
	for _, p := range ps {
		if p.PID == self {
			if p.PPID != os.Getppid() || len(p.Args) == 0 {
				t.Fatalf("self entry wrong: %+v", p)
			}
			return
		}
	}
	t.Fatalf("own pid %d not listed among %d", self, len(ps))
}

// dockerd takes -H once per socket (https://docs.docker.com/reference/cli/dockerd/#bind-docker-to-another-hostport-or-a-unix-socket).
func TestFlagValues(t *testing.T) {
	args := []string{"dockerd", "-H", "fd://", "--host=unix:///run/d.sock", "-H", "-H", "--debug", "-Hx"}
	got := strings.Join(FlagValues(args, "H", "host"), " ")
	// "-H -H": the second -H is the first's value, as a flag parser reads it.
	if want := "fd:// unix:///run/d.sock -H"; got != want {
		t.Fatalf("FlagValues = %q, want %q", got, want)
	}
	if v, ok := FlagValue(args, "H", "host"); !ok || v != "fd://" {
		t.Fatalf("FlagValue = %q %v", v, ok)
	}
	if vs := FlagValues([]string{"dockerd", "-H"}, "H"); len(vs) != 0 {
		t.Fatalf("a flag without its value: %q", vs)
	}
}

// TestListOrderAndGaps: a fake /proc of many entries, some without a stat
// (exited while the table was read) and some not processes at all: List
// keeps every process, in directory order, whichever goroutine read it.
func TestListOrderAndGaps(t *testing.T) {
	root := t.TempDir()
	var want []int
	for pid := 1; pid <= 300; pid++ {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if pid%7 == 0 {
			continue // gone: no stat
		}
		stat := strconv.Itoa(pid) + " (p) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 " + strconv.Itoa(1000+pid) + " 1 1\n"
		if err := os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "cmdline"), []byte("p\x00"+strconv.Itoa(pid)+"\x00"), 0o644); err != nil {
			t.Fatal(err)
		}
		want = append(want, pid)
	}
	if err := os.MkdirAll(filepath.Join(root, "self"), 0o755); err != nil {
		t.Fatal(err)
	}
	ps, err := List(root)
	if err != nil {
		t.Fatal(err)
	}
	// os.ReadDir sorts by name: "10" before "2".
	sort.Slice(want, func(i, j int) bool { return strconv.Itoa(want[i]) < strconv.Itoa(want[j]) })
	if len(ps) != len(want) {
		t.Fatalf("%d processes, want %d", len(ps), len(want))
	}
	for i, p := range ps {
		if p.PID != want[i] || p.StartTicks != uint64(1000+p.PID) || len(p.Args) != 2 || p.Args[1] != strconv.Itoa(p.PID) {
			t.Fatalf("entry %d: %+v, want pid %d", i, p, want[i])
		}
	}
	if _, err := List(filepath.Join(root, "missing")); err == nil {
		t.Error("an unreadable procRoot is not an error")
	}
}
