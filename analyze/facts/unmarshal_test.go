package facts

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/rtsnap/rtsnap/bundle"
	"github.com/rtsnap/rtsnap/internal/lab"
	cgschema "github.com/rtsnap/rtsnap/internal/schema/cgroup"
	cdschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
	crischema "github.com/rtsnap/rtsnap/internal/schema/cri"
	kubeletschema "github.com/rtsnap/rtsnap/internal/schema/kubelet"
	procschema "github.com/rtsnap/rtsnap/internal/schema/proc"
	runcschema "github.com/rtsnap/rtsnap/internal/schema/runc"
)

// TestDecodeMatchesEncodingJSON: a real bundle's facts decoded with
// defaultUnmarshal are the facts encoding/json decodes, value for value:
// the lab bundle in testdata always, and the 2,000-container bundle of the
// scale lab (lab.ScaleBundleDir) when one was collected.
func TestDecodeMatchesEncodingJSON(t *testing.T) {
	paths := append([]string{"../../testdata/bundles/broken-node.tar.zst"}, lab.ScaleBundles()...)
	for _, p := range paths {
		b, err := bundle.OpenFile(p, bundle.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		got := build(p, b.Manifest, b.File, DefaultParsers(), 0, nil, nil)
		want := buildWith(p, b.Manifest, b.File, DefaultParsers(), 0, nil, nil, json.Unmarshal)
		if len(got.CRI) == 0 || len(got.Containerd) == 0 || got.Runc == nil || len(got.Procs) == 0 || len(got.Cgroups) == 0 || got.Redaction == nil {
			t.Fatalf("%s: the bundle lacks the facts this test compares", p)
		}
		if !reflect.DeepEqual(got.sourceFacts, want.sourceFacts) {
			t.Errorf("%s: the facts differ from encoding/json's", p)
		}
		if !reflect.DeepEqual(got.Redaction, want.Redaction) || !reflect.DeepEqual(got.ParseErrors, want.ParseErrors) {
			t.Errorf("%s: redaction report or parse errors differ: %+v, encoding/json %+v", p, got.ParseErrors, want.ParseErrors)
		}
		t.Logf("%s: %d join rows, %d parse errors", p, len(got.Containers), len(got.ParseErrors))
	}
}

// unmarshalTargets are the kinds of values the structured parsers decode
// into: typed records with protobuf-generated CRI types, slices of structs,
// docker's untyped maps.
var unmarshalTargets = []func() any{
	func() any { return new(crischema.ContainerList) },
	func() any { return new(crischema.PodList) },
	func() any { return new([]cdschema.Container) },
	func() any { return new(cdschema.Tasks) },
	func() any { return new(runcschema.States) },
	func() any { return new([]procschema.Process) },
	func() any { return new([]cgschema.Container) },
	func() any { return new(kubeletschema.Instances) },
	func() any { return new([]map[string]any) },
	func() any { return new(map[string]any) },
	func() any { return new(any) },
}

// FuzzDecodeMatchesEncodingJSON: on any input, defaultUnmarshal fails
// exactly when encoding/json.Unmarshal fails, and otherwise gives the same
// value, for every kind of target. The seeds are hostile shapes: trailing
// data, duplicate and case-variant names, invalid UTF-8, escapes, numbers
// out of range, deep nesting, truncation.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	for _, s := range []string{
		`{"containers":[{"container":{"id":"a","metadata":{"name":"web"},"state":1,"labels":{"io.kubernetes.pod.name":"p"}},"status":{"id":"a","exitCode":137,"reason":"OOMKilled"},"info":{"pid":42}}]}`,
		`{"pods":[{"pod":{"id":"s","metadata":{"name":"p","namespace":"n","uid":"u"},"state":0}}]}`,
		`[{"id":"a","labels":{"k":"v"},"created_at":"2026-11-24T09:30:01Z","spec":{"process":{"args":["sh"]}}}]`,
		`{"tasks":[{"id":"a","pid":4,"status":"RUNNING"}],"containers_without_task":[{"container_id":"b"}]}`,
		`{"roots":[{"path":"/run/runc"}],"states":[{"id":"a","namespace":"k8s.io","init_process_pid":9,"status":"running"}]}`,
		`[{"pid":1,"role":"init","container_id":"a"}]`,
		`[{"Id":"x","Names":["/a"],"State":"running","SizeRw":1e400}]`,
		`{} {}`, `{} ]`, `{"containers":[]}garbage`, `{"a":1,"a":2}`, `{"Containers":[{"Container":{"ID":"x"}}]}`,
		"{\"id\":\"\xff\xfe\"}", `{"id":"\ud800"}`, `{"id":"\u0000\u202e"}`, `[1e999]`, `{"pid":-1}`, `{"pid":1.5}`,
		`{"pid":9223372036854775808}`, `null`, `[null,{}]`, `{"containers":null}`, `{"containers":{}}`,
		strings.Repeat("[", 10001) + strings.Repeat("]", 10001), strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200),
		`{"containers":[{"container":{"id":"a"`, "", " ", `"str"`, `{"labels":{"":""}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, target := range unmarshalTargets {
			got, want := target(), target()
			gerr, werr := defaultUnmarshal(data, got), json.Unmarshal(data, want)
			if (gerr == nil) != (werr == nil) {
				t.Fatalf("%T of %q: error %v, encoding/json's %v", got, data, gerr, werr)
			}
			if gerr == nil && !reflect.DeepEqual(got, want) {
				t.Fatalf("%T of %q: %+v, encoding/json decodes %+v", got, data, got, want)
			}
		}
	})
}
