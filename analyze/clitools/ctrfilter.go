package clitools

import (
	"strings"

	"github.com/containerd/containerd/v2/pkg/filters"

	ctrschema "github.com/rtsnap/rtsnap/internal/schema/containerd"
)

// ctr passes its arguments after `containers ls` / `images ls` to
// containerd as filters (`labels."io.kubernetes.pod.namespace"==lab`,
// `image~=busybox`); they are parsed and matched here by containerd's own
// filter package, on the fields containerd's metadata adaptors expose
// (core/metadata/adaptors.go).

// ctrFilter parses the filters; no filter matches everything.
func ctrFilter(sub string, args []string) (func(filters.Adaptor) bool, error) {
	f, err := filters.ParseAll(args...)
	if err != nil {
		return nil, usagef("ctr %s: failed to parse filters: %v", sub, err)
	}
	return f.Match, nil
}

// fieldMap is a metadata adaptor over fixed fields and a labels map:
// a field is present only when non-empty, a label by its dotted key.
type fieldMap struct {
	fields map[string]string
	labels map[string]string
}

func (m fieldMap) Field(path []string) (string, bool) {
	if len(path) == 0 {
		return "", false
	}
	if path[0] == "labels" {
		if len(m.labels) == 0 {
			return "", false
		}
		v, ok := m.labels[strings.Join(path[1:], ".")]
		return v, ok
	}
	v := m.fields[strings.Join(path, ".")]
	return v, v != ""
}

func containerFields(c ctrschema.Container) filters.Adaptor {
	return fieldMap{fields: map[string]string{"id": c.ID, "image": c.Image, "runtime.name": c.Runtime}, labels: c.Labels}
}

func imageFields(im ctrschema.Image) filters.Adaptor {
	return fieldMap{fields: map[string]string{"name": im.Name, "target.digest": im.Digest, "target.mediatype": im.MediaType}, labels: im.Labels}
}
