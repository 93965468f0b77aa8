// Package all lists every collector source, in the order the summary and the
// manifest show them.
package all

import (
	"github.com/rtsnap/rtsnap/collect"
	"github.com/rtsnap/rtsnap/collect/cgroup"
	"github.com/rtsnap/rtsnap/collect/configs"
	"github.com/rtsnap/rtsnap/collect/containerd"
	"github.com/rtsnap/rtsnap/collect/cri"
	"github.com/rtsnap/rtsnap/collect/crio"
	"github.com/rtsnap/rtsnap/collect/discovery"
	"github.com/rtsnap/rtsnap/collect/docker"
	"github.com/rtsnap/rtsnap/collect/goroutines"
	"github.com/rtsnap/rtsnap/collect/host"
	"github.com/rtsnap/rtsnap/collect/journal"
	"github.com/rtsnap/rtsnap/collect/kubelet"
	"github.com/rtsnap/rtsnap/collect/logs"
	"github.com/rtsnap/rtsnap/collect/metadb"
	"github.com/rtsnap/rtsnap/collect/proc"
	"github.com/rtsnap/rtsnap/collect/runc"
)

// Registry returns a registry with every source.
func Registry() (*collect.Registry, error) {
	return collect.NewRegistry(
		discovery.New(),
		host.New(),
		cri.New(),
		containerd.New(),
		crio.New(),
		docker.New(),
		runc.New(),
		proc.New(),
		cgroup.New(),
		journal.New(),
		logs.New(),
		configs.New(),
		kubelet.New(),
		metadb.New(),
		goroutines.New(),
	)
}
