// Package fleet is `rtsnap fleet`: collection through the cluster. For the
// nodes a selector picks it runs one Job per node (bounded parallelism) with
// rtsnap's image, privileged, hostPID and hostNetwork, the host's / at /host
// and the bundle on a memory-backed emptyDir; copies each bundle back
// through the API (exec + tar, as kubectl cp does), verifies its hash, and
// deletes the Job, also when the run is interrupted. Every API call and
// every node has a deadline. Nodes that fail are listed with the reason; the
// others still come back.
package fleet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"

	"github.com/rtsnap/rtsnap/internal/capped"
)

// The one definition of fleet's defaults and the paths inside the pod.
const (
	DefaultNamespace   = "rtsnap"
	DefaultImage       = "rtsnap.local/rtsnap:latest"
	DefaultParallel    = 4
	DefaultNodeTimeout = 5 * time.Minute
	DefaultCallTimeout = 15 * time.Second
	// OutDir is the memory-backed emptyDir the bundle is written to.
	OutDir = "/run/rtsnap"
	// HostRoot is where the host's / is mounted in the pod.
	HostRoot = "/host"
	// ReadyPrefix starts the line the agent prints once the bundle is
	// written: "rtsnap-fleet-ready NAME SHA256".
	ReadyPrefix = "rtsnap-fleet-ready"
	// emptyDirSize bounds the tmpfs (it counts against the pod's memory).
	emptyDirSize = "512Mi"
	labelApp     = "app.kubernetes.io/name"
	labelRun     = "rtsnap.dev/fleet-run"
	pollEvery    = time.Second
)

// Options are `rtsnap fleet`'s settings.
type Options struct {
	Kubeconfig, Context string
	Namespace           string
	Selector            string   // label selector of nodes; "" all
	Nodes               []string // explicit node names (instead of, or within, the selector)
	Image               string
	ServiceAccount      string
	OutDir              string
	Parallel            int
	NodeTimeout         time.Duration // one node: Job created to bundle verified
	CallTimeout         time.Duration // one API call
	// CollectArgs are passed to `rtsnap collect` in the pod (e.g. --since 2h,
	// --encrypt-to age1...).
	CollectArgs []string
	Log         io.Writer
}

// Result is one node's outcome.
type Result struct {
	Node     string        `json:"node"`
	OK       bool          `json:"ok"`
	Reason   string        `json:"reason,omitempty"`
	Job      string        `json:"job,omitempty"`
	Bundle   string        `json:"bundle,omitempty"`
	SHA256   string        `json:"sha256,omitempty"`
	Bytes    int64         `json:"bytes,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

// Report is fleet.json in the output directory.
type Report struct {
	RunID     string    `json:"run_id"`
	Namespace string    `json:"namespace"`
	Image     string    `json:"image"`
	Selector  string    `json:"selector,omitempty"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished"`
	Nodes     []Result  `json:"nodes"`
	// CleanupErrors lists Jobs that could not be deleted (delete them by
	// label rtsnap.dev/fleet-run=RUN_ID).
	CleanupErrors []string `json:"cleanup_errors,omitempty"`
}

type runner struct {
	o     Options
	cs    kubernetes.Interface
	cfg   *rest.Config
	runID string
	logMu sync.Mutex
}

// Run collects from the selected nodes into o.OutDir (which must exist and
// hold no bundle of the same names: nothing is overwritten).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Image == "" {
		o.Image = DefaultImage
	}
	if o.Parallel <= 0 {
		o.Parallel = DefaultParallel
	}
	if o.NodeTimeout <= 0 {
		o.NodeTimeout = DefaultNodeTimeout
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = DefaultCallTimeout
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if fi, err := os.Stat(o.OutDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("output directory %q: %v", o.OutDir, err)
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: o.Context}).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.Timeout = o.CallTimeout
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	id := make([]byte, 4)
	rand.Read(id)
	r := &runner{o: o, cs: cs, cfg: cfg, runID: hex.EncodeToString(id)}
	rep := &Report{RunID: r.runID, Namespace: o.Namespace, Image: o.Image, Selector: o.Selector, Started: time.Now().UTC()}
	nodes, err := r.nodes(ctx)
	if err != nil {
		return nil, err
	}
	if len(nodes) == 0 {
		return nil, fmt.Errorf("no node matches (selector %q, nodes %v)", o.Selector, o.Nodes)
	}
	r.logf("run %s: %d nodes, %d at a time, namespace %s, image %s", r.runID, len(nodes), o.Parallel, o.Namespace, o.Image)
	results := make([]Result, len(nodes))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = Result{Node: n, Reason: "not started: " + ctx.Err().Error()}
				return
			}
			defer func() { <-sem }()
			results[i] = r.node(ctx, n)
		}()
	}
	wg.Wait()
	rep.Nodes = results
	// A last sweep by label: Jobs a cancelled create may have left behind.
	rep.CleanupErrors = r.sweep()
	rep.Finished = time.Now().UTC()
	data, _ := json.MarshalIndent(rep, "", "  ")
	if err := writeNew(filepath.Join(o.OutDir, "fleet-"+r.runID+".json"), append(data, '\n')); err != nil {
		return rep, err
	}
	return rep, ctx.Err()
}

