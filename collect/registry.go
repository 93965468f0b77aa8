package collect

import (
	"fmt"
	"sort"
	"strings"
)

// Registry holds the sources by name, in registration order.
type Registry struct {
	sources []Source
	byName  map[string]Source
}

// NewRegistry registers sources; a duplicate or empty name is a programming
// error reported as one.
func NewRegistry(sources ...Source) (*Registry, error) {
	r := &Registry{byName: map[string]Source{}}
	for _, s := range sources {
		name := s.Name()
		if name == "" || strings.ContainsAny(name, "/ ") {
			return nil, fmt.Errorf("source name %q: must be non-empty without '/' or spaces", name)
		}
		if _, dup := r.byName[name]; dup {
			return nil, fmt.Errorf("source %q registered twice", name)
		}
		r.byName[name] = s
		r.sources = append(r.sources, s)
	}
	return r, nil
}

// All returns every registered source.
func (r *Registry) All() []Source { return append([]Source(nil), r.sources...) }

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.sources))
	for _, s := range r.sources {
		names = append(names, s.Name())
	}
	sort.Strings(names)
	return names
}

// Select applies --only and --skip: with only, exactly those sources run
// (default-off ones included); otherwise the default-on ones. skip removes.
// An unknown name is an error that lists the known ones, so a typo never
// silently collects less.
func (r *Registry) Select(only, skip []string) ([]Source, error) {
	for _, n := range append(append([]string(nil), only...), skip...) {
		if _, ok := r.byName[n]; !ok {
			return nil, fmt.Errorf("unknown source %q (known: %s)", n, strings.Join(r.Names(), ", "))
		}
	}
	skipped := map[string]bool{}
	for _, n := range skip {
		skipped[n] = true
	}
	onlySet := map[string]bool{}
	for _, n := range only {
		onlySet[n] = true
	}
	var out []Source
	for _, s := range r.sources {
		switch {
		case skipped[s.Name()]:
		case len(only) > 0 && onlySet[s.Name()]:
			out = append(out, s)
		case len(only) == 0 && s.DefaultEnabled():
			out = append(out, s)
		}
	}
	return out, nil
}
