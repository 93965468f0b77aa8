package lab_test

import (
	"os"
	"testing"

	"github.com/rtsnap/rtsnap/internal/lab"
)

// rtsnapBin is the collector built for the tests that collect the lab.
var rtsnapBin string

func TestMain(m *testing.M) { os.Exit(lab.RunWithCollector(m, &rtsnapBin)) }
