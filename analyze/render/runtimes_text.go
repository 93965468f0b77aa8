package render

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/rtsnap/rtsnap/analyze/facts"
	"github.com/rtsnap/rtsnap/analyze/finding"
)

// maxStateLines bounds the namespace lines shown per runtime (a hostile
// bundle can name thousands of namespaces; --json has them all).
const maxStateLines = 20

// runtimesText writes the runtime table: one line per runtime, then its pods
// and containers by namespace, "state count" pairs.
func runtimesText(w io.Writer, rts []facts.Runtime) {
	if len(rts) == 0 {
		return
	}
	fmt.Fprintln(w, "\nruntimes")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  KIND\tVERSION\tAPI\tCGROUP DRIVER\tENDPOINT")
	for _, r := range rts {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", line(orDash(r.Kind)), line(orDash(r.Version)), line(orDash(r.APIVersion)), line(orDash(r.CgroupDriver)), line(r.Endpoint))
	}
	tw.Flush()
	for _, r := range rts {
		if len(r.States) == 0 && r.Error == "" {
			continue
		}
		fmt.Fprintf(w, "  %s %s\n", line(orDash(r.Kind)), line(r.Endpoint))
		if r.Error != "" {
			fmt.Fprintf(w, "    error  %s\n", line(finding.Cut(r.Error, 120)))
		}
		groups, pairs := stateGroups(r.States)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for i, g := range groups {
			if i == maxStateLines {
				fmt.Fprintf(tw, "    ... %d more namespace line(s): --json lists them\t\t\n", len(groups)-i)
				break
			}
			what, ns, _ := strings.Cut(g, "\x00")
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", line(what), line(orDash(ns)), line(strings.Join(pairs[g], "  ")))
		}
		tw.Flush()
	}
}

// stateGroups groups sorted counts by (what, namespace), keeping order.
func stateGroups(states []facts.StateCount) ([]string, map[string][]string) {
	var order []string
	pairs := map[string][]string{}
	for _, s := range states {
		k := s.What + "\x00" + s.Namespace
		if _, ok := pairs[k]; !ok {
			order = append(order, k)
		}
		pairs[k] = append(pairs[k], fmt.Sprintf("%s %d", s.State, s.Count))
	}
	return order, pairs
}

// maxDockerPodLines bounds the Docker containers of pods shown.
const maxDockerPodLines = 20

// dockerPodsText lists Docker containers of pods with the CRI pod each is joined to.
func dockerPodsText(w io.Writer, cs []facts.DockerPodContainer, more int) {
	if len(cs) == 0 {
		return
	}
	fmt.Fprintln(w, "\ndocker containers of pods")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  DOCKER\tNAME\tSTATE\tPOD\tCRI POD")
	for i, c := range cs {
		if i == maxDockerPodLines {
			more += len(cs) - i
			break
		}
		cri := "not in any CRI endpoint of the bundle"
		if c.Joined() {
			cri = facts.ShortID(c.CRIPodID) + " " + strings.ToLower(strings.TrimPrefix(c.CRIPodState, "SANDBOX_")) + " on " + c.CRIEndpoint
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", line(orDash(c.DockerEndpoint)), line(finding.Cut(c.Name, 60)), line(c.State), line(c.Namespace+"/"+c.Pod), line(cri))
	}
	tw.Flush()
	if more > 0 {
		fmt.Fprintf(w, "  ... %d more: --json lists up to %d\n", more, MaxInspectDockerPods)
	}
}
