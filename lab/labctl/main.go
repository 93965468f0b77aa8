// Command labctl drives the rtsnap lab's CRI workloads and fault scenarios.
// It exists because crictl cannot be obtained on these machines; it talks
// k8s.io/cri-api directly. It is lab tooling, never shipped in rtsnap.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	cri "k8s.io/cri-api/pkg/apis/runtime/v1"
)

const labLabel = "rtsnap.lab"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: labctl up|down|fault|hang-socket ...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "labctl:", err)
		os.Exit(1)
	}
}

func run(cmd string, args []string) error {
	if cmd == "hang-socket" {
		if len(args) != 1 {
			return errors.New("usage: labctl hang-socket PATH")
		}
		return hangSocket(args[0])
	}
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	endpoint := fs.String("endpoint", "", "CRI socket path")
	tag := fs.String("tag", "", "suffix for pod names (the daemon's name)")
	image := fs.String("image", "docker.io/library/busybox:latest", "image for containers")
	stateDir := fs.String("state-dir", "/run/rtsnap-lab/faults", "where fault state is kept")
	pods := fs.Int("pods", 100, "scale: number of pods")
	perPod := fs.Int("containers", 5, "scale: containers per pod")
	hostNet := fs.Bool("host-network", false, "scale: pods share the node's network (no CNI set-up per pod: the scale lab's 250 pods)")
	planted := fs.String("planted", "", "lab/planted-secrets.txt: with up, also run pod vault-<tag> carrying those fake secrets")
	all := fs.Bool("all", false, "down: every pod of the runtime, not only the lab's own (a kubelet's runtime when its node goes)")
	ownPID := fs.Bool("own-pid-ns", false, "pods ask for a pid namespace per container, as kubelet does: CRI-O then runs no infra container (a busybox sleep as infra ignores SIGTERM, so each pod stop waited out the timeout)")
	var pos []string
	rest := args
	for len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	timeout := 90 * time.Second
	if cmd == "scale" || cmd == "unscale" {
		timeout = 20 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := dial(*endpoint)
	if err != nil {
		return err
	}
	l := &lab{rt: cri.NewRuntimeServiceClient(c), img: cri.NewImageServiceClient(c), image: *image, state: *stateDir, ownPID: *ownPID, hostNetwork: *hostNet}
	switch cmd {
	case "up":
		if err := l.up(ctx, *tag); err != nil {
			return err
		}
		if *planted == "" {
			return nil
		}
		secrets, err := readPlanted(*planted)
		if err != nil {
			return err
		}
		return l.vault(ctx, *tag, secrets)
	case "down":
		return l.removePods(ctx, func(p *cri.PodSandbox) bool { return *all || p.Labels[labLabel] != "" })
	case "scale":
		return l.scale(ctx, *tag, *pods, *perPod)
	case "unscale":
		return l.removePods(ctx, func(p *cri.PodSandbox) bool { return p.Labels[labLabel] == "scale" })
	case "fault":
		if len(pos) != 2 {
			return errors.New("usage: labctl fault dead|crashloop|pullfail on|off --endpoint SOCK")
		}
		return l.fault(ctx, pos[0], pos[1] == "on")
	}
	return fmt.Errorf("unknown command %q", cmd)
}

func dial(endpoint string) (*grpc.ClientConn, error) {
	if endpoint == "" {
		return nil, errors.New("--endpoint is required")
	}
	return grpc.NewClient("unix://"+endpoint,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(16<<20)))
}

type lab struct {
	rt    cri.RuntimeServiceClient
	img   cri.ImageServiceClient
	image string
	state string
	// ownPID: pods get NamespaceMode_CONTAINER for pid (kubelet's default);
	// unset, the request carries no namespace options, as the lab always did.
	ownPID bool
	// hostNetwork: pods use the node's network namespace (scale lab).
	hostNetwork bool
}