func (r *runner) logf(format string, args ...any) {
	r.logMu.Lock()
	defer r.logMu.Unlock()
	fmt.Fprintf(r.o.Log, "rtsnap fleet: "+format+"\n", args...)
}

func (r *runner) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.o.CallTimeout)
}

// nodes lists the selected nodes' names, sorted.
func (r *runner) nodes(ctx context.Context) ([]string, error) {
	cctx, cancel := r.call(ctx)
	defer cancel()
	list, err := r.cs.CoreV1().Nodes().List(cctx, metav1.ListOptions{LabelSelector: r.o.Selector})
	if err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	want := map[string]bool{}
	for _, n := range r.o.Nodes {
		want[n] = true
	}
	// Whether names were given is decided once: want empties as they are
	// found, and testing len(want) here let every node listed after the
	// last named one through (a 4-node lab ran all 4 for 2 names).
	all := len(want) == 0
	var out []string
	for _, n := range list.Items {
		if all || want[n.Name] {
			out = append(out, n.Name)
			delete(want, n.Name)
		}
	}
	if len(want) > 0 {
		var missing []string
		for n := range want {
			missing = append(missing, n)
		}
		sort.Strings(missing)
		return nil, fmt.Errorf("nodes not found (or not matching %q): %s", r.o.Selector, strings.Join(missing, ", "))
	}
	sort.Strings(out)
	return out, nil
}

// node runs one node's Job to the end and always deletes it.
func (r *runner) node(parent context.Context, node string) (res Result) {
	start := time.Now()
	res = Result{Node: node}
	defer func() { res.Duration = time.Since(start) }()
	ctx, cancel := context.WithTimeout(parent, r.o.NodeTimeout)
	defer cancel()
	job := JobFor(r.o, r.runID, node)
	cctx, ccancel := r.call(ctx)
	created, err := r.cs.BatchV1().Jobs(r.o.Namespace).Create(cctx, job, metav1.CreateOptions{})
	ccancel()
	if err != nil {
		res.Reason = "creating the Job: " + err.Error()
		return res
	}
	res.Job = created.Name
	defer func() {
		// A fresh context: the run's may be cancelled (Ctrl-C), the Job must go anyway.
		dctx, dcancel := context.WithTimeout(context.Background(), r.o.CallTimeout)
		defer dcancel()
		bg := metav1.DeletePropagationBackground
		if err := r.cs.BatchV1().Jobs(r.o.Namespace).Delete(dctx, created.Name, metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
			r.logf("%s: deleting Job %s: %v", node, created.Name, err)
		}
	}()
	r.logf("%s: Job %s created", node, created.Name)
	pod, name, sum, err := r.waitReady(ctx, created.Name)
	if err != nil {
		res.Reason = err.Error()
		return res
	}
	got, err := r.fetch(ctx, pod, node)
	if err != nil {
		res.Reason = "copying the bundle: " + err.Error()
		return res
	}
	arch, err := verify(got, sum)
	if err != nil {
		for _, g := range got {
			os.Remove(g.Path)
		}
		res.Reason = "verifying the bundle: " + err.Error()
		return res
	}
	res.OK, res.Bundle, res.SHA256, res.Bytes = true, arch.Path, arch.SHA256, arch.Size
	r.logf("%s: %s (%d bytes, sha256 %s) from %s", node, arch.Path, arch.Size, arch.SHA256[:12], name)
	return res
}

