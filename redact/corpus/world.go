package corpus

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// WorldDir holds the world set (relative to the module root): cases taken
// from sources nobody on this project wrote (gitleaks' own rule examples,
// other scanners' fixtures, vendors' documents, real manifests and
// configs), each citing its source. ./worldgen writes it. Unlike the
// corpus, a case is not tied to a carrier: Expand feeds it through every
// carrier the collector stores.
const WorldDir = "redact/testdata/world"

// Case is one world case.
type Case struct {
	ID string `json:"id"`
	// Shape: "token" (a value that names itself: fed under neutral keys),
	// "keyed" (Value under Key), or "doc" (Input as it is, of Kind).
	Shape string `json:"shape"`
	Key   string `json:"key,omitempty"`
	Value string `json:"value,omitempty"`
	Kind  string `json:"kind,omitempty"`
	Path  string `json:"path,omitempty"`
	Input string `json:"input,omitempty"`
	// Secrets must not survive (default: Value); Keep must.
	Secrets []string `json:"secrets,omitempty"`
	Keep    []string `json:"keep,omitempty"`
	// Benign: nothing here is secret; Value (token/keyed) or Keep must survive.
	Benign bool `json:"benign,omitempty"`
	// FileOnly: a format known by its file's name alone (.pgpass,
	// rsyncd.secrets: "user:password" says nothing), fed as that file and
	// not also as a journal message, where no name comes with it (the
	// redactor reads those shapes in text files only: docs/redaction.md).
	FileOnly bool   `json:"file_only,omitempty"`
	Source   string `json:"source"`
}

// LoadWorld reads every *.jsonl file of dir.
func LoadWorld(dir string) ([]Case, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, fmt.Errorf("world: %w", err)
	}
	sort.Strings(names)
	var out []Case
	for _, n := range names {
		f, err := os.Open(n)
		if err != nil {
			return nil, fmt.Errorf("world: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for ln := 1; sc.Scan(); ln++ {
			var c Case
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				f.Close()
				return nil, fmt.Errorf("world %s:%d: %w", n, ln, err)
			}
			if c.Source == "" {
				f.Close()
				return nil, fmt.Errorf("world %s:%d: case %s cites no source", n, ln, c.ID)
			}
			out = append(out, c)
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("world %s: %w", n, err)
		}
	}
	return out, nil
}

// carrier wraps a value (token) or a key and value (keyed) where the
// collector finds it.
type carrier struct {
	name, kind, path string
	token            func(v string) string
	keyed            func(k, v string) string
}

// flagCarriers write the key as a --flag (the spelling to keep);
// secretSlots put the token where only a secret goes (a kubeconfig's
// token), so a benign value is not fed there.
var (
	flagCarriers = map[string]bool{"docker-inspect-args": true, "oci-process-args": true, "command-line": true}
	secretSlots  = map[string]bool{"kubeconfig": true, "kubeconfig-base64": true}
)

const (
	ctrID = "4f1c2a0e3d4b4c5d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
	ts    = "2026-11-24T21:05:07.123456789Z"
)

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func yamlQ(v string) string { b, _ := json.Marshal(v); return string(b) }

// flagName is a key as a command-line flag: DB_PASSWORD -> db-password.
func flagName(k string) string {
	return strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(k, "_", "-"), ".", "-"))
}

func kubeconfig(user string) string {
	return "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: lab\ncontexts:\n- context:\n    cluster: lab\n    user: ci\n  name: lab\ncurrent-context: lab\nusers:\n- name: ci\n  user:\n" + user
}