// up makes sure pod web-<tag> (namespace lab) runs with containers app and sidecar.
func (l *lab) up(ctx context.Context, tag string) error {
	name := "web-" + tag
	pods, err := l.rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{Filter: &cri.PodSandboxFilter{
		LabelSelector: map[string]string{labLabel: "web"},
		State:         &cri.PodSandboxStateValue{State: cri.PodSandboxState_SANDBOX_READY}}})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, p := range pods.Items {
		if p.Metadata.Name == name {
			cs, err := l.rt.ListContainers(ctx, &cri.ListContainersRequest{Filter: &cri.ContainerFilter{
				PodSandboxId: p.Id, State: &cri.ContainerStateValue{State: cri.ContainerState_CONTAINER_RUNNING}}})
			if err == nil && len(cs.Containers) == 2 {
				return nil
			}
		}
	}
	if err := l.removePods(ctx, func(p *cri.PodSandbox) bool { return p.Labels[labLabel] != "" && p.Metadata.Name == name }); err != nil {
		return err
	}
	podID, cfg, err := l.runPod(ctx, name, "web", nil)
	if err != nil {
		return err
	}
	for _, c := range []struct{ name, script string }{
		{"app", `while true; do echo "app tick $(date -Iseconds)"; sleep 5; done`},
		{"sidecar", `while true; do echo "sidecar ok"; sleep 30; done`},
	} {
		id, err := l.createContainer(ctx, podID, cfg, c.name, 0, []string{"/bin/sh", "-c", c.script})
		if err != nil {
			return err
		}
		if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
			return fmt.Errorf("start %s/%s: %w", name, c.name, err)
		}
	}
	return nil
}

func (l *lab) runPod(ctx context.Context, name, role string, annotations map[string]string) (string, *cri.PodSandboxConfig, error) {
	uid := fmt.Sprintf("%s-%d", name, time.Now().UnixNano())
	cfg := &cri.PodSandboxConfig{
		Metadata:     &cri.PodSandboxMetadata{Name: name, Namespace: "lab", Uid: uid},
		Hostname:     name,
		LogDirectory: filepath.Join("/var/log/pods", "lab_"+name+"_"+uid),
		Labels: map[string]string{labLabel: role, "io.kubernetes.pod.name": name,
			"io.kubernetes.pod.namespace": "lab", "io.kubernetes.pod.uid": uid},
		Annotations: map[string]string{"rtsnap.lab/purpose": "test workload"},
		Linux:       &cri.LinuxPodSandboxConfig{CgroupParent: "/kubepods/besteffort/pod" + uid},
	}
	for k, v := range annotations {
		cfg.Annotations[k] = v
	}
	if l.ownPID || l.hostNetwork {
		ns := &cri.NamespaceOption{}
		if l.ownPID {
			ns.Pid = cri.NamespaceMode_CONTAINER
		}
		if l.hostNetwork {
			// runc cannot set a hostname in the node's UTS namespace.
			cfg.Hostname = ""
			ns.Network = cri.NamespaceMode_NODE
		}
		cfg.Linux.SecurityContext = &cri.LinuxSandboxSecurityContext{NamespaceOptions: ns}
	}
	resp, err := l.rt.RunPodSandbox(ctx, &cri.RunPodSandboxRequest{Config: cfg})
	if err != nil {
		return "", nil, fmt.Errorf("run pod %s: %w", name, err)
	}
	return resp.PodSandboxId, cfg, nil
}

func (l *lab) createContainer(ctx context.Context, podID string, pod *cri.PodSandboxConfig, name string, attempt uint32, cmd []string) (string, error) {
	return l.create(ctx, podID, pod, l.containerConfig(name, attempt, cmd))
}

