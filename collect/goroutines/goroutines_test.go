package goroutines

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/internal/lab"
)

func TestOffWithoutActive(t *testing.T) {
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), collect.NewTestEnv(), out); err != nil || !strings.Contains(out.Skipped, "--active") {
		t.Fatalf("err=%v skipped=%q", err, out.Skipped)
	}
	if len(out.Files) != 0 {
		t.Fatal("collected without --active")
	}
}

func TestLabContainerdDump(t *testing.T) {
	lab.Require(t)
	raw, err := os.ReadFile("/run/rtsnap-lab/cd2/daemon.pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	env := collect.NewTestEnv()
	env.Active = true
	out := collect.NewCapture()
	if err := (&Source{PIDs: []int{pid}}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	var dumps []Dump
	json.Unmarshal(out.Files["dumps.json"], &dumps)
	if len(dumps) != 1 || dumps[0].Error != "" || !strings.Contains(string(out.Files[dumps[0].Stored]), "goroutine ") {
		t.Fatalf("dumps %+v", dumps)
	}
	// The daemon is still there and answering.
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("cd2 gone after the dump: %v", err)
	}
	lab.Require(t)
}
