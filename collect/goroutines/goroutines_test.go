package goroutines

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

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

func TestNoDaemonIsSkipped(t *testing.T) {
	env := collect.NewTestEnv()
	env.Active = true
	env.ProcRoot = t.TempDir() // an empty process table
	out := collect.NewCapture()
	if err := New().Collect(context.Background(), env, out); err != nil || !strings.Contains(out.Skipped, "not present") {
		t.Fatalf("err=%v skipped=%q", err, out.Skipped)
	}
}

func criVersion(t *testing.T, sock string) string {
	t.Helper()
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := criapi.NewRuntimeServiceClient(conn).Version(ctx, &criapi.VersionRequest{})
	if err != nil {
		t.Fatalf("cd2 does not answer CRI: %v", err)
	}
	return v.RuntimeVersion
}

// TestLabContainerdDump signals the lab's containerd 2.x only (PIDs), and
// checks the dump is containerd's and the daemon still answers afterwards.
func TestLabContainerdDump(t *testing.T) {
	le := lab.Require(t)
	raw, err := os.ReadFile("/run/rtsnap-lab/cd2/daemon.pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	before := criVersion(t, le["RTSNAP_LAB_CD2_SOCK"])
	env := collect.NewTestEnv()
	env.Active = true
	out := collect.NewCapture()
	start := time.Now()
	if err := (&Source{PIDs: []int{pid}}).Collect(context.Background(), env, out); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("dump took %s", el)
	}
	var dumps []Dump
	if err := json.Unmarshal(out.Files["dumps.json"], &dumps); err != nil {
		t.Fatal(err)
	}
	if len(dumps) != 1 || dumps[0].Error != "" || dumps[0].PID != pid || dumps[0].Role != "containerd" || dumps[0].SignalledAt.Before(start.Add(-time.Second)) {
		t.Fatalf("dumps %+v", dumps)
	}
	if want := "/tmp/containerd." + strconv.Itoa(pid) + ".stacks.log"; dumps[0].File != want {
		t.Errorf("dump file %q, want %q", dumps[0].File, want)
	}
	stacks := string(out.Files[dumps[0].Stored])
	if !strings.Contains(stacks, "goroutine ") || !strings.Contains(stacks, "containerd/containerd/v2") || dumps[0].Bytes != len(stacks) {
		t.Fatalf("stored dump (%d bytes) is not containerd 2's goroutines: %.200q", len(stacks), stacks)
	}
	if after := criVersion(t, le["RTSNAP_LAB_CD2_SOCK"]); after != before {
		t.Fatalf("cd2 version %q after the dump, %q before", after, before)
	}
}
