package redact

// Kind tells the redactor how data is shaped, so structured data is redacted
// structurally (a key in one field, its value in another) and free text by pattern.
type Kind int

const (
	// Auto picks a kind from the path's extension (.json, .jsonl, .toml, .yaml/.yml, .env), else Text.
	Auto Kind = iota
	// Text is free text: logs, command output, journals rendered as text.
	Text
	// JSON is one JSON document.
	JSON
	// JSONLines is one JSON document per line (journal extracts, CRI logs as JSON).
	JSONLines
	// TOML is a TOML document (containerd config.toml, hosts.toml).
	TOML
	// YAML is a YAML document (crictl.yaml, kubelet config, kubeconfig).
	YAML
	// Env is KEY=value lines (environment files, /proc/<pid>/environ with NULs turned to newlines).
	Env
)

// String names the kind as the manifest and the redaction report record it.
func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case JSON:
		return "json"
	case JSONLines:
		return "jsonl"
	case TOML:
		return "toml"
	case YAML:
		return "yaml"
	case Env:
		return "env"
	default:
		return "auto"
	}
}
