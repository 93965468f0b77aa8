package logrec

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Lines below are copied from public issue threads (URL on each case).
func TestParseFormats(t *testing.T) {
	cases := []struct {
		name, line                     string
		format                         Format
		level, component, cause, image string
		pod, container, messagePrefix  string
	}{
		{
			// https://github.com/kubernetes/minikube/issues/9161
			name:   "syslog+klog text",
			line:   `Sep 02 17:07:20 minikube kubelet[5467]: E0902 17:07:20.256112    5467 remote_image.go:113] PullImage "nexus3:8083/com.panov/ci-cd:0.0.1-SNAPSHOT" from image service failed: rpc error: code = Unknown desc = Error response from daemon: Get http://nexus3:8083/v2/com.panov/ci-cd/manifests/0.0.1-SNAPSHOT: no basic auth credentials`,
			format: Klog, level: "error", component: "kubelet", cause: "no basic auth credentials",
			image: "nexus3:8083/com.panov/ci-cd:0.0.1-SNAPSHOT", messagePrefix: "PullImage",
		},
		{
			// lab/lab.sh seeds this shape; structured klog as kubelet 1.2x writes it
			name:   "structured klog",
			line:   `E0725 17:44:02.225456    1883 pod_workers.go:1300] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"crasher\" with CrashLoopBackOff: \"back-off 10s restarting failed container\"" pod="lab/crash" podUID="8f0c"`,
			format: Klog, level: "error", component: "kubelet", cause: "back-off 10s restarting failed container",
			pod: "lab/crash", container: "crasher", messagePrefix: "Error syncing pod",
		},
		{
			// https://github.com/AliyunContainerService/image-syncer/issues/160 (logrus)
			name:   "logrus",
			line:   `time="2024-09-19T10:34:22Z" level=error msg="Failed to executed generating sync tasks" error="reading manifest 1.13 in docker.io/library/nginx: toomanyrequests: You have reached your pull rate limit."`,
			format: Logrus, level: "error", cause: "You have reached your pull rate limit.", messagePrefix: "Failed to executed",
		},
		{
			// https://github.com/caddyserver/ingress/issues/33 (kubectl describe row)
			name:   "describe row",
			line:   `  Warning  Failed     31s (x4 over 117s)  kubelet, gateway   Failed to pull image "gcr.io/danny-239313/ingresscontroller:v0.1.0": rpc error: code = Unknown desc = failed to pull and unpack image "gcr.io/danny-239313/ingresscontroller:v0.1.0": failed to resolve reference "gcr.io/danny-239313/ingresscontroller:v0.1.0": unexpected status code [manifests v0.1.0]: 401 Unauthorized`,
			format: KubeEvent, level: "warning", component: "kubelet", cause: "401 Unauthorized",
			image: "gcr.io/danny-239313/ingresscontroller:v0.1.0", messagePrefix: "Failed to pull image",
		},
		{
			// https://github.com/octarinesec/octarine-operator/issues/15 (kubectl get events row)
			name:   "get events row",
			line:   `9m37s       Warning   Failed                pod/octarine-guardrails-enforcer-5888cf98bf-xzklp          Failed to pull image "octarinesec/guardrails-enforcer:20.7": rpc error: code = Unknown desc = Error response from daemon: unauthorized: authentication required`,
			format: KubeEvent, level: "warning", cause: "authentication required", pod: "octarine-guardrails-enforcer-5888cf98bf-xzklp",
			image: "octarinesec/guardrails-enforcer:20.7", messagePrefix: "Failed to pull image",
		},
		{
			// lab/lab.sh seeds this containerd CRI shape
			name:   "containerd sandbox metadata",
			line:   `RunPodSandbox for &PodSandboxMetadata{Name:web,Namespace:lab,} failed, error: failed to setup network for sandbox: plugin type="bridge" failed (add): cni plugin not initialized`,
			format: Plain, pod: "lab/web", cause: "cni plugin not initialized", messagePrefix: "RunPodSandbox",
		},
		{
			name:   "kernel",
			line:   `[12345.678901] Memory cgroup out of memory: Killed process 4242 (stress) total-vm:1048576kB`,
			format: Kernel, component: "kernel", messagePrefix: "Memory cgroup out of memory",
		},
		{
			name:   "json",
			line:   `{"level":"error","msg":"failed to load plugin","error":"invalid database","time":"2024-01-02T03:04:05Z"}`,
			format: JSON, level: "error", cause: "invalid database", messagePrefix: "failed to load plugin",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Parse(c.line)
			check := func(what, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q (record %+v)", what, got, want, r)
				}
			}
			check("format", string(r.Format), string(c.format))
			check("level", r.Level, c.level)
			check("component", r.Component, c.component)
			check("cause", r.Cause(), c.cause)
			check("image", r.Fields["image"], c.image)
			check("pod", r.Fields["pod"], c.pod)
			check("container", r.Fields["container"], c.container)
			if !strings.HasPrefix(r.Message, c.messagePrefix) {
				t.Errorf("message %q, want prefix %q", r.Message, c.messagePrefix)
			}
			if strings.Contains(r.Text, `\"`) {
				t.Errorf("text keeps a quoting level: %q", r.Text)
			}
		})
	}
}

