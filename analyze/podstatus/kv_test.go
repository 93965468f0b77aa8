package podstatus

import (
	"regexp"
	"testing"
)

// The regexps kv.go replaced: the reference its hand-written readers are
// held to.
var (
	refPodKV    = regexp.MustCompile(`(?:^|\s)pod="([^"\\]*)"`)
	refPodUIDKV = regexp.MustCompile(`(?:^|\s)podUID="?([0-9A-Za-z-]+)`)
	refErrKV    = regexp.MustCompile(`(?:^|\s)err="`)
)

// kvSeeds: a structured kubelet line from a real node (the one
// kubeletlog_test.go cites, https://github.com/kubernetes/kubernetes/issues/107561),
// the same shape with a quoted podUID as some kubelet versions print it, and
// the edges the readers must get right.
var kvSeeds = []string{
	`E0105 22:28:07.341035    2984 pod_workers.go:918] "Error syncing pod, skipping" err="failed to \"CreatePodSandbox\" for \"ss2-1_statefulset-8250(f1c4daf1-6df3-453a-9e79-ba00655a2b14)\" with CreatePodSandboxError: \"Failed to create sandbox\"" pod="statefulset-8250/ss2-1" podUID=f1c4daf1-6df3-453a-9e79-ba00655a2b14`,
	`"Error syncing pod, skipping" err="network is not ready" pod="kube-system/coredns-5d78c9869d-x" podUID="a1b2c3d4-0000-1111-2222-333344445555"`,
	`pod="a\"b" pod="ns/ok"`, `xpod="ns/no" pod="ns/yes"`, "\tpod=\"ns/tab\"", "\fpod=\"ns/ff\"",
	`podUID="" podUID=abc`, `podUID=" podUID="-x-"`, `podUID=`, `podUID="`, `apodUID=x`,
	`err=` + `"`, `xerr="a" err="b"`, `err="`, "\rerr=\"x\"", `pod="unterminated`, "",
	`pod="ns/é" podUID=ÀB`,
}

func FuzzKVReaders(f *testing.F) {
	for _, s := range kvSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) { checkKV(t, msg) })
}

func TestKVReadersAgreeWithTheirRegexps(t *testing.T) {
	for _, s := range kvSeeds {
		checkKV(t, s)
	}
	if v, ok := podField(kvSeeds[0]); !ok || v != "statefulset-8250/ss2-1" {
		t.Errorf("podField of a kubelet line = %q, %v", v, ok)
	}
	if v, ok := podUIDField(kvSeeds[1]); !ok || v != "a1b2c3d4-0000-1111-2222-333344445555" {
		t.Errorf("podUIDField of a quoted uid = %q, %v", v, ok)
	}
}

func checkKV(t *testing.T, msg string) {
	t.Helper()
	v, ok := podField(msg)
	if m := refPodKV.FindStringSubmatch(msg); (m != nil) != ok || ok && m[1] != v {
		t.Fatalf("podField(%q) = %q, %v; the regexp says %q", msg, v, ok, m)
	}
	v, ok = podUIDField(msg)
	if m := refPodUIDKV.FindStringSubmatch(msg); (m != nil) != ok || ok && m[1] != v {
		t.Fatalf("podUIDField(%q) = %q, %v; the regexp says %q", msg, v, ok, m)
	}
	q := errFieldQuote(msg)
	if loc := refErrKV.FindStringIndex(msg); (loc != nil) != (q >= 0) || loc != nil && loc[1]-1 != q {
		t.Fatalf("errFieldQuote(%q) = %d; the regexp says %v", msg, q, loc)
	}
}