// carriers: every place the collector stores a value. The key carriers put
// the key in the carrier's own key position; the token carriers put the
// value under a neutral key (target, upstream).
var carriers = []carrier{
	{"env-file", "env", "etc/default/app.env",
		func(v string) string { return "PATH=/usr/bin\nAPP_UPSTREAM=" + v + "\nLANG=C.UTF-8\n" },
		func(k, v string) string { return "PATH=/usr/bin\n" + k + "=" + v + "\nLANG=C.UTF-8\n" }},
	{"cri-envs", "json", "cri/containers/status.json",
		func(v string) string {
			return mustJSON(map[string]any{"info": map[string]any{"config": map[string]any{"envs": []map[string]string{{"key": "PATH", "value": "/usr/bin"}, {"key": "UPSTREAM", "value": v}}}}})
		},
		func(k, v string) string {
			return mustJSON(map[string]any{"info": map[string]any{"config": map[string]any{"envs": []map[string]string{{"key": "PATH", "value": "/usr/bin"}, {"key": k, "value": v}}}}})
		}},
	{"k8s-env-json", "json", "k8s/pods/web.json",
		func(v string) string {
			return mustJSON(map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "env": []map[string]string{{"name": "UPSTREAM", "value": v}}}}}})
		},
		func(k, v string) string {
			return mustJSON(map[string]any{"spec": map[string]any{"containers": []any{map[string]any{"name": "app", "env": []map[string]string{{"name": k, "value": v}}}}}})
		}},
	{"k8s-env-yaml", "yaml", "k8s/pods/web.yaml",
		func(v string) string {
			return "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\n    env:\n    - name: UPSTREAM\n      value: " + yamlQ(v) + "\n"
		},
		func(k, v string) string {
			return "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: app\n    env:\n    - name: " + k + "\n      value: " + yamlQ(v) + "\n"
		}},
	{"docker-inspect", "json", "docker/containers/inspect.json",
		func(v string) string {
			return mustJSON([]any{map[string]any{"Id": ctrID, "Path": "/app", "Args": []string{"serve", "--upstream", v}, "Config": map[string]any{"Env": []string{"APP_UPSTREAM=" + v}}}})
		},
		func(k, v string) string {
			return mustJSON([]any{map[string]any{"Id": ctrID, "Path": "/app", "Args": []string{"serve"}, "Config": map[string]any{"Env": []string{"PATH=/usr/bin", k + "=" + v}}}})
		}},
	{"docker-inspect-args", "json", "docker/containers/inspect.json",
		nil,
		func(k, v string) string {
			return mustJSON([]any{map[string]any{"Id": ctrID, "Path": "/app", "Args": []string{"serve", "--" + flagName(k), v, "--port", "8080"}}})
		}},
	{"oci-process-args", "json", "runc/state/config.json",
		func(v string) string {
			return mustJSON(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": []string{"/app", "--upstream=" + v}, "cwd": "/"}})
		},
		func(k, v string) string {
			return mustJSON(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": []string{"/app", "--" + flagName(k) + "=" + v}, "env": []string{"HOSTNAME=web-0"}, "cwd": "/"}})
		}},
	{"oci-process-env", "json", "runc/state/config.json",
		nil,
		func(k, v string) string {
			return mustJSON(map[string]any{"ociVersion": "1.0.2", "process": map[string]any{"args": []string{"/app"}, "env": []string{"PATH=/usr/bin", k + "=" + v}}})
		}},
	{"yaml-config", "yaml", "etc/app/config.yaml",
		func(v string) string { return "upstream:\n  target: " + yamlQ(v) + "\n  retries: 3\n" },
		func(k, v string) string {
			return "server:\n  listen: 0.0.0.0:8080\napp:\n  " + k + ": " + yamlQ(v) + "\n"
		}},
	{"toml-config", "toml", "etc/app/config.toml",
		func(v string) string { return "[upstream]\ntarget = " + yamlQ(v) + "\nretries = 3\n" },
		func(k, v string) string {
			return "[server]\nlisten = \"0.0.0.0:8080\"\n\n[app]\n" + tomlKey(k) + " = " + yamlQ(v) + "\n"
		}},
	{"json-config", "json", "etc/app/config.json",
		func(v string) string {
			return mustJSON(map[string]any{"upstream": map[string]any{"target": v, "retries": 3}})
		},
		func(k, v string) string {
			return mustJSON(map[string]any{"app": map[string]any{"listen": ":8080", k: v}})
		}},
	{"journal-json", "jsonl", "journal/app.service.jsonl",
		func(v string) string {
			return mustJSON(map[string]string{"__REALTIME_TIMESTAMP": "1732482307123456", "_SYSTEMD_UNIT": "app.service", "MESSAGE": "upstream set to " + v}) + "\n"
		},
		func(k, v string) string {
			return mustJSON(map[string]string{"__REALTIME_TIMESTAMP": "1732482307123456", "_SYSTEMD_UNIT": "app.service", "MESSAGE": "starting with " + k + "=" + v}) + "\n"
		}},
	{"docker-json-file", "jsonl", "docker/containers/" + ctrID + "-json.log.jsonl",
		func(v string) string {
			return mustJSON(map[string]string{"log": "using " + v + " for upstream\n", "stream": "stderr", "time": ts}) + "\n"
		},
		func(k, v string) string {
			return mustJSON(map[string]string{"log": "loaded settings " + k + "=" + v + "\n", "stream": "stdout", "time": ts}) + "\n"
		}},
	{"json-in-json-log", "jsonl", "docker/containers/" + ctrID + "-json.log.jsonl",
		func(v string) string {
			return mustJSON(map[string]string{"log": mustJSON(map[string]string{"level": "info", "msg": "upstream", "target": v}) + "\n", "stream": "stdout", "time": ts}) + "\n"
		},
		func(k, v string) string {
			return mustJSON(map[string]string{"log": mustJSON(map[string]string{"level": "info", "msg": "config", k: v}) + "\n", "stream": "stdout", "time": ts}) + "\n"
		}},
	{"last-applied", "json", "k8s/deployments/web.json",
		func(v string) string {
			inner := mustJSON(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]string{"target": v}})
			return mustJSON(map[string]any{"metadata": map[string]any{"name": "web", "annotations": map[string]string{"kubectl.kubernetes.io/last-applied-configuration": inner}}})
		},
		func(k, v string) string {
			inner := mustJSON(map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]string{k: v}})
			return mustJSON(map[string]any{"metadata": map[string]any{"name": "web", "annotations": map[string]string{"kubectl.kubernetes.io/last-applied-configuration": inner}}})
		}},
	{"klog-line", "text", "logs/kubelet.log",
		func(v string) string {
			return `I1124 21:05:02.123456    1234 client.go:88] "Connecting" endpoint="` + v + `" attempt=1` + "\n"
		},
		func(k, v string) string {
			return `I1124 21:05:02.123456    1234 config.go:88] "Loaded config" ` + k + `="` + v + `" attempt=1` + "\n"
		}},
	{"logrus-line", "text", "logs/pods/web/app/0.log",
		func(v string) string {
			return ts + ` stdout F time="2026-11-24T21:05:07Z" level=info msg="using upstream" target=` + v + " listen=:8080\n"
		},
		func(k, v string) string {
			return ts + ` stdout F time="2026-11-24T21:05:07Z" level=info msg="config loaded" ` + k + "=" + v + " listen=:8080\n"
		}},
	{"cri-log-colon", "text", "logs/pods/web/app/1.log",
		func(v string) string { return ts + " stderr F upstream " + v + " unreachable\n" },
		func(k, v string) string { return ts + " stdout F " + k + ": " + v + "\n" }},
	{"command-line", "string", "-",
		func(v string) string { return "/usr/local/bin/app serve --upstream " + v + " --port 8080" },
		func(k, v string) string {
			return "/usr/local/bin/app serve --" + flagName(k) + " " + v + " --port 8080"
		}},
	{"url-query", "text", "logs/pods/web/app/0.log",
		func(v string) string {
			if strings.Contains(v, "://") {
				return ts + " stdout F GET " + v + " 200\n"
			}
			return ts + " stdout F GET https://api.example.com/v1/hook/" + v + "?ok=1 200\n"
		},
		func(k, v string) string {
			return ts + " stdout F GET https://api.example.com/v1/items?page=2&" + k + "=" + v + "&limit=50 200\n"
		}},
	{"kubeconfig", "yaml", "etc/kubernetes/kubelet.conf",
		func(v string) string { return kubeconfig("    token: " + yamlQ(v) + "\n") },
		nil},
	{"kubeconfig-base64", "yaml", "k8s/secrets/kubeconfig.yaml",
		func(v string) string {
			return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-info\ndata:\n  kubeconfig.b64: " +
				base64.StdEncoding.EncodeToString([]byte(kubeconfig("    token: "+yamlQ(v)+"\n"))) + "\n"
		},
		nil},
}

