package collect

// Tiers rank a source's claim on the archive budget (--max-size). Sources
// run concurrently, so which one fills the archive first is a matter of
// timing: the bulk ones (logs, journals) read fast and much, discovery
// writes only after probing every socket. When the budget runs out, a file
// of a higher tier evicts stored files of lower tiers (bundle.WriterOptions.Tier),
// so what an analysis needs first survives and bulk is cut first.
const (
	TierBulk   = 0 // logs, journals: large, and the first to go
	TierNormal = 1 // everything not named below
	TierCore   = 2 // what every finding starts from
)

// SourceTier is the tier of a source by name. "rtsnap" (the collector's own
// files: redaction-report.json) is core: the manifest refers to it.
func SourceTier(name string) int {
	switch name {
	case "discovery", "host", "cri", "containerd", "runc", "rtsnap":
		return TierCore
	case "logs", "journal":
		return TierBulk
	}
	return TierNormal
}
