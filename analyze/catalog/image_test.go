package catalog

import (
	"os"
	"strconv"
	"testing"

	"github.com/rtsnap/rtsnap/analyze/logrec"
)

// image.yaml (registry, content, sandbox/CNI and volume classes) is part of
// the loaded catalog, so the catalog-wide tests cover its examples and
// benign lines; this checks it is loaded and keeps to its number range.
func TestImageCatalogFile(t *testing.T) {
	raw, err := os.ReadFile("image.yaml")
	if err != nil {
		t.Fatal(err)
	}
	img, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]bool{}
	for _, cl := range load(t).Classes {
		loaded[cl.ID] = true
	}
	for _, cl := range img.Classes {
		if !loaded[cl.ID] {
			t.Errorf("%s is not in the loaded catalog", cl.ID)
		}
		// RT1600-RT1649 are this file's; RT1650+ belong to another file.
		if n, err := strconv.Atoi(cl.ID[2:6]); err != nil || n < 1600 || n > 1649 {
			t.Errorf("%s: image.yaml classes are numbered RT1600-RT1649", cl.ID)
		}
		if len(cl.Examples) < 4 {
			t.Errorf("%s has %d examples, want >= 4", cl.ID, len(cl.Examples))
		}
		// Every pattern fires on at least one of its class's real lines:
		// none is a guess that no example backs.
		for i, p := range cl.match {
			fired := false
			for _, ex := range cl.Examples {
				fired = fired || p.re.MatchString(logrec.Parse(ex.Line).Text)
			}
			if !fired {
				t.Errorf("%s: pattern %q matches none of its examples", cl.ID, cl.Match[i])
			}
		}
	}
	if len(img.Classes) < 10 || len(img.Benign) < 10 {
		t.Fatalf("image.yaml: %d classes, %d benign lines", len(img.Classes), len(img.Benign))
	}
}

// TestImagePrecedence: where a real line holds two causes, the one the
// catalog names is the inner or more specific one, and the shadowed class
// does match the line on its own (so the case tests precedence, not a
// pattern that never fired).
func TestImagePrecedence(t *testing.T) {
	c := load(t)
	byID := map[string]*Class{}
	for _, cl := range c.Classes {
		byID[cl.ID[:6]] = cl
	}
	cases := []struct {
		name, line, want, shadowed string
	}{
		{"missing blob inside a failed extract", // https://github.com/awslabs/soci-snapshotter/issues/1389
			`Failed to create pod sandbox: rpc error: code = NotFound desc = failed to create containerd container: error unpacking image: failed to extract layer sha256:59b1469b8fbd05fd256959ad9d7d776b9937b848d75113a0d7c1af442528b6d0: failed to get reader from content store: content digest sha256:0692f38991d53a0c28679148f99de26a44d630fda984b41f63c5e19f839d15a6: not found`,
			"RT1609", "RT1306"},
		{"IPAM exhaustion inside a CNI setup failure", // https://github.com/rancher/rancher/issues/14504
			`RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "myzep-79945ccb7f-rz8ld_myzep" network: failed to allocate for range 0: no IP addresses available in range set: 10.42.0.1-10.42.0.254`,
			"RT1600", "RT1347"},
		{"flannel agent state missing inside a CNI setup failure", // https://github.com/flannel-io/flannel/issues/2232
			`Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "c981dd6f": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`,
			"RT1601", "RT1347"},
		{"refused proxy, not a refused registry", // https://github.com/docker-archive-public/docker.kitematic/issues/3573
			`(HTTP code 500) server error - Get https://registry-1.docker.io/v2/: proxyconnect tcp: dial tcp 127.0.0.1:3128: getsockopt: connection refused`,
			"RT1608", "RT1321"},
		{"layer depth inside a layer registration", // https://github.com/dockware/dockware/issues/108
			`Error: failed to register layer: max depth exceeded`,
			"RT1614", "RT1306"},
		{"orphaned pod dir busy, not a container teardown", // https://github.com/kubernetes/kubernetes/issues/27651
			`I0618 00:17:04.064022    9199 kubelet.go:2006] Failed to remove orphaned pod "87cfe5a1-34c7-11e6-85f1-42010af00002" dir; err: remove /var/lib/kubelet/pods/87cfe5a1-34c7-11e6-85f1-42010af00002/volumes/kubernetes.io~secret/default-token-qf0cp: device or resource busy`,
			"RT1355", "RT1359"},
		{"missing Secret inside a volume mount failure", // https://github.com/jaconi-io/helm-charts/issues/50
			`Warning  FailedMount  98s (x1198 over 40h)  kubelet  MountVolume.SetUp failed for volume "certs" : secret "coturn" not found`,
			"RT1610", "RT1362"},
		{"unregistered CSI driver inside a MountDevice failure", // https://github.com/ceph/ceph-csi/issues/710
			`MountVolume.MountDevice failed for volume "pvc-5d317451-01f2-11ea-b95f-eeeeeeeeeeee" : driver name rbd.csi.ceph.com not found in the list of registered CSI drivers`,
			"RT1611", "RT1362"},
		{"pause image pull outranks the transport error inside it", // https://github.com/rancher/k3os/issues/155
			`failed to get sandbox image "k8s.gcr.io/pause:3.1": failed to pull image "k8s.gcr.io/pause:3.1": failed to resolve image "k8s.gcr.io/pause:3.1": no available registry endpoint: failed to do request: Head https://k8s.gcr.io/v2/pause/manifests/3.1: x509: certificate has expired`,
			"RT1346", "RT1317"},
		{"a 503 from the token server is not an auth failure", // https://github.com/godarch/darch/issues/24
			`darch: failed to resolve reference "docker.io/godarch/arch:latest": failed to fetch anonymous token: unexpected status: 503 Service Unavailable`,
			"RT1617", "RT1310"},
		{"missing parent snapshot inside a failed unpack", // https://github.com/containerd/containerd/issues/2382
			`PullImage "gcr.io/cri-tools/test-image-tags:1" from image service failed: rpc error: code = Unknown desc = failed to pull and unpack image "gcr.io/cri-tools/test-image-tags:1": failed to unpack image on snapshotter overlayfs: failed to prepare extraction snapshot "extract-731580600-yNJo sha256:fc7d": parent snapshot sha256:4feb does not exist: not found`,
			"RT1616", "RT1306"},
		{"missing plugin binary during teardown is the binary", // https://github.com/openshift/cluster-api-provider-libvirt/pull/131
			`failed to clean up sandbox container "734dfc50" network for pod "p": NetworkPlugin cni failed to teardown pod "p_ns" network: failed to find plugin "bridge" in path [/opt/cni/bin]`,
			"RT1347", "RT1602"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			shadowed := byID[tc.shadowed]
			if shadowed == nil {
				t.Fatalf("no class %s", tc.shadowed)
			}
			if r := logrec.Parse(tc.line); !anyMatch(shadowed.match, r.Text, c.lits.find(foldLower(r.Text))) {
				t.Fatalf("%s does not match the line on its own: the case tests nothing", tc.shadowed)
			}
			m := c.ClassifyLine(tc.line)
			if m == nil || m.Class.ID[:6] != tc.want {
				t.Fatalf("got %+v, want %s over %s", m, tc.want, tc.shadowed)
			}
		})
	}
}
