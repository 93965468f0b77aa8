//go:build !(cgo && sdjournal)

package journal

import (
	"context"
	"fmt"
	"time"
)

// sdjournalBuilt: this build has no libsystemd reader (the default: pure Go,
// CGO_ENABLED=0 works); build with -tags sdjournal and cgo to add it.
const sdjournalBuilt = false

func readSDJournal(context.Context, journalTarget, time.Time) (map[string]*streamResult, error) {
	return nil, fmt.Errorf("%w: built without the sdjournal tag", errOpen)
}