// stuckReasons are container waiting reasons kubelet keeps retrying but that
// do not clear by themselves; a pod in one of them for stuckAfter fails the
// node at once instead of at its deadline.
var stuckReasons = map[string]bool{"ErrImagePull": true, "ImagePullBackOff": true, "ErrImageNeverPull": true,
	"InvalidImageName": true, "CreateContainerConfigError": true, "CreateContainerError": true, "RunContainerError": true}

const stuckAfter = 20 * time.Second

var readyLine = regexp.MustCompile(`(?m)^` + ReadyPrefix + ` (\S+) ([0-9a-f]{64})$`)

// waitReady polls the Job's pod until the agent announces its bundle, or
// the pod fails, or the node's deadline passes; errors say why.
func (r *runner) waitReady(ctx context.Context, job string) (pod, name, sum string, err error) {
	last := "no pod yet"
	var stuckSince time.Time
	for {
		cctx, cancel := r.call(ctx)
		pods, lerr := r.cs.CoreV1().Pods(r.o.Namespace).List(cctx, metav1.ListOptions{LabelSelector: "job-name=" + job})
		cancel()
		if lerr == nil && len(pods.Items) > 0 {
			p := pods.Items[0]
			last = podState(&p)
			if waitingReason(&p) != "" {
				if stuckSince.IsZero() {
					stuckSince = time.Now()
				} else if time.Since(stuckSince) > stuckAfter {
					return "", "", "", fmt.Errorf("pod %s stuck for %s: %s", p.Name, stuckAfter, last)
				}
			} else {
				stuckSince = time.Time{}
			}
			if p.Status.Phase == corev1.PodFailed || p.Status.Phase == corev1.PodSucceeded {
				return "", "", "", fmt.Errorf("pod %s ended before its bundle was copied: %s%s", p.Name, last, r.tail(ctx, p.Name))
			}
			if p.Status.Phase == corev1.PodRunning {
				if m := r.readyFromLogs(ctx, p.Name); m != nil {
					return p.Name, m[1], m[2], nil
				}
			}
		} else if lerr != nil {
			last = "listing its pod: " + lerr.Error()
		}
		select {
		case <-ctx.Done():
			return "", "", "", fmt.Errorf("no bundle within the node deadline (%s): %s", r.o.NodeTimeout, last)
		case <-time.After(pollEvery):
		}
	}
}

func waitingReason(p *corev1.Pod) string {
	for _, c := range p.Status.ContainerStatuses {
		if c.State.Waiting != nil && stuckReasons[c.State.Waiting.Reason] {
			return c.State.Waiting.Reason
		}
	}
	return ""
}

// podState names what a pod waits on, the way kubectl get pods shows it.
func podState(p *corev1.Pod) string {
	for _, c := range p.Status.ContainerStatuses {
		switch {
		case c.State.Waiting != nil:
			return fmt.Sprintf("%s: %s", c.State.Waiting.Reason, c.State.Waiting.Message)
		case c.State.Terminated != nil:
			t := c.State.Terminated
			return fmt.Sprintf("%s (exit %d): %s", t.Reason, t.ExitCode, t.Message)
		}
	}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			return fmt.Sprintf("%s: %s", c.Reason, c.Message)
		}
	}
	return string(p.Status.Phase)
}

func (r *runner) logs(ctx context.Context, pod string, tail int64) string {
	cctx, cancel := r.call(ctx)
	defer cancel()
	limit := int64(64 << 10)
	raw, err := r.cs.CoreV1().Pods(r.o.Namespace).GetLogs(pod, &corev1.PodLogOptions{TailLines: &tail, LimitBytes: &limit}).Do(cctx).Raw()
	if err != nil {
		return ""
	}
	return string(raw)
}

func (r *runner) readyFromLogs(ctx context.Context, pod string) []string {
	return readyLine.FindStringSubmatch(r.logs(ctx, pod, 50))
}

func (r *runner) tail(ctx context.Context, pod string) string {
	if l := strings.TrimSpace(r.logs(ctx, pod, 5)); l != "" {
		return "; last log lines: " + l
	}
	return ""
}

