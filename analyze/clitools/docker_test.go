package clitools

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"

	"github.com/rtsnap/rtsnap/analyze/bundletest"
	"github.com/rtsnap/rtsnap/bundle"
)

// dockerSpec is a bundle whose docker source holds containers and images.
// The stopped containers are the rows of a public `docker ps -a`
// (https://github.com/moby/moby/issues/12328: safe-docker-flat, exit codes
// 0 and 1), the running one from https://github.com/vmware/vic/issues/5610
// (busybox "sh", pedantic_sinoussi); ids, labels and the image chain added
// (the public output cuts ids to 12 digits and shows no labels).
func dockerSpec(t *testing.T) bundletest.Spec {
	t.Helper()
	s := labSpec(t)
	for i := range s.Manifest.Sources {
		if s.Manifest.Sources[i].Name == "docker" {
			s.Manifest.Sources[i].Status = bundle.StatusOK
		}
	}
	base := "sha256:" + strings.Repeat("5f11d9aa", 8)
	child := "sha256:" + strings.Repeat("c0ffee00", 8)
	busybox := "sha256:" + strings.Repeat("b0b0b0b0", 8)
	at := time.Now().Add(-9 * 24 * time.Hour).Unix()
	mk := func(id, name, img, imgID, state, status string, labels map[string]string) container.Summary {
		return container.Summary{ID: id + strings.Repeat("0", 64-len(id)), Names: []string{"/" + name}, Image: img, ImageID: imgID,
			Command: "bash -c 'ulimit -v 1000000; ./run'", Created: at, State: container.ContainerState(state), Status: status, Labels: labels}
	}
	cs := []container.Summary{
		mk("ba6be894f386", "pedantic_sinoussi", "busybox", busybox, "running", "Up 15 seconds", map[string]string{"tier": "web"}),
		mk("61eb5395a800", "agitated_blackwell", "safe-docker-flat:latest", child, "exited", "Exited (1) 9 days ago", map[string]string{"tier": "batch", "team": "jcf"}),
		mk("ced7a1aefd8d", "agitated_shockley", "safe-docker-flat:latest", child, "exited", "Exited (0) 9 days ago", map[string]string{"tier": "batch"}),
		mk("01d885723118", "kickass_babbage", "safe-docker-flat:latest", child, "exited", "Exited (1) 9 days ago", nil),
		mk("534603f0ff7d", "grave_babbage", "base:1", base, "exited", "Exited (0) 9 days ago", nil),
		mk("72db4d1b7d9a", "nostalgic_banach", "safe-docker-flat:latest", child, "created", "Created", nil),
	}
	ims := []image.Summary{
		{ID: child, ParentID: base, RepoTags: []string{"safe-docker-flat:latest"}, Created: at, Size: 2 << 20, Labels: map[string]string{"org": "jcf"}},
		{ID: base, RepoTags: []string{"base:1", "registry.example.com/team/base:1"}, RepoDigests: []string{"base@sha256:" + strings.Repeat("ab", 32)}, Created: at - 3600, Size: 1 << 20},
		{ID: busybox, RepoTags: []string{"busybox:latest"}, Created: at - 7200, Size: 4 << 20},
		{ID: "sha256:" + strings.Repeat("dead", 16), RepoTags: []string{"<none>:<none>"}, RepoDigests: []string{"<none>@<none>"}, Created: at - 9000, Size: 1000},
	}
	s.Files["docker/containers.json"] = mustJSON(t, cs)
	s.Files["docker/images.json"] = mustJSON(t, ims)
	s.Files["docker/inspect.json"] = `[{"Id":"ba6be894f386` + strings.Repeat("0", 52) + `","Name":"/pedantic_sinoussi","State":{"Status":"running","Running":true,"ExitCode":0},"Config":{"Labels":{"tier":"web"},"Cmd":["sh"]},"Swarm":{"Node":"n1"}}]`
	return s
}

