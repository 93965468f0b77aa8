//go:build tools

// Package rtsnap pins the modules the project is built on before every package
// that uses them lands, so `go mod tidy` keeps them. Removed once all are used.
package rtsnap

import (
	_ "aead.dev/minisign"
	_ "filippo.io/age"
	_ "github.com/containerd/containerd/v2/client"
	_ "github.com/coreos/go-systemd/v22/sdjournal"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/pelletier/go-toml/v2"
	_ "github.com/spf13/pflag"
	_ "go.etcd.io/bbolt"
	_ "google.golang.org/grpc"
	_ "k8s.io/cri-api/pkg/apis/runtime/v1"
	_ "sigs.k8s.io/yaml"
)
