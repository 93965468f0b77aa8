package runcstate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// decodeCases are state files as runc and crun write them (testdata) and
// as they must not break the decoder: cut short, duplicated or differently
// cased names (encoding/json matches names case-insensitively and keeps
// the last duplicate), invalid UTF-8 (replaced), wrong types, deep nesting
// in the parts not kept, trailing data, a number too large for its field.
func decodeCases(t testing.TB) [][]byte {
	var out [][]byte
	for _, f := range []string{"testdata/state.json", "testdata/crun-status"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, raw, raw[:len(raw)/2])
	}
	for _, s := range []string{
		`{"id":"a","ID":"b","init_process_pid":1,"init_process_pid":2}`,
		`{"Init_Process_PID":7,"CGROUP_PATHS":{"memory":"/x"},"config":{"Labels":["bundle=/b"]}}`,
		"{\"id\":\"\xff\xfe\",\"config\":{\"rootfs\":\"/r\xc3\x28\"}}",
		`{"id":7}`,
		`{"init_process_pid":"7"}`,
		`{"init_process_pid":-1,"init_process_start":-5}`,
		`{"init_process_pid":1e3}`,
		`{"init_process_start":18446744073709551616}`,
		`{"created":"2026-12-01T22:00:00.123456789Z","rootless":true}`,
		`{"created":"yesterday"}`,
		`{"config":{"mounts":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}}`,
		`{"config":{"namespaces":[{"type":"network","path":"/proc/1/ns/net"},{"type":"pid"}]}}`,
		`{"cgroup_paths":null,"namespace_paths":{"NEWNET":"/proc/9/ns/net"}}`,
		`{"id":"a"} {"id":"b"}`,
		`{"id":"a",}`,
		`{"pid":42,"process-start-time":99,"cgroup-path":"/k","bundle":"/b","rootfs":"/r"}`,
		`[]`, `null`, ``, `{`,
	} {
		out = append(out, []byte(s))
	}
	return out
}

// sameDecode decodes raw into both state types with encoding/json and with
// decode and reports a difference in the result or in failing.
func sameDecode(t *testing.T, raw []byte) {
	t.Helper()
	for _, newV := range []func() any{func() any { return new(runcState) }, func() any { return new(crunStatus) }} {
		want, got := newV(), newV()
		wantErr, gotErr := json.Unmarshal(raw, want), decode(raw, got)
		if (wantErr == nil) != (gotErr == nil) {
			t.Errorf("%.80q: encoding/json error %v, decode error %v", raw, wantErr, gotErr)
			continue
		}
		if wantErr == nil && !reflect.DeepEqual(want, got) {
			t.Errorf("%.80q: encoding/json %+v, decode %+v", raw, want, got)
		}
	}
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, raw := range decodeCases(t) {
		sameDecode(t, raw)
	}
}

// The real files of every runtime root on this machine (the lab's daemons,
// the scale lab when it is up): there is no fixture for what runc and crun
// write today.
func TestDecodeMatchesEncodingJSONOnThisNode(t *testing.T) {
	n := 0
	for _, glob := range []string{"/run/containerd/runc/*/*/state.json", "/run/docker/runtime-runc/*/*/state.json", "/run/rtsnap-lab/*/runc/*/*/state.json", "/run/rtsnap-lab/crio/runc/*/state.json"} {
		files, _ := filepath.Glob(glob)
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				continue // removed since the glob
			}
			sameDecode(t, raw)
			n++
		}
	}
	if n == 0 {
		t.Skip("no runtime state files on this machine")
	}
	t.Logf("%d state files", n)
}

func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, raw := range decodeCases(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) { sameDecode(t, raw) })
}
