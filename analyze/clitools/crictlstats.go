package clitools

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/docker/go-units"
	"github.com/spf13/pflag"
	"google.golang.org/protobuf/proto"
	criapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/rtsnap/rtsnap/internal/schema/cri"
)

// crictl stats and statsp from the cri source's one ListContainerStats /
// ListPodSandboxStats call (rtsnap collect --cri-stats). crictl draws its
// CPU % from two calls a second apart; a bundle holds one, so CPU % here
// is the runtime's own rate at the collection (UsageNanoCores, which
// containerd keeps from its previous sample). The other columns are the
// call's figures, as crictl prints them. crictl clears the screen before
// its table (ESC[2J ESC[H); a bundle's answer is not a live view and
// prints the table alone.

// statsFlags are the flags stats and statsp share.
type statsFlags struct {
	id, output string
	labels     []string
	sel        map[string]string
}

func addStatsFlags(fs *pflag.FlagSet, sf *statsFlags) (watch *bool) {
	fs.StringVar(&sf.id, "id", "", "")
	fs.StringSliceVar(&sf.labels, "label", nil, "")
	fs.StringVarP(&sf.output, "output", "o", "", "")
	fs.IntP("seconds", "s", 1, "ignored: a bundle holds one sample")
	return fs.BoolP("watch", "w", false, "")
}

func (sf *statsFlags) check(sub string, watch bool) error {
	if watch {
		return usagef("crictl %s: --watch is not answered from a bundle (it holds one sample)", sub)
	}
	if err := outputFormat(sub, sf.output); err != nil {
		return err
	}
	var err error
	sf.sel, err = parseLabels(sf.labels)
	return err
}

// statsFile reads one of the cri source's stats files, or says why it is
// not there: the call failed at the collection (calls.json says how), or
// stats were not asked for.
func (c *crictlCtx) statsFile(name, method string, out any) error {
	err := c.file(name, out)
	if nc := (*NotCollectedError)(nil); !errors.As(err, &nc) {
		return err
	}
	var calls []cri.Call
	if c.file("calls.json", &calls) == nil {
		for _, call := range calls {
			if call.Method == method && call.Code != "OK" {
				return fmt.Errorf("%w; %s failed at the collection: %s %s", err, method, call.Code, call.Error)
			}
		}
	}
	return fmt.Errorf("%w; the cri source collects stats only with 'rtsnap collect --cri-stats' (the cgroup source holds the kernel's figures)", err)
}

// cpuPercent is UsageNanoCores as crictl's CPU %: nanocores per core, in percent.
func cpuPercent(cpu *criapi.CpuUsage) string {
	return fmt.Sprintf("%.2f", float64(cpu.GetUsageNanoCores().GetValue())/1e7)
}

