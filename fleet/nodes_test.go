package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

// The node list of a run: named nodes only, whatever their place in the
// API's list (the lab's 4 nodes list the 2 named ones first, and a run
// given those 2 once ran all 4), every node without names, and an error
// naming a node that does not exist.
func TestNodesGivenByName(t *testing.T) {
	var objs []corev1.Node
	for _, n := range []string{"lab-cd17", "lab-cd2", "lab-crio", "lab-dockerd"} {
		objs = append(objs, corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}})
	}
	cs := fake.NewSimpleClientset(&objs[0], &objs[1], &objs[2], &objs[3])
	for _, tc := range []struct {
		names, want []string
		fails       bool
	}{
		{names: []string{"lab-cd2", "lab-cd17"}, want: []string{"lab-cd17", "lab-cd2"}},
		{names: []string{"lab-dockerd"}, want: []string{"lab-dockerd"}},
		{names: nil, want: []string{"lab-cd17", "lab-cd2", "lab-crio", "lab-dockerd"}},
		{names: []string{"lab-cd2", "nowhere"}, fails: true},
	} {
		r := &runner{o: Options{Nodes: tc.names, CallTimeout: 10 * time.Second}, cs: cs}
		got, err := r.nodes(context.Background())
		if tc.fails {
			if err == nil {
				t.Errorf("nodes %v: no error, got %v", tc.names, got)
			}
			continue
		}
		if err != nil {
			t.Fatalf("nodes %v: %v", tc.names, err)
		}
		if d := cmp.Diff(tc.want, got); d != "" {
			t.Errorf("nodes %v (-want +got):\n%s", tc.names, d)
		}
	}
}
