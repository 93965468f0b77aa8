// Command rtsnap-image builds rtsnap's container image (make image): a static
// collector and nothing else, for each --binary platform, as an OCI layout
// tar. Import it with deploy/import-image.sh (ctr images import).
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rtsnap/rtsnap/internal/imagebuild"
)

type binaries map[string]string

func (b binaries) String() string { return fmt.Sprint(map[string]string(b)) }
func (b binaries) Set(v string) error {
	p, path, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want os/arch=PATH, got %q", v)
	}
	b[p] = path
	return nil
}

func main() {
	bins := binaries{}
	out := flag.String("out", "bin/rtsnap-image.tar", "OCI layout tar to write (must not exist)")
	name := flag.String("name", "rtsnap.local/rtsnap:dev", "image reference, repository:tag")
	version := flag.String("version", "dev", "version label")
	revision := flag.String("revision", "", "commit label")
	flag.Var(bins, "binary", "os/arch=PATH of a static rtsnap (repeatable), e.g. linux/amd64=bin/rtsnap-linux-amd64")
	flag.Parse()
	created := time.Unix(0, 0).UTC()
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		sec, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rtsnap-image: SOURCE_DATE_EPOCH %q: %v\n", s, err)
			os.Exit(2)
		}
		created = time.Unix(sec, 0).UTC()
	}
	// Never overwrite: an image tar someone imported or signed stays as it was.
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rtsnap-image: %v\n", err)
		os.Exit(1)
	}
	digest, err := imagebuild.Build(imagebuild.Options{Name: *name, Binaries: bins, Created: created, Version: *version, Revision: *revision}, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		fmt.Fprintf(os.Stderr, "rtsnap-image: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s %s %s\n", *out, *name, digest)
}