func tomlKey(k string) string {
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return yamlQ(k)
		}
	}
	return k
}

// Expand turns a case into the records that carry it: a token or keyed
// case once per carrier that takes its shape, a document as it is, plus,
// for PEM/OpenSSH keys and kubeconfigs, base64 of it and (keys) its lines
// as separate journal and docker json-file records.
func Expand(c Case) []Record {
	secrets := c.Secrets
	if len(secrets) == 0 && !c.Benign && c.Value != "" {
		secrets = []string{c.Value}
	}
	keep := c.Keep
	if c.Benign && c.Value != "" {
		keep = append([]string{c.Value}, keep...)
	}
	var out []Record
	add := func(carrier, kind, path, input string, keep []string) {
		out = append(out, Record{ID: c.ID + "@" + carrier, Class: c.ID, Carrier: carrier, Kind: kind, Path: path, Input: input,
			Secrets: secrets, Keep: keep, Benign: c.Benign, Source: c.Source})
	}
	switch c.Shape {
	case "token":
		for _, k := range carriers {
			if k.token != nil && !(c.Benign && secretSlots[k.name]) {
				add(k.name, k.kind, k.path, k.token(c.Value), keep)
			}
		}
	case "keyed":
		for _, k := range carriers {
			if k.keyed == nil {
				continue
			}
			key := c.Key
			if flagCarriers[k.name] {
				key = "--" + flagName(key)
			}
			add(k.name, k.kind, k.path, k.keyed(c.Key, c.Value), append([]string{key}, keep...))
		}
	case "doc":
		add("doc-"+c.Kind, c.Kind, c.Path, c.Input, keep)
		if c.Kind == "text" && !c.FileOnly {
			add("doc-journal", "jsonl", "journal/app.service.jsonl", mustJSON(map[string]string{"_SYSTEMD_UNIT": "app.service", "MESSAGE": c.Input})+"\n", keep)
		}
		if c.Benign {
			break
		}
		if strings.Contains(c.Input, "-----BEGIN") || strings.Contains(c.Input, "kind: Config") {
			add("doc-base64", "yaml", "k8s/configmaps/bundle.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bundle\ndata:\n  blob: "+base64.StdEncoding.EncodeToString([]byte(c.Input))+"\n", nil)
		}
		if strings.Contains(c.Input, "-----BEGIN") {
			var j, d strings.Builder
			for _, ln := range strings.Split(strings.TrimRight(c.Input, "\n"), "\n") {
				j.WriteString(mustJSON(map[string]string{"_SYSTEMD_UNIT": "app.service", "MESSAGE": ln}) + "\n")
				d.WriteString(mustJSON(map[string]string{"log": ln + "\n", "stream": "stdout", "time": ts}) + "\n")
			}
			add("split-journal", "jsonl", "journal/app.service.jsonl", j.String(), nil)
			add("split-docker-json", "jsonl", "docker/containers/"+ctrID+"-json.log.jsonl", d.String(), nil)
		}
	}
	return out
}

