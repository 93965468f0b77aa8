// Package export protects bundles on their way off the node and checks them
// on arrival: age encryption to one or more recipients (streamed through
// bundle.CommitOptions.Wrap, so the plaintext archive never touches a
// filesystem), detached minisign signatures carrying a signed chain-of-custody
// record, key generation, retention of old bundles on the tmpfs, and the audit
// package an auditor files. docs/export.md describes the workflows.
package export