func names(t *testing.T, b *bundle.Bundle, args ...string) string {
	t.Helper()
	out, _, err := run(t, b, "docker", append(args, "--format", "{{.Names}}")...)
	if err != nil {
		t.Fatalf("docker %v: %v", args, err)
	}
	return strings.Join(strings.Fields(out), " ")
}

// Each filter key fires (keeps some, drops others) and stays quiet (no
// filter: everything the flags ask for).
func TestDockerPsFilters(t *testing.T) {
	b := open(t, dockerSpec(t))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ps"}, "pedantic_sinoussi"},
		{[]string{"ps", "-a"}, "pedantic_sinoussi agitated_blackwell agitated_shockley kickass_babbage grave_babbage nostalgic_banach"},
		// status= lists stopped containers without -a, as dockerd does.
		{[]string{"ps", "--filter", "status=exited"}, "agitated_blackwell agitated_shockley kickass_babbage grave_babbage"},
		{[]string{"ps", "-f", "status=created", "-f", "status=running"}, "pedantic_sinoussi nostalgic_banach"},
		{[]string{"ps", "-a", "--filter", "exited=1"}, "agitated_blackwell kickass_babbage"},
		{[]string{"ps", "-a", "--filter", "exited=137"}, ""},
		// name= is an unanchored regular expression.
		{[]string{"ps", "-a", "--filter", "name=babbage"}, "kickass_babbage grave_babbage"},
		{[]string{"ps", "-a", "--filter", "name=^/?grave"}, "grave_babbage"},
		{[]string{"ps", "-a", "--filter", "name=babbage", "--filter", "exited=1"}, "kickass_babbage"},
		{[]string{"ps", "-a", "--filter", "id=ced7"}, "agitated_shockley"},
		{[]string{"ps", "-a", "--filter", "label=tier"}, "pedantic_sinoussi agitated_blackwell agitated_shockley"},
		{[]string{"ps", "-a", "--filter", "label=tier=batch", "--filter", "label=team"}, "agitated_blackwell"},
		{[]string{"ps", "-a", "--filter", "label=tier=none"}, ""},
		// ancestor= takes the image and every image built on it.
		{[]string{"ps", "-a", "--filter", "ancestor=base:1"}, "agitated_blackwell agitated_shockley kickass_babbage grave_babbage nostalgic_banach"},
		{[]string{"ps", "-a", "--filter", "ancestor=safe-docker-flat"}, "agitated_blackwell agitated_shockley kickass_babbage nostalgic_banach"},
		{[]string{"ps", "-a", "--filter", "ancestor=b0b0b0"}, "pedantic_sinoussi"},
		{[]string{"ps", "-a", "--filter", "ancestor=nothere:1"}, ""},
		{[]string{"ps", "-n", "2"}, "pedantic_sinoussi agitated_blackwell"},
		{[]string{"ps", "-l"}, "pedantic_sinoussi"},
		{[]string{"ps", "-l", "--filter", "status=exited"}, "agitated_blackwell"},
	} {
		if got := names(t, b, c.args...); got != c.want {
			t.Errorf("docker %s: %q, want %q", strings.Join(c.args, " "), got, c.want)
		}
	}
	for _, bad := range [][]string{{"ps", "--filter", "status=sleeping"}, {"ps", "--filter", "exited=x"}, {"ps", "--filter", "nokey"},
		{"ps", "--filter", "colour=red"}, {"ps", "--filter", "health=healthy"}, {"ps", "-s"}, {"ps", "--format", "{{.Size}}"}, {"ps", "--format", "{{.Nope}}"}} {
		if _, _, err := run(t, b, "docker", bad...); err == nil {
			t.Errorf("docker %v: no error", bad)
		}
	}
}

