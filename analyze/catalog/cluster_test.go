package catalog

import "testing"

// cluster.yaml (etcd, CoreDNS and Cilium classes batch 20 found unnamed)
// keeps the workload floors: RT1800-RT1849, real lines from more than one
// thread per class, every pattern fired by one of them, a held-out line
// from another thread.
func TestClusterCatalogFile(t *testing.T) {
	cc := checkFileFloors(t, "cluster.yaml", "RT1800", "RT1850", nil)
	if len(cc.Classes) < 5 || len(cc.Benign) < 8 {
		t.Fatalf("cluster.yaml: %d classes, %d benign lines", len(cc.Classes), len(cc.Benign))
	}
}

// TestClusterQuiet: real lines with the new classes' words that are not
// their cause stay out of them.
func TestClusterQuiet(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ line, not string }{
		// https://github.com/coredns/coredns/issues/1994: CoreDNS's own query
		// log of the loop plugin's HINFO probe is not the loop.
		{`127.0.0.1:59111 - [23/Jul/2018:08:06:15 -0400] 14745 "HINFO IN 6887250949866278685.7203916092142180550. udp 57 false 512" NXDOMAIN qr,rd,ra 133 0.033373493s`,
			"RT1803-coredns-forwarding-loop"},
		// https://github.com/etcd-io/etcd/issues/7507: etcd's advice line
		// after a slow apply names no slowness of its own.
		{`2017-03-15 13:00:43.015534 W | etcdserver: avoid queries with large range/delete range!`, "RT1801-etcd-slow-disk"},
		// https://github.com/cilium/cilium/issues/38745: the loader's
		// success narration.
		{`time="2025-03-31T17:27:51.17312007Z" level=info msg="Compiled new BPF template" BPFCompilationTime=2.611463283s file-path=/var/run/cilium/state/templates/1ceaa6171aa9d23f1ac70aef02e36fa9545d323a2acefc78ed0cf78da0fbfd91/bpf_lxc.o subsys=datapath-loader`,
			"RT1804-cilium-datapath-load-failed"},
	} {
		if m := c.ClassifyLine(tc.line); m != nil && m.Class.ID == tc.not {
			t.Errorf("lands in %s (matched %q): %s", tc.not, m.Cause, tc.line)
		}
	}
}