// createContainerLimited is createContainer with a memory limit in bytes.
func (l *lab) createContainerLimited(ctx context.Context, podID string, pod *cri.PodSandboxConfig, name string, cmd []string, memory int64) (string, error) {
	c := l.containerConfig(name, 0, cmd)
	c.Linux = &cri.LinuxContainerConfig{Resources: &cri.LinuxContainerResources{MemoryLimitInBytes: memory}}
	return l.create(ctx, podID, pod, c)
}

func (l *lab) containerConfig(name string, attempt uint32, cmd []string) *cri.ContainerConfig {
	return &cri.ContainerConfig{
		Metadata: &cri.ContainerMetadata{Name: name, Attempt: attempt},
		Image:    l.imageSpec(),
		Command:  cmd,
		Envs:     []*cri.KeyValue{{Key: "LAB_ROLE", Value: name}},
		Labels:   map[string]string{labLabel: name, "io.kubernetes.container.name": name},
		LogPath:  fmt.Sprintf("%s/%d.log", name, attempt),
	}
}

func (l *lab) create(ctx context.Context, podID string, pod *cri.PodSandboxConfig, c *cri.ContainerConfig) (string, error) {
	name := c.Metadata.Name
	if l.ownPID {
		if c.Linux == nil {
			c.Linux = &cri.LinuxContainerConfig{}
		}
		c.Linux.SecurityContext = &cri.LinuxContainerSecurityContext{
			NamespaceOptions: &cri.NamespaceOption{Pid: cri.NamespaceMode_CONTAINER}}
	}
	// kubelet makes the container's log directory; containerd makes it
	// itself when missing, CRI-O's conmon does not ("Failed to open log file").
	if pod.LogDirectory != "" && c.LogPath != "" {
		if err := os.MkdirAll(filepath.Join(pod.LogDirectory, filepath.Dir(c.LogPath)), 0o755); err != nil {
			return "", fmt.Errorf("log directory of %s/%s: %w", pod.Metadata.Name, name, err)
		}
	}
	resp, err := l.rt.CreateContainer(ctx, &cri.CreateContainerRequest{
		PodSandboxId: podID, SandboxConfig: pod, Config: c})
	if err != nil {
		return "", fmt.Errorf("create %s/%s: %w", pod.Metadata.Name, name, err)
	}
	return resp.ContainerId, nil
}

