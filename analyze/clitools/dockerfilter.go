package clitools

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
)

// The bundle holds dockerd's unfiltered lists (/containers/json?all=1,
// /images/json); `--filter` is applied here as dockerd applies it
// (api/types/filters, daemon/list.go, daemon/images/image_list.go of
// moby v26): the values of one key are alternatives, keys all apply.

// dockerFilters is a parsed `--filter key=value` list.
type dockerFilters map[string][]string

// parseDockerFilters reads the flags as the docker CLI's FilterOpt does
// (lower-cased, trimmed key) and rejects the keys dockerd would reject or
// the bundle cannot answer.
func parseDockerFilters(sub string, ss []string, answered, unanswerable []string) (dockerFilters, error) {
	f := dockerFilters{}
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		k, val, ok := strings.Cut(s, "=")
		if !ok {
			return nil, usagef("docker %s: bad format of filter (expected name=value)", sub)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		switch {
		case slices.Contains(unanswerable, k):
			return nil, usagef("docker %s: filter %q is not answered from a bundle (%s are)", sub, k, strings.Join(answered, ", "))
		case !slices.Contains(answered, k):
			return nil, usagef("docker %s: invalid filter '%s'", sub, k)
		}
		f[k] = append(f[k], strings.TrimSpace(val))
	}
	return f, nil
}

// matcher is filters.Args.Match for one key: a source matches when it
// equals a value, or a value read as a regular expression matches in it
// (unanchored: `name=web` keeps "web-1"); a value that does not compile
// is skipped, as dockerd skips it. No values: everything matches.
type matcher struct {
	exact map[string]bool
	res   []*regexp.Regexp
}

func (f dockerFilters) matcher(key string) *matcher {
	vals := f[key]
	if len(vals) == 0 {
		return nil
	}
	m := &matcher{exact: map[string]bool{}}
	for _, v := range vals {
		m.exact[v] = true
		if re, err := regexp.Compile(v); err == nil {
			m.res = append(m.res, re)
		}
	}
	return m
}

func (m *matcher) match(sources ...string) bool {
	if m == nil {
		return true
	}
	for _, s := range sources {
		if m.exact[s] {
			return true
		}
		for _, re := range m.res {
			if re.MatchString(s) {
				return true
			}
		}
	}
	return false
}

// matchKV is filters.Args.MatchKVList: every value (`key` or `key=value`)
// must hold in labels.
func (f dockerFilters) matchKV(key string, labels map[string]string) bool {
	for _, v := range f[key] {
		k, want, hasValue := strings.Cut(v, "=")
		got, ok := labels[k]
		if !ok || (hasValue && got != want) {
			return false
		}
	}
	return true
}

// dockerStates are the values dockerd accepts for status= (container.IsValidStateString).
var dockerStates = []string{"created", "running", "paused", "restarting", "removing", "exited", "dead"}

// exitedRe reads the exit code from a stopped container's Status ("Exited (137) 2 hours ago"):
// the list holds no ExitCode field.
var exitedRe = regexp.MustCompile(`^Exited \((-?\d+)\)`)