func TestParseLogrusTime(t *testing.T) {
	r := Parse(`time="2026-11-24T22:10:01.500000000Z" level=error msg="failed to prepare extraction snapshot \"extract-1\"" error="mkdir /x: no space left on device"`)
	if want := time.Date(2026, 11, 24, 22, 10, 1, 5e8, time.UTC); !r.Time.Equal(want) {
		t.Fatalf("time %v, want %v", r.Time, want)
	}
	if r.Cause() != "no space left on device" || !strings.Contains(r.Text, `"extract-1"`) {
		t.Fatalf("cause %q text %q", r.Cause(), r.Text)
	}
}

func TestUnquoteLevels(t *testing.T) {
	cases := map[string]string{
		`a \"b\" c`:           `a "b" c`,
		`err="x \\\"y\\\" z"`: `err="x "y" z"`,
		`no escapes`:          `no escapes`,
		`line\nnext`:          `line next`,
		`trailing \`:          `trailing \`,
		`unknown \d escape`:   `unknown \d escape`,
	}
	for in, want := range cases {
		if got := Unquote(in); got != want {
			t.Errorf("Unquote(%q) = %q, want %q", in, got, want)
		}
	}
	// deeper than MaxQuoteDepth stays partly escaped rather than looping
	deep := `"` + strings.Repeat(`\`, 1<<MaxQuoteDepth) + `"`
	if got := Unquote(deep); !strings.Contains(got, `\`) {
		t.Errorf("quoting deeper than the cap fully undone: %q", got)
	}
}

func TestSplitChain(t *testing.T) {
	got := SplitChain(`failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown`)
	if len(got) < 5 || got[0] != "failed to create containerd task" || got[len(got)-1] != "unknown" {
		t.Fatalf("chain %q", got)
	}
	rpc := SplitChain(`rpc error: code = NotFound desc = failed to pull and unpack image "x": not found`)
	if rpc[len(rpc)-1] != "not found" || strings.HasPrefix(rpc[0], "rpc error") {
		t.Fatalf("rpc chain %q", rpc)
	}
	long := SplitChain(strings.Repeat("a: ", 1000) + "cause")
	if len(long) > MaxChain || !strings.HasSuffix(long[len(long)-1], "cause") {
		t.Fatalf("long chain: %d steps, last %q", len(long), long[len(long)-1])
	}
}

// TestParseBounded: a huge hostile line parses in bounded time and output.
func TestParseBounded(t *testing.T) {
	line := `E0101 00:00:00.000000 1 a.go:1] "` + strings.Repeat(`\\\"`, 1<<20) + `" ` + strings.Repeat("k=v ", 1<<18)
	start := time.Now()
	r := Parse(line)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("parse took %v", d)
	}
	if len(r.Text) > MaxLine || len(r.Fields) > MaxFields || len(r.Chain) > MaxChain {
		t.Fatalf("record over its bounds: text %d fields %d chain %d", len(r.Text), len(r.Fields), len(r.Chain))
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`E0902 17:07:20.256112    5467 remote_image.go:113] PullImage "x" failed: rpc error: code = Unknown desc = y`,
		`time="2024-09-19T10:34:22Z" level=error msg="a \"b\"" error="c: d"`,
		`  Warning  Failed     31s (x4 over 117s)  kubelet, gateway   Failed to pull image "a": b`,
		`{"level":"error","msg":"x"}`, `[1.0] kernel`, `Sep 02 17:07:20 h kubelet[1]: x`, `k="unterminated`, `\`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Parse(s)
		if len(r.Text) > MaxLine || len(r.Fields) > MaxFields || len(r.Chain) > MaxChain {
			t.Fatalf("over bounds")
		}
		if utf8.ValidString(s) && !utf8.ValidString(r.Text) {
			t.Fatalf("valid input gave invalid text %q", r.Text)
		}
	})
}