func (l *lab) removePods(ctx context.Context, match func(*cri.PodSandbox) bool) error {
	pods, err := l.rt.ListPodSandbox(ctx, &cri.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, p := range pods.Items {
		if !match(p) {
			continue
		}
		// Stop the containers first, with a short grace, as kubelet does:
		// CRI-O's StopPodSandbox gives each container a long SIGTERM
		// timeout, and a busybox sleep as pid 1 ignores SIGTERM.
		if cs, err := l.rt.ListContainers(ctx, &cri.ListContainersRequest{Filter: &cri.ContainerFilter{PodSandboxId: p.Id}}); err == nil {
			for _, c := range cs.Containers {
				if c.State == cri.ContainerState_CONTAINER_RUNNING {
					_, _ = l.rt.StopContainer(ctx, &cri.StopContainerRequest{ContainerId: c.Id, Timeout: 1})
				}
			}
		}
		if err := retry(ctx, func() error {
			_, err := l.rt.StopPodSandbox(ctx, &cri.StopPodSandboxRequest{PodSandboxId: p.Id})
			return err
		}); err != nil {
			return fmt.Errorf("stop pod %s: %w", p.Metadata.Name, err)
		}
		if err := retry(ctx, func() error {
			_, err := l.rt.RemovePodSandbox(ctx, &cri.RemovePodSandboxRequest{PodSandboxId: p.Id})
			return err
		}); err != nil {
			return fmt.Errorf("remove pod %s: %w", p.Metadata.Name, err)
		}
		// kubelet removes a deleted pod's log directory, and so does the
		// lab: otherwise the logs of hundreds of removed pods (the scale
		// fault's) pile up and crowd the live ones out of --max-containers.
		m := p.Metadata
		if err := os.RemoveAll(filepath.Join("/var/log/pods", m.Namespace+"_"+m.Name+"_"+m.Uid)); err != nil {
			return fmt.Errorf("remove pod %s's logs: %w", m.Name, err)
		}
	}
	return nil
}

func (l *lab) fault(ctx context.Context, name string, on bool) error {
	role := map[string]string{"dead": "victim", "crashloop": "crash", "pullfail": "pullfail", "paused": "frozen", "oom": "oom"}[name]
	if role == "" {
		return fmt.Errorf("unknown fault %q", name)
	}
	if !on {
		if name == "dead" {
			// Let the stopped shim run again so it reaps the dead init and the pod can go.
			if b, err := os.ReadFile(filepath.Join(l.state, "dead.shim.pid")); err == nil {
				if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
					_ = syscall.Kill(pid, syscall.SIGCONT)
				}
				_ = os.Remove(filepath.Join(l.state, "dead.shim.pid"))
			}
		}
		if name == "paused" {
			// Thaw first: a frozen task cannot be stopped.
			if b, err := os.ReadFile(filepath.Join(l.state, "paused.freezer")); err == nil {
				if err := thaw(strings.TrimSpace(string(b))); err != nil {
					return err
				}
				_ = os.Remove(filepath.Join(l.state, "paused.freezer"))
			}
		}
		return l.removePods(ctx, func(p *cri.PodSandbox) bool { return p.Labels[labLabel] == role })
	}
	if err := os.MkdirAll(l.state, 0o755); err != nil {
		return err
	}
	podID, cfg, err := l.runPod(ctx, role, role, nil)
	if err != nil {
		return err
	}
	switch name {
	case "dead":
		id, pid, err := l.sleeper(ctx, podID, cfg, "victim")
		if err != nil {
			return err
		}
		shim, err := parentPid(pid)
		if err != nil {
			return err
		}
		// Freeze the shim first so it cannot report the exit, then kill init:
		// the runtime keeps saying RUNNING while the process is gone.
		if err := syscall.Kill(shim, syscall.SIGSTOP); err != nil {
			return fmt.Errorf("stop shim %d: %w", shim, err)
		}
		if err := os.WriteFile(filepath.Join(l.state, "dead.shim.pid"), []byte(strconv.Itoa(shim)), 0o644); err != nil {
			return err
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			return fmt.Errorf("kill init %d: %w", pid, err)
		}
		// SIGKILL is not instant: the process spends a moment in its exit
		// path (state D or R) before it is a zombie. Staging is done when
		// the victim is one, so tests never see it half-dead.
		if err := waitZombie(ctx, pid); err != nil {
			return err
		}
		fmt.Printf("container=%s pid=%d shim=%d\n", id, pid, shim)
	case "paused":
		id, pid, err := l.sleeper(ctx, podID, cfg, "sleeper")
		if err != nil {
			return err
		}
		// Freeze through the cgroup, as a runtime's pause does, behind the
		// runtime's back: CRI has no pause call.
		fz, err := freeze(pid)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(l.state, "paused.freezer"), []byte(fz), 0o644); err != nil {
			return err
		}
		fmt.Printf("container=%s pid=%d freezer=%s\n", id, pid, fz)
	case "oom":
		// tail buffers one endless line of /dev/zero and hits the 16 MiB
		// limit; the memcg OOM killer ends it (as the k8s-oom fault does).
		id, err := l.createContainerLimited(ctx, podID, cfg, "hog", []string{"/bin/tail", "/dev/zero"}, 16<<20)
		if err != nil {
			return err
		}
		if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
			return fmt.Errorf("start hog: %w", err)
		}
		if err := l.waitExited(ctx, id); err != nil {
			return err
		}
		st, err := l.rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: id})
		if err != nil {
			return fmt.Errorf("container status: %w", err)
		}
		fmt.Printf("container=%s exit=%d reason=%s\n", id, st.Status.ExitCode, st.Status.Reason)
	case "crashloop":
		// Two attempts that exit 3, as kubelet's restarts would leave them.
		for attempt := uint32(0); attempt < 2; attempt++ {
			id, err := l.createContainer(ctx, podID, cfg, "crasher", attempt, []string{"/bin/sh", "-c", "echo 'fatal: config missing' >&2; exit 3"})
			if err != nil {
				return err
			}
			if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
				return fmt.Errorf("start crasher: %w", err)
			}
			if err := l.waitExited(ctx, id); err != nil {
				return err
			}
		}
	case "pullfail":
		_, err := l.img.PullImage(ctx, &cri.PullImageRequest{Image: &cri.ImageSpec{Image: "127.0.0.1:1/rtsnap/missing:1"}, SandboxConfig: cfg})
		if err == nil {
			return errors.New("pull from a closed port unexpectedly succeeded")
		}
		fmt.Println("pull failed as staged:", err)
	}
	return nil
}

