package collect_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/cgroup"
	"github.com/rtsnap/rtsnap/collect/containerd"
	"github.com/rtsnap/rtsnap/collect/cri"
	"github.com/rtsnap/rtsnap/collect/proc"
	"github.com/rtsnap/rtsnap/collect/runc"
	"github.com/rtsnap/rtsnap/internal/lab"
	"github.com/rtsnap/rtsnap/redact"
)

// recorder is an Output that keeps the values sources hand to WriteJSON.
type recorder struct {
	mu     sync.Mutex
	source string
	docs   map[string]any
}

func (r *recorder) WriteFile(string, redact.Kind, []byte) error { return nil }
func (r *recorder) WriteJSON(name string, v any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.docs[r.source+"/"+name] = v
	return nil
}
func (r *recorder) Skip(string)    {}
func (r *recorder) Partial(string) {}

// plantedValues are lab/planted-secrets.txt's values (lab/lab.sh plants
// them in container env, labels, annotations, args and the rest).
func plantedValues(t *testing.T) []string {
	f, err := os.Open("../lab/planted-secrets.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, strings.SplitN(l, "|", 3)[2])
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d planted secrets", len(out))
	}
	return out
}

// The lab's real documents (every CRI and containerd endpoint, the runc,
// proc and cgroup sources; the scale lab's 2,000 containers when it is up)
// redacted by the streamed paths are byte for byte what the whole-document
// path writes, with the same report, and hold no planted value.
func TestLabStreamedDocumentsMatchTheWholePath(t *testing.T) {
	le := lab.Require(t)
	env := collect.NewTestEnv()
	for _, s := range []string{"RTSNAP_LAB_CD16_SOCK", "RTSNAP_LAB_CD17_SOCK", "RTSNAP_LAB_CD2_SOCK", "RTSNAP_LAB_NODE_LAB_CD2_SOCK", "RTSNAP_LAB_NODE_LAB_CD17_SOCK"} {
		if le[s] != "" {
			env.RuntimeEndpoints = append(env.RuntimeEndpoints, "unix://"+le[s])
		}
	}
	const scale = "/run/rtsnap-lab/scale2/containerd.sock"
	if _, err := os.Stat(scale); err == nil {
		env.RuntimeEndpoints = append(env.RuntimeEndpoints, "unix://"+scale)
	}
	rec := &recorder{docs: map[string]any{}}
	for _, src := range []collect.Source{cri.New(), containerd.New(), runc.New(), proc.New(), cgroup.New()} {
		rec.source = src.Name()
		if err := src.Collect(context.Background(), env, rec); err != nil {
			t.Fatalf("%s: %v", src.Name(), err)
		}
	}
	planted := plantedValues(t)
	paths := map[string]int{}
	carried := map[string]bool{} // planted values in the raw documents: the check below can fire
	for file, v := range rec.docs {
		whole, streamed := newRedactor(t), newRedactor(t)
		data, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range planted {
			if bytes.Contains(data, []byte(p)) {
				carried[p] = true
			}
		}
		want, _ := whole.Bytes(file, redact.JSON, data)
		got, path, err := collect.StreamedJSON(streamed, file, v)
		if errors.Is(err, redact.ErrNotStreamed) {
			paths["whole"]++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		paths[path]++
		if !bytes.Equal(got, want) {
			t.Errorf("%s (%s): streamed and whole differ (%d and %d bytes)", file, path, len(got), len(want))
		}
		if !reflect.DeepEqual(streamed.Report(), whole.Report()) {
			t.Errorf("%s (%s): the reports differ", file, path)
		}
		for _, p := range planted {
			if bytes.Contains(got, []byte(p)) {
				t.Errorf("%s (%s): a planted value survived: %.6s...", file, path, p)
			}
		}
	}
	t.Logf("%d documents: %v; %d planted values carried", len(rec.docs), paths, len(carried))
	if len(carried) < 3 {
		t.Errorf("only %d planted values in the raw documents: the test proves little", len(carried))
	}
	if paths["parts"] < 10 {
		t.Errorf("only %d documents went in parts: the test proves little (%v)", paths["parts"], paths)
	}
}

func newRedactor(t *testing.T) *redact.Redactor {
	r, err := redact.New(redact.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