// fetch runs `rtsnap fleet send` in the pod and stores what it streams.
func (r *runner) fetch(ctx context.Context, pod, node string) ([]Received, error) {
	req := r.cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(r.o.Namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "rtsnap", Command: []string{"/rtsnap", "fleet", "send", "--dir", OutDir},
			Stdout: true, Stderr: true}, scheme.ParameterCodec)
	exec, err := remotecommand.NewSPDYExecutor(r.cfg, "POST", req.URL())
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		err := exec.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: pw, Stderr: &capped.Writer{W: &stderr, Left: capped.StderrBytes}})
		pw.CloseWithError(err)
		done <- err
	}()
	got, rerr := receive(pr, r.o.OutDir, "rtsnap-node-"+safe(node)+"--")
	pr.CloseWithError(errors.New("receiver stopped"))
	serr := <-done
	if rerr != nil {
		return nil, fmt.Errorf("%w %s", rerr, strings.TrimSpace(stderr.String()))
	}
	if serr != nil {
		for _, g := range got {
			os.Remove(g.Path)
		}
		return nil, fmt.Errorf("exec: %w %s", serr, strings.TrimSpace(stderr.String()))
	}
	return got, nil
}

// sweep deletes every Job of this run still there.
func (r *runner) sweep() []string {
	ctx, cancel := context.WithTimeout(context.Background(), r.o.CallTimeout)
	defer cancel()
	bg := metav1.DeletePropagationBackground
	err := r.cs.BatchV1().Jobs(r.o.Namespace).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg},
		metav1.ListOptions{LabelSelector: labelRun + "=" + r.runID})
	if err != nil {
		return []string{fmt.Sprintf("deleting Jobs with %s=%s: %v", labelRun, r.runID, err)}
	}
	return nil
}

// JobFor is the Job collecting from one node (deploy/job.yaml is the same
// spec for kubectl users).
func JobFor(o Options, runID, node string) *batchv1.Job {
	priv, no := true, false
	zero := int32(0)
	deadline := int64((o.NodeTimeout + time.Minute) / time.Second)
	ttl := int32(300)
	hostPathDir := corev1.HostPathDirectory
	size := resource.MustParse(emptyDirSize)
	args := append([]string{"fleet", "agent", "--hold", (o.NodeTimeout + time.Minute).String(), "--",
		"collect", "--host-root", HostRoot, "--output", OutDir, "--quiet", "--retain", "0"}, o.CollectArgs...)
	labels := map[string]string{labelApp: "rtsnap", labelRun: runID}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "rtsnap-" + safe(node) + "-", Labels: labels},
		Spec: batchv1.JobSpec{
			BackoffLimit: &zero, ActiveDeadlineSeconds: &deadline, TTLSecondsAfterFinished: &ttl,
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeName: node, RestartPolicy: corev1.RestartPolicyNever,
					HostPID: true, HostNetwork: true, DNSPolicy: corev1.DNSClusterFirstWithHostNet,
					ServiceAccountName: o.ServiceAccount, AutomountServiceAccountToken: &no,
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers: []corev1.Container{{
						Name: "rtsnap", Image: o.Image, ImagePullPolicy: corev1.PullIfNotPresent,
						Command: []string{"/rtsnap"}, Args: args,
						SecurityContext: &corev1.SecurityContext{Privileged: &priv},
						VolumeMounts: []corev1.VolumeMount{
							// No mount propagation: it needs / to be a shared
							// mount on the node, which not every node has; the
							// runtime's recursive bind holds what is mounted now.
							{Name: "host", MountPath: HostRoot, ReadOnly: true},
							{Name: "out", MountPath: OutDir},
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("768Mi")},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/", Type: &hostPathDir}}},
						{Name: "out", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory, SizeLimit: &size}}},
					},
				},
			},
		},
	}
}

// safe makes a node name fit a Job name and a file name.
func safe(node string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(node) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' {
			b.WriteRune(c)
		} else {
			b.WriteByte('-')
		}
	}
	s := strings.Trim(b.String(), "-.")
	if len(s) > 40 {
		s = s[:40]
	}
	if s == "" {
		s = "node"
	}
	return s
}

func writeNew(p string, data []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Announce prints the agent's ready line (the fleet side parses it).
func Announce(w io.Writer, name, sha string) {
	fmt.Fprintf(w, "%s %s %s\n", ReadyPrefix, name, sha)
}

// ParseReady parses a ready line (tests and tools).
func ParseReady(s string) (name, sum string, ok bool) {
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if m := readyLine.FindStringSubmatch(sc.Text()); m != nil {
			return m[1], m[2], true
		}
	}
	return "", "", false
}
