package bundle

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestReadHoldsStateBeforeBulkWithinMaxHeld(t *testing.T) {
	dir := t.TempDir()
	p := writeBundle(t, dir, map[string]string{
		"cri/x/pods.json":   `{"items":[]}`,
		"configs/a.toml":    strings.Repeat("c", 100),
		"logs/pods/a/0.log": strings.Repeat("l", 400),
		"journal/k.jsonl":   strings.Repeat("j", 300),
		"journal/meta.json": `{}`,
		"logs/pods/b/0.log": strings.Repeat("m", 50),
	})
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.MaxHeldBytes = 12 + 2 + 100 + 50 + 300 // everything but the 400-byte log
	b, err := Read(bytes.NewReader(raw), lim)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"logs/pods/a/0.log"}; !reflect.DeepEqual(b.NotHeld, want) {
		t.Fatalf("not held = %v, want %v", b.NotHeld, want)
	}
	if _, ok := b.File("logs/pods/a/0.log"); ok {
		t.Fatal("a file not held is readable")
	}
	if d, ok := b.File("cri/x/pods.json"); !ok || string(d) != `{"items":[]}` {
		t.Fatal("state file not held")
	}
	// Bulk goes first: with room for 120 bytes the JSON and the config stay.
	lim.MaxHeldBytes = 120
	b, _ = Read(bytes.NewReader(raw), lim)
	if len(b.NotHeld) != 3 || strings.Join(b.NotHeld, " ") != "journal/k.jsonl logs/pods/a/0.log logs/pods/b/0.log" {
		t.Fatalf("not held = %v", b.NotHeld)
	}
	// Quiet without a bound.
	if b, _ := Read(bytes.NewReader(raw), DefaultLimits()); len(b.NotHeld) != 0 {
		t.Fatalf("unbounded: not held = %v", b.NotHeld)
	}
}

// Hold keeps only the files it accepts (show holds one, ls none); the
// others are read, verified and listed, not kept.
func TestReadHoldsOnlyWhatHoldAccepts(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"cri/x/pods.json": `{"items":[]}`, "logs/pods/a/0.log": strings.Repeat("l", 400)}
	raw, err := os.ReadFile(writeBundle(t, dir, files))
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits()
	lim.Hold = func(p string) bool { return p == "cri/x/pods.json" }
	b, err := Read(bytes.NewReader(raw), lim)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.File("logs/pods/a/0.log"); ok || len(b.NotHeld) != 0 {
		t.Errorf("a file Hold refused is held (not held: %v)", b.NotHeld)
	}
	if d, ok := b.File("cri/x/pods.json"); !ok || string(d) != files["cri/x/pods.json"] {
		t.Error("the file Hold accepts is not held")
	}
	lim.Hold = func(string) bool { return false }
	if b, err := Read(bytes.NewReader(raw), lim); err != nil || len(b.Paths()) != 2 {
		t.Fatalf("holding nothing: %v", err)
	}
	if _, err := Read(bytes.NewReader(raw[:len(raw)-600]), lim); err == nil {
		t.Fatal("a truncated bundle read while holding nothing")
	}
}