func TestDockerPsFormats(t *testing.T) {
	b := open(t, dockerSpec(t))
	out, _, err := run(t, b, "docker", "ps", "-a", "--filter", "name=kickass", "--format",
		`table {{.ID}}\t{{upper .Names}}\t{{.Label "tier"}}|{{truncate .Image 4}}|{{join (split .Image ":") "+"}}|{{title .State}}|{{pad .Status 1 1}}|`)
	want := "CONTAINER ID   NAMES             tier|IMAGE|IMAGE|STATE| STATUS |\n" +
		"01d885723118   KICKASS_BABBAGE   |safe|safe-docker-flat+latest|Exited| Exited (1) 9 days ago |\n"
	if err != nil || out != want {
		t.Errorf("table format:\n%q\nwant\n%q (%v)", out, want, err)
	}
	out, _, err = run(t, b, "docker", "ps", "--format", "{{json .}}")
	var m map[string]any
	if err != nil || json.Unmarshal([]byte(out), &m) != nil || m["Names"] != "pedantic_sinoussi" || m["Labels"] != "tier=web" || m["Command"] != `"bash -c 'ulimit -v …"` {
		t.Errorf("{{json .}}: %s (%v)", out, err)
	}
	out, _, _ = run(t, b, "docker", "ps", "-q", "--no-trunc")
	if out != "ba6be894f386"+strings.Repeat("0", 52)+"\n" {
		t.Errorf("ps -q --no-trunc: %q", out)
	}
	out, _, _ = run(t, b, "docker", "ps", "-aq", "--filter", "exited=0")
	if out != "ced7a1aefd8d\n534603f0ff7d\n" {
		t.Errorf("ps -aq exited=0: %q", out)
	}
}

func TestDockerImagesFilters(t *testing.T) {
	b := open(t, dockerSpec(t))
	list := func(args ...string) string {
		t.Helper()
		out, _, err := run(t, b, "docker", append(append([]string{"images"}, args...), "--format", "{{.Repository}}:{{.Tag}}")...)
		if err != nil {
			t.Fatalf("docker images %v: %v", args, err)
		}
		// The CLI's ImageWrite ranges over a map of one image's
		// repositories, so the order of an image's tags in several
		// repositories varies run to run (as with real docker): the two
		// tags of image 5f11 are compared as a set.
		f := strings.Fields(out)
		for i := 0; i+1 < len(f); i++ {
			if f[i] == "registry.example.com/team/base:1" && f[i+1] == "base:1" {
				f[i], f[i+1] = f[i+1], f[i]
			}
		}
		return strings.Join(f, " ")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "safe-docker-flat:latest base:1 registry.example.com/team/base:1 busybox:latest <none>:<none>"},
		{[]string{"base"}, "base:1"},
		{[]string{"--filter", "reference=*/team/*"}, "registry.example.com/team/base:1"},
		{[]string{"--filter", "reference=busybox:latest"}, "busybox:latest"},
		{[]string{"--filter", "reference=nothere"}, ""},
		{[]string{"--filter", "dangling=true"}, "<none>:<none>"},
		{[]string{"--filter", "dangling=false", "--filter", "label=org=jcf"}, "safe-docker-flat:latest"},
		{[]string{"--filter", "before=base:1"}, "busybox:latest <none>:<none>"},
		{[]string{"--filter", "since=busybox"}, "safe-docker-flat:latest base:1 registry.example.com/team/base:1"},
	} {
		if got := list(c.args...); got != c.want {
			t.Errorf("docker images %v: %q, want %q", c.args, got, c.want)
		}
	}
	out, _, err := run(t, b, "docker", "images", "-q", "base")
	if err != nil || out != "5f11d9aa5f11\n" {
		t.Errorf("images -q base: %q %v", out, err)
	}
	out, _, _ = run(t, b, "docker", "images", "--digests", "base")
	if !strings.Contains(out, "sha256:abab") || !strings.HasPrefix(out, "REPOSITORY   TAG       DIGEST") {
		t.Errorf("images --digests base:\n%s", out)
	}
	for _, bad := range [][]string{{"images", "--filter", "dangling=maybe"}, {"images", "--filter", "before=nothere"}, {"images", "--filter", "reference=[", "-q"}, {"images", "a", "b"}} {
		if _, _, err := run(t, b, "docker", bad...); err == nil {
			t.Errorf("docker %v: no error", bad)
		}
	}
}

