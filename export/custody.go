package export

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/bundle"
)

// custodyPrefix starts the signed trusted comment of an rtsnap signature.
const custodyPrefix = "rtsnap-custody "

// maxTrustedComment keeps the comment within minisign's own 1024-byte limit,
// so `minisign -V` reads rtsnap signatures.
const maxTrustedComment = 1000

// Custody is the chain-of-custody record that stays readable without
// decrypting: it is the signed trusted comment of the .minisig, so it is
// authenticated by the same key as the archive. The full record (per-file
// hashes, redaction, command line) is the manifest inside the archive.
type Custody struct {
	Archive         string    `json:"archive"`
	CaseID          string    `json:"case_id,omitempty"`
	Host            string    `json:"host"`
	BootID          string    `json:"boot_id,omitempty"`
	MachineIDSHA256 string    `json:"machine_id_sha256,omitempty"`
	Operator        string    `json:"operator,omitempty"`
	Collector       string    `json:"collector"`
	StartedAt       time.Time `json:"started_at"`
	FinishedAt      time.Time `json:"finished_at"`
	Recipients      []string  `json:"recipients,omitempty"`
	RecipientsCount int       `json:"recipients_count,omitempty"`
	KeyID           string    `json:"key_id"`
}

// NewCustody takes the record from a finished run's manifest (whose values
// are already redacted) and the archive's file name.
func NewCustody(archive string, m *bundle.Manifest, keyID string) *Custody {
	c := &Custody{
		Archive: oneLine(archive, 200), CaseID: oneLine(m.CaseID, 80), Host: oneLine(m.Host.Hostname, 80),
		BootID: oneLine(m.Host.BootID, 40), MachineIDSHA256: oneLine(m.Host.MachineIDSHA256, 64),
		Operator:  oneLine(m.Operator, 64),
		Collector: oneLine(m.Collector.Name+" "+m.Collector.Version+" "+m.Collector.Commit, 120),
		StartedAt: m.StartedAt.UTC(), FinishedAt: m.FinishedAt.UTC(), KeyID: keyID,
	}
	if m.Export != nil {
		c.Recipients = m.Export.Recipients
		c.RecipientsCount = len(m.Export.Recipients)
	}
	return c
}

// TrustedComment renders the record for the signature, dropping the
// recipient list (keeping its count) when it would not fit.
func (c *Custody) TrustedComment() string {
	s := c.render()
	if len(s) > maxTrustedComment && len(c.Recipients) > 0 {
		cc := *c
		cc.Recipients = nil
		s = cc.render()
	}
	return s
}

func (c *Custody) render() string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(c) // a struct of strings and times always encodes
	return custodyPrefix + strings.TrimSpace(b.String())
}

// ParseCustody reads a trusted comment written by TrustedComment.
func ParseCustody(comment string) (*Custody, bool) {
	rest, ok := strings.CutPrefix(comment, custodyPrefix)
	if !ok {
		return nil, false
	}
	var c Custody
	if err := json.Unmarshal([]byte(rest), &c); err != nil {
		return nil, false
	}
	return &c, true
}