// sleeper starts container name (sleep forever) in a pod and returns its id and init pid.
func (l *lab) sleeper(ctx context.Context, podID string, cfg *cri.PodSandboxConfig, name string) (string, int, error) {
	id, err := l.createContainer(ctx, podID, cfg, name, 0, []string{"/bin/sleep", "2147483647"})
	if err != nil {
		return "", 0, err
	}
	if _, err := l.rt.StartContainer(ctx, &cri.StartContainerRequest{ContainerId: id}); err != nil {
		return "", 0, fmt.Errorf("start %s: %w", name, err)
	}
	pid, err := l.initPid(ctx, id)
	return id, pid, err
}

func (l *lab) initPid(ctx context.Context, id string) (int, error) {
	st, err := l.rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if err != nil {
		return 0, fmt.Errorf("container status: %w", err)
	}
	info := st.Info["info"]
	i := strings.Index(info, `"pid":`)
	if i < 0 {
		return 0, errors.New("no pid in verbose container status")
	}
	rest := info[i+len(`"pid":`):]
	end := strings.IndexAny(rest, ",}")
	return strconv.Atoi(strings.TrimSpace(rest[:end]))
}

func (l *lab) waitExited(ctx context.Context, id string) error {
	for {
		st, err := l.rt.ContainerStatus(ctx, &cri.ContainerStatusRequest{ContainerId: id})
		if err != nil {
			return fmt.Errorf("container status: %w", err)
		}
		if st.Status.State == cri.ContainerState_CONTAINER_EXITED {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("container %s did not exit: %w", id, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func parentPid(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 2 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	return strconv.Atoi(fields[1])
}

// hangSocket accepts connections and never answers: the stuck runtime the
// collector must survive.
func hangSocket(path string) error {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	var held []net.Conn
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		held = append(held, c) // keep it open, say nothing
		if len(held) > 1000 {
			held[0].Close()
			held = held[1:]
		}
	}
}

// waitZombie waits until pid is a zombie or gone.
func waitZombie(ctx context.Context, pid int) error {
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil // gone
		}
		s := string(b)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 && f[0] == "Z" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("init %d did not die: %w", pid, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// retry calls fn up to five times, a second apart, until it succeeds. A
// shim that was stopped (the dead fault) and has just been continued can
// drop its connection ("ttrpc: closed") before containerd notices its task
// exited; the next stop finds the task gone and succeeds.
func retry(ctx context.Context, fn func() error) error {
	var err error
	for i := 0; i < 5; i++ {
		if err = fn(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
	return err
}

// imageSpec names the lab image the way kubelet does: CRI-O (1.34) refuses a
// container whose user_specified_image is empty ("cannot verify image
// signature"); containerd ignores the field.
func (l *lab) imageSpec() *cri.ImageSpec {
	return &cri.ImageSpec{Image: l.image, UserSpecifiedImage: l.image}
}