func TestDockerInspectFormat(t *testing.T) {
	b := open(t, dockerSpec(t))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "{{.Name}} {{.State.Status}} {{.State.ExitCode}} {{json .Config.Labels}} {{index .Config.Cmd 0}}", "pedantic_sinoussi"}, "/pedantic_sinoussi running 0 {\"tier\":\"web\"} sh\n"},
		// A field the typed object lacks is read from the raw object, as the CLI does for Swarm fields.
		{[]string{"-f", "{{.Swarm.Node}}", "ba6be"}, "n1\n"},
		{[]string{"--type", "container", "-f", "json", "ba6be"}, `[{"Id":"ba6be894f386` + strings.Repeat("0", 52) + `","Name":"/pedantic_sinoussi","State":{"Status":"running","Running":true,"ExitCode":0},"Config":{"Labels":{"tier":"web"},"Cmd":["sh"]},"Swarm":{"Node":"n1"}}]` + "\n"},
	} {
		out, _, err := run(t, b, "docker", append([]string{"inspect"}, c.args...)...)
		if err != nil || out != c.want {
			t.Errorf("docker inspect %v: %q, want %q (%v)", c.args, out, c.want, err)
		}
	}
	_, _, err := run(t, b, "docker", "inspect", "base:1")
	if err == nil || !strings.Contains(err.Error(), "is an image") {
		t.Errorf("inspect of an image: %v", err)
	}
	for _, bad := range [][]string{{"--type", "volume", "x"}, {"--type", "frob", "x"}, {"-f", "{{.Nope}}", "ba6be"}, {"-f", "{{", "ba6be"}, {"-s", "ba6be"}} {
		if _, _, err := run(t, b, "docker", append([]string{"inspect"}, bad...)...); err == nil {
			t.Errorf("docker inspect %v: no error", bad)
		}
	}
	// A missing ref next to a found one: the found one is printed, then the error.
	out, _, err := run(t, b, "docker", "inspect", "-f", "{{.Name}}", "nothere", "ba6be")
	if out != "/pedantic_sinoussi\n" || err == nil || !strings.Contains(err.Error(), "no such object: nothere") {
		t.Errorf("inspect nothere ba6be: %q %v", out, err)
	}
}

// 1e5 containers with hostile names: filtered and printed in bounded time.
func TestDockerPsHuge(t *testing.T) {
	s := dockerSpec(t)
	cs := make([]container.Summary, 100000)
	for i := range cs {
		cs[i] = container.Summary{ID: fmt.Sprintf("%064x", i), Names: []string{"/" + strings.Repeat("\x1b[31m", 20) + fmt.Sprint(i)}, State: "exited", Status: "Exited (0) now", Image: strings.Repeat("i", 100)}
	}
	s.Files["docker/containers.json"] = mustJSON(t, cs)
	b := open(t, s)
	start := time.Now()
	out, _, err := run(t, b, "docker", "ps", "-a", "--filter", "name=99999$", "--filter", "status=exited")
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Errorf("huge ps: %d lines %v", strings.Count(out, "\n"), err)
	}
	if out, _, err = run(t, b, "docker", "ps", "-aq"); err != nil || strings.Count(out, "\n") != 100000 {
		t.Errorf("huge ps -aq: %d lines %v", strings.Count(out, "\n"), err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("1e5 containers took %v", d)
	}
}

// volume, network and system: their changes are read-only, their lists not held.
func TestDockerObjectCommands(t *testing.T) {
	b := open(t, dockerSpec(t))
	for args, want := range map[string]string{
		"volume ls -f dangling=true": "not answered from a bundle (the docker source lists no volumes)",
		"network ls":                 "not answered from a bundle (the docker source lists no networks)",
		"system df":                  "docker system df: not answered from a bundle",
		"system prune -a":            "read-only: this is a bundle",
		"volume rm v1":               "read-only: this is a bundle",
		"network disconnect n c":     "read-only: this is a bundle",
	} {
		_, _, err := run(t, b, "docker", strings.Fields(args)...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("docker %s: %v, want %q", args, err, want)
		}
	}
}
