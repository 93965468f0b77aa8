package logrec

import "testing"

func BenchmarkParseKlog(b *testing.B) {
	line := `Dec 21 16:38:57 kay113-gpu kubelet[93644]: E1221 16:38:57.353228   93644 pod_workers.go:1300] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"driver-validation\" with ErrImagePull: \"rpc error: code = FailedPrecondition desc = failed to pull and unpack image \\\"nvcr.io/nvidia/cloud-native/gpu-operator-validator:v23.9.1\\\": failed commit on ref: unexpected commit digest sha256:d3fb, expected sha256:b4e7: failed precondition\"" pod="gpu-operator/nvidia-container-toolkit-daemonset-rvbmj" podUID="9bea6827"`
	for i := 0; i < b.N; i++ {
		Parse(line)
	}
}
