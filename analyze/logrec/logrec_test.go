package logrec

import (
	"reflect"
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
		{
			// https://github.com/siderolabs/talos/issues/9454 (talosctl logs: node name, then containerd's JSON)
			name:   "node name before json",
			line:   `talos-worker-big-2.servers.internal: {"error":"rpc error: code = DeadlineExceeded desc = an error occurs during waiting for container \"a96e7dc6ce5cae0af965d63a71238f78932e00520f8103fc24850db7a7b94bb8\" to be killed: wait container \"a96e7dc6ce5cae0af965d63a71238f78932e00520f8103fc24850db7a7b94bb8\": context deadline exceeded","level":"error","msg":"StopContainer for \"a96e7dc6ce5cae0af965d63a71238f78932e00520f8103fc24850db7a7b94bb8\" failed","time":"2024-10-05T13:37:04.971540932Z"}`,
			format: JSON, level: "error", cause: "context deadline exceeded", messagePrefix: "StopContainer for",
		},
		{
			// https://github.com/kubernetes/kubernetes/issues/71261 (dmesg -T)
			name:   "dmesg -T",
			line:   `[Tue Nov 20 22:30:22 2018] nf_conntrack: table full, dropping packet`,
			format: Kernel, component: "kernel", messagePrefix: "nf_conntrack: table full",
		},
		{
			// https://github.com/k3s-io/k3s/issues/8161 (syslogd wall message)
			name:   "kernel: before the stamp",
			line:   `kernel:[ 4071.489871] watchdog: BUG: soft lockup. - CPU#7 stuck for 28s! -[gemu-ga:864]`,
			format: Kernel, component: "kernel", messagePrefix: "watchdog: BUG: soft lockup",
		},
		{
			// https://github.com/kubernetes/kubernetes/issues/68885 (journalctl in a French locale)
			name:   "localized syslog month",
			line:   `sept. 20 16:43:05 erebos kubelet[8665]: E0920 16:43:05.653088    8665 remote_runtime.go:187] CreateContainer in sandbox "f09ac71b68bbe331c74f50786f22e164818997d0169d664188be130da3d40c06" from runtime service failed: rpc error: code = DeadlineExceeded desc = context deadline exceeded`,
			format: Klog, level: "error", component: "kubelet", cause: "context deadline exceeded", messagePrefix: "CreateContainer in sandbox",
		},
		{
			// https://github.com/rnanosaur/nanosaur/pull/47 (journalctl in a Japanese/Chinese locale)
			name:   "CJK syslog month",
			line:   ` 1月 11 02:59:48 nanosaur dockerd[17670]: unable to configure the Docker daemon with file /etc/docker/daemon.json: invalid character '<' looking for beginning of value`,
			format: Plain, component: "dockerd", cause: "invalid character '<' looking for beginning of value", messagePrefix: "unable to configure the Docker daemon",
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

// TestDmesgTime: dmesg -T's wall-clock stamp is the record's time.
func TestDmesgTime(t *testing.T) {
	// https://github.com/ringtail/snout/issues/8
	r := Parse(`[Mon Apr 23 10:58:07 2018] nf_conntrack: table full, dropping packet`)
	if want := time.Date(2018, 4, 23, 10, 58, 7, 0, time.UTC); !r.Time.Equal(want) || r.Text != "nf_conntrack: table full, dropping packet" {
		t.Fatalf("time %v text %q", r.Time, r.Text)
	}
	// Not a stamp: a bracketed word stays in the message.
	if r := Parse(`[Mon] nothing`); r.Format != Plain || r.Text != "[Mon] nothing" {
		t.Fatalf("bracketed word parsed as a stamp: %+v", r)
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

// TestUnBorder: a line pasted from a terminal UI keeps its words joined
// across the pane border; a line without one is untouched.
func TestUnBorder(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// https://github.com/k8snetworkplumbingwg/multus-cni/issues/714
		{`desc = failed ││  to setup network for sandbox "6c92": [max-dev/mc-void:cbr0]: error a ││ dding container`,
			`desc = failed to setup network for sandbox "6c92": [max-dev/mc-void:cbr0]: error a dding container`},
		{"│ Warning  Failed  kubelet ┃", " Warning  Failed  kubelet"},
		{"no border  here\t", "no border  here\t"},
	} {
		if got := unBorder(tc.in); got != tc.want {
			t.Errorf("unBorder(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// the whole line through Parse: the CNI phrase is whole in Text
	r := Parse("Warning  FailedCreatePodSandBox  3s    kubelet            Failed to create pod sandbox: rpc error: code = Unknown desc = failed ││  to setup network for sandbox \"6c9215c6217bf47705e90719cb264e419c8bf0ac52f1c2feccb4ad496e015abd\"")
	if !strings.Contains(r.Text, "failed to setup network for sandbox") {
		t.Errorf("text %q", r.Text)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`E0902 17:07:20.256112    5467 remote_image.go:113] PullImage "x" failed: rpc error: code = Unknown desc = y`,
		`time="2024-09-19T10:34:22Z" level=error msg="a \"b\"" error="c: d"`,
		`  Warning  Failed     31s (x4 over 117s)  kubelet, gateway   Failed to pull image "a": b`,
		`{"level":"error","msg":"x"}`, `[1.0] kernel`, `[Tue Nov 20 22:30:22 2018] x`, `h: {"msg":"x"}`, `4月 05 22:54:09 h d[1]: x`, `Sep 02 17:07:20 h kubelet[1]: x`, `k="unterminated`, `\`, "a ││ b │", "x\xff│y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Parse(s)
		// ParseText then Complete is Parse (the analyzer classifies the
		// former and completes only what lands in a class).
		lazy := ParseText(s)
		if lazy.Text != r.Text {
			t.Fatalf("ParseText's text %q, Parse's %q", lazy.Text, r.Text)
		}
		lazy.Complete()
		if !reflect.DeepEqual(lazy, r) {
			t.Fatalf("ParseText+Complete %+v, Parse %+v", lazy, r)
		}
		if len(r.Text) > MaxLine || len(r.Fields) > MaxFields || len(r.Chain) > MaxChain {
			t.Fatalf("over bounds")
		}
		// unBorder against its reference: the same words as with every
		// border rune read as a blank, and no border left (strings.Map
		// rewrites invalid bytes, so the reference holds for valid text).
		ub := unBorder(s)
		ref := strings.Map(func(c rune) rune {
			if c == '│' || c == '┃' || c == '║' {
				return ' '
			}
			return c
		}, s)
		if utf8.ValidString(s) && (strings.ContainsAny(ub, "│┃║") || strings.Join(strings.Fields(ub), " ") != strings.Join(strings.Fields(ref), " ")) {
			t.Fatalf("unBorder(%q) = %q", s, ub)
		}
		if utf8.ValidString(s) && !utf8.ValidString(r.Text) {
			t.Fatalf("valid input gave invalid text %q", r.Text)
		}
	})
}
