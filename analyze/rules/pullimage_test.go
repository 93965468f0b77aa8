package rules

import (
	"testing"
)

// The image each pull-error line names. Lines from a public issue and from
// the lab's kubelet 1.34.4 and containerd 2.2.1 (lab/k8s fault k8s-pullfail).
func TestPullImageName(t *testing.T) {
	cases := []struct{ src, line, want string }{
		{"https://github.com/kubeflow/kubeflow/issues/2698",
			`Mar 14 19:36:06 minikube kubelet[3244]: E0314 19:36:06.517880    3244 pod_workers.go:190] Error syncing pod bade5491-4634-11e9-9bf4-d409029b649b ("ubuntu_default(bade5491-4634-11e9-9bf4-d409029b649b)"), skipping: failed to "StartContainer" for "ubuntu" with ImagePullBackOff: "Back-off pulling image \"gcr.io/kubeflow-images-public/ubuntu:18.04\""`,
			"gcr.io/kubeflow-images-public/ubuntu:18.04"},
		{"lab kubelet: no image after PullImage, image= field",
			`E1201 10:26:11.518282    6800 log.go:32] "PullImage from image service failed" err="rpc error: code = Unknown desc = failed to pull and unpack image \"127.0.0.1:1/rtsnap/missing:1\": failed to resolve image: dial tcp 127.0.0.1:1: connect: connection refused" image="127.0.0.1:1/rtsnap/missing:1"`,
			"127.0.0.1:1/rtsnap/missing:1"},
		{"lab kubelet: nested twice",
			`E1201 10:53:09.006500    6800 pod_workers.go:1324] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"rtsnap\" with ImagePullBackOff: \"Back-off pulling image \\\"rtsnap.local/rtsnap:absent-784afd38\\\": ErrImagePull: failed to pull and unpack image \\\"rtsnap.local/rtsnap:absent-784afd38\\\": no such host\"" pod="ns/p" podUID=u`,
			"rtsnap.local/rtsnap:absent-784afd38"},
		{"lab containerd 2.2.1",
			`time="2026-12-01T10:26:11.517926303Z" level=error msg="PullImage \"127.0.0.1:1/rtsnap/missing:1\" failed" error="rpc error: code = Unknown desc = failed to pull and unpack image \"127.0.0.1:1/rtsnap/missing:1\": connection refused"`,
			"127.0.0.1:1/rtsnap/missing:1"},
	}
	for _, c := range cases {
		got := ""
		if m := pullImageKV.FindStringSubmatch(c.line); m != nil {
			got = m[1]
		} else if m := pullRE.FindStringSubmatch(c.line); m != nil {
			got = m[1]
		}
		if got != c.want {
			t.Errorf("%s: image %q, want %q", c.src, got, c.want)
		}
	}
}