// DecodedView is out with every base64 run of 24 bytes or more decoded
// and appended, so a secret that survives inside base64 counts as a leak.
func DecodedView(out string) string {
	var b strings.Builder
	b.WriteString(out)
	start := -1
	flush := func(end int) {
		if start >= 0 && end-start >= 24 {
			run := strings.TrimRight(out[start:end], "=")
			for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
				for cut := 0; cut < 4 && cut < len(run); cut++ {
					if d, err := enc.DecodeString(run[:len(run)-cut]); err == nil {
						b.WriteByte('\n')
						b.Write(d)
						break
					}
				}
			}
		}
		start = -1
	}
	for i := 0; i < len(out); i++ {
		c := out[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_' || c == '=' {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
	}
	flush(len(out))
	return b.String()
}

// WorldLeak is the first fragment of secret that survives in out (the
// redaction of in), as Leak finds it, with three differences for cases
// nobody here wrote: a secret inside base64 counts (both sides are
// decoded, DecodedView); a marker's rule name ("[REDACTED:rubygems-api-token]")
// is no leak; and a fragment the input holds outside the secret as well
// ("password" of "testpassword" after "password=") counts only when the
// output holds it more often than that.
func WorldLeak(out, in, secret string) string {
	out = DecodedView(markerRE.ReplaceAllString(out, "[R]"))
	rest := strings.ReplaceAll(DecodedView(in), secret, "\x00")
	for range 64 {
		f := Leak(out, secret)
		if f == "" {
			return ""
		}
		e := JSONEscaped(f)
		if strings.Count(out, f)+strings.Count(out, e) > strings.Count(rest, f)+strings.Count(rest, e) {
			return f
		}
		out = strings.ReplaceAll(strings.ReplaceAll(out, f, "\x00"), e, "\x00")
	}
	return ""
}

var markerRE = regexp.MustCompile(`\[(?:REDACTED|PSEUDO):[a-z0-9-]+(?::[0-9a-f]+)?\]`)