// filterContainers keeps the containers `docker ps` would list: running
// ones unless all (or a status filter, or a limit) asks for every one,
// then the filters, then the first limit (dockerd's list is newest first).
func filterContainers(cs []container.Summary, images []image.Summary, f dockerFilters, all bool, limit int) ([]container.Summary, error) {
	for _, s := range f["status"] {
		if !slices.Contains(dockerStates, s) {
			return nil, fmt.Errorf("invalid filter 'status=%s'", s)
		}
		all = true
	}
	var exits []int
	for _, s := range f["exited"] {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf("invalid filter 'exited=%s': %w", s, err)
		}
		exits = append(exits, n)
	}
	var ancestors map[string]bool
	if len(f["ancestor"]) > 0 {
		ancestors = imageFamily(images, f["ancestor"])
	}
	name, id, status := f.matcher("name"), f.matcher("id"), f.matcher("status")
	var out []container.Summary
	for _, c := range cs {
		if limit > 0 && len(out) == limit {
			break
		}
		if c.State != container.StateRunning && !all && limit <= 0 {
			continue
		}
		// dockerd matches the container's own name (the first one the list gives), with and without its '/'.
		primary := ""
		if len(c.Names) > 0 {
			primary = c.Names[0]
		}
		if !name.match(primary, strings.TrimPrefix(primary, "/")) || !id.match(c.ID) || !f.matchKV("label", c.Labels) ||
			!status.match(string(c.State)) {
			continue
		}
		if len(exits) > 0 {
			m := exitedRe.FindStringSubmatch(c.Status)
			if m == nil {
				continue
			}
			code, _ := strconv.Atoi(m[1])
			if !slices.Contains(exits, code) {
				continue
			}
		}
		if ancestors != nil && !ancestors[c.ImageID] {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// imageFamily is the ids of the images refs name and of their descendants
// (dockerd's ancestor filter); a ref that names no image adds nothing.
func imageFamily(images []image.Summary, refs []string) map[string]bool {
	fam := map[string]bool{}
	children := map[string][]string{}
	for _, im := range images {
		if im.ParentID != "" {
			children[im.ParentID] = append(children[im.ParentID], im.ID)
		}
	}
	var queue []string
	for _, r := range refs {
		if im := findDockerImage(images, r); im != nil && !fam[im.ID] {
			fam[im.ID] = true
			queue = append(queue, im.ID)
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, c := range children[id] {
			if !fam[c] {
				fam[c] = true
				queue = append(queue, c)
			}
		}
	}
	return fam
}

// findDockerImage resolves a reference as dockerd's GetImage does: a full
// or short id, else a name (":latest" when untagged) or name@digest.
func findDockerImage(images []image.Summary, ref string) *image.Summary {
	hex := strings.TrimPrefix(ref, "sha256:")
	if isHexID(hex) {
		var found *image.Summary
		for i := range images {
			if strings.HasPrefix(strings.TrimPrefix(images[i].ID, "sha256:"), hex) {
				if found != nil {
					return nil // ambiguous
				}
				found = &images[i]
			}
		}
		if found != nil {
			return found
		}
	}
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil
	}
	want := reference.TagNameOnly(named).String()
	for i := range images {
		for _, r := range slices.Concat(images[i].RepoTags, images[i].RepoDigests) {
			if n, err := reference.ParseNormalizedNamed(r); err == nil && n.String() == want {
				return &images[i]
			}
		}
	}
	return nil
}

func isHexID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune("0123456789abcdef", r) {
			return false
		}
	}
	return true
}

// filterImages keeps the images `docker images` would list and, under a
// reference filter, only their matching tags and digests.
func filterImages(images []image.Summary, f dockerFilters) ([]image.Summary, error) {
	dangling := false
	for _, d := range f["dangling"] {
		b, err := strconv.ParseBool(d)
		if err != nil {
			return nil, fmt.Errorf("invalid filter 'dangling=%s'", d)
		}
		dangling = dangling || b
	}
	// before/since name an image; its creation bounds the list.
	var before, since int64 = -1, -1
	for key, bound := range map[string]*int64{"before": &before, "since": &since} {
		for _, r := range f[key] {
			im := findDockerImage(images, r)
			if im == nil {
				return nil, fmt.Errorf("no such image: %s", r)
			}
			*bound = im.Created
		}
	}
	var out []image.Summary
	for _, im := range images {
		if (before >= 0 && im.Created >= before) || (since >= 0 && im.Created <= since) {
			continue
		}
		if len(f["label"]) > 0 && !f.matchKV("label", im.Labels) {
			continue
		}
		if len(f["reference"]) > 0 {
			var err error
			if im.RepoTags, err = matchRefs(im.RepoTags, f["reference"]); err != nil {
				return nil, err
			}
			if im.RepoDigests, err = matchRefs(im.RepoDigests, f["reference"]); err != nil {
				return nil, err
			}
			if len(im.RepoTags) == 0 && len(im.RepoDigests) == 0 {
				continue
			}
		}
		isDangling := len(realRefs(im.RepoTags)) == 0 && len(realRefs(im.RepoDigests)) == 0
		if len(f["dangling"]) > 0 && isDangling != dangling {
			continue
		}
		out = append(out, im)
	}
	return out, nil
}

// realRefs drops the "<none>:<none>" placeholders the API gives a dangling image.
func realRefs(refs []string) []string {
	var out []string
	for _, r := range refs {
		if !strings.HasPrefix(r, "<none>") {
			out = append(out, r)
		}
	}
	return out
}

// matchRefs keeps the references one of the patterns matches (reference.FamiliarMatch: path.Match on the familiar name, with and without the tag).
func matchRefs(refs, patterns []string) ([]string, error) {
	var out []string
	for _, r := range realRefs(refs) {
		named, err := reference.ParseNormalizedNamed(r)
		if err != nil {
			continue
		}
		for _, p := range patterns {
			ok, err := reference.FamiliarMatch(p, named)
			if err != nil {
				return nil, fmt.Errorf("reference filter %q: %w", p, err)
			}
			if ok {
				out = append(out, r)
				break
			}
		}
	}
	return out, nil
}