func (c *crictlCtx) stats(args []string, w io.Writer) error {
	fs := flagSet("crictl stats")
	var sf statsFlags
	watch := addStatsFlags(fs, &sf)
	all := fs.BoolP("all", "a", false, "")
	pod := fs.StringP("pod", "p", "", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		return usagef("crictl stats: want at most one container ID")
	}
	if sf.id == "" && fs.NArg() == 1 {
		sf.id = fs.Arg(0)
	}
	if err := sf.check("stats", *watch); err != nil {
		return err
	}
	var stats []*criapi.ContainerStats
	if err := c.statsFile("container_stats.json", "ListContainerStats", &stats); err != nil {
		return err
	}
	// The stats name no pod: the container list does.
	podOf := map[string]string{}
	if *pod != "" {
		recs, err := c.containers()
		if err != nil {
			return err
		}
		for _, r := range recs {
			podOf[r.Container.Id] = r.Container.PodSandboxId
		}
	}
	if sf.output != "json" && sf.output != "yaml" {
		fmt.Fprintln(c.notes, cpuNote("stats"))
	}
	return printList(w, stats, crictlList[*criapi.ContainerStats]{
		keep: func(s *criapi.ContainerStats) bool {
			a := s.GetAttributes()
			return s != nil && strings.HasPrefix(a.GetId(), sf.id) && labelsMatch(sf.sel, a.GetLabels()) &&
				(*pod == "" || strings.HasPrefix(podOf[a.GetId()], *pod))
		},
		order: func(a, b *criapi.ContainerStats) int {
			return cmp.Compare(a.GetAttributes().GetId(), b.GetAttributes().GetId())
		},
		proto:  func(l []*criapi.ContainerStats) proto.Message { return &criapi.ListContainerStatsResponse{Stats: l} },
		header: []string{"CONTAINER", "NAME", "CPU %", "MEM", "DISK", "INODES", "SWAP"},
		rows: func(s *criapi.ContainerStats) [][]string {
			cpu, mem := s.GetCpu().GetUsageCoreNanoSeconds().GetValue(), s.GetMemory().GetWorkingSetBytes().GetValue()
			if !*all && cpu == 0 && mem == 0 {
				return nil // crictl: a container that is not running
			}
			return [][]string{{truncID(s.GetAttributes().GetId(), ""), s.GetAttributes().GetMetadata().GetName(), cpuPercent(s.GetCpu()),
				units.HumanSize(float64(mem)), units.HumanSize(float64(s.GetWritableLayer().GetUsedBytes().GetValue())),
				strconv.FormatUint(s.GetWritableLayer().GetInodesUsed().GetValue(), 10), units.HumanSize(float64(s.GetSwap().GetSwapUsageBytes().GetValue()))}}
		},
	}, false, sf.output)
}

// cpuNote says where CPU % comes from in a bundle's table.
func cpuNote(sub string) string {
	return "rtsnap-analyze crictl: " + sub + ": CPU % is the runtime's rate at the collection (UsageNanoCores), not a sample over --seconds"
}

func (c *crictlCtx) statsp(args []string, w io.Writer) error {
	fs := flagSet("crictl statsp")
	var sf statsFlags
	watch := addStatsFlags(fs, &sf)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("crictl statsp: takes no arguments (--id picks a pod)")
	}
	if err := sf.check("statsp", *watch); err != nil {
		return err
	}
	var stats []*criapi.PodSandboxStats
	if err := c.statsFile("pod_stats.json", "ListPodSandboxStats", &stats); err != nil {
		return err
	}
	if sf.output != "json" && sf.output != "yaml" {
		fmt.Fprintln(c.notes, cpuNote("statsp"))
	}
	return printList(w, stats, crictlList[*criapi.PodSandboxStats]{
		keep: func(s *criapi.PodSandboxStats) bool {
			return s != nil && strings.HasPrefix(s.GetAttributes().GetId(), sf.id) && labelsMatch(sf.sel, s.GetAttributes().GetLabels())
		},
		order: func(a, b *criapi.PodSandboxStats) int {
			return cmp.Compare(a.GetAttributes().GetId(), b.GetAttributes().GetId())
		},
		proto:  func(l []*criapi.PodSandboxStats) proto.Message { return &criapi.ListPodSandboxStatsResponse{Stats: l} },
		header: []string{"POD", "POD ID", "CPU %", "MEM"},
		rows: func(s *criapi.PodSandboxStats) [][]string {
			l := s.GetLinux()
			if l == nil || (l.GetCpu().GetUsageCoreNanoSeconds().GetValue() == 0 && l.GetMemory().GetWorkingSetBytes().GetValue() == 0) {
				return nil // crictl: no data (a Windows pod's figures are not collected on Linux)
			}
			return [][]string{{s.GetAttributes().GetMetadata().GetName(), truncID(s.GetAttributes().GetId(), ""), cpuPercent(l.GetCpu()),
				units.HumanSize(float64(l.GetMemory().GetWorkingSetBytes().GetValue()))}}
		},
	}, false, sf.output)
}
