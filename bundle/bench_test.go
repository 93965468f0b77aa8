package bundle

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// benchFiles is collector-like data: CRI pod/container JSON with ids,
// timestamps, labels and annotations, plus log lines — about 16 MiB in all.
func benchFiles() map[string][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	hex := func(n int) string {
		const digits = "0123456789abcdef"
		var sb strings.Builder
		for i := 0; i < n; i++ {
			sb.WriteByte(digits[r.IntN(16)])
		}
		return sb.String()
	}
	files := map[string][]byte{}
	for f := 0; f < 64; f++ {
		var sb strings.Builder
		sb.WriteString(`{"items":[`)
		for i := 0; i < 300; i++ {
			fmt.Fprintf(&sb, `{"id":"%s","metadata":{"name":"web-%d-%s","namespace":"ns-%d","uid":"%s-%s-%s","attempt":%d},`+
				`"state":"CONTAINER_RUNNING","created_at":"2026-11-24T%02d:%02d:%02d.%09dZ","image":{"image":"registry.example.com/team/app@sha256:%s"},`+
				`"labels":{"io.kubernetes.pod.name":"web-%d","io.kubernetes.container.name":"app","app":"web"},`+
				`"annotations":{"io.kubernetes.container.hash":"%s","io.kubernetes.container.restartCount":"%d"}},`,
				hex(64), i, hex(5), f%7, hex(8), hex(4), hex(12), r.IntN(5), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(1e9), hex(64), i, hex(8), r.IntN(9))
		}
		sb.WriteString(`{}]}`)
		files[fmt.Sprintf("cri/cd%d/containers-%02d.json", f%3, f)] = []byte(sb.String())
	}
	// Container info with its OCI spec: long, repetitive, few random ids.
	for f := 0; f < 32; f++ {
		var sb strings.Builder
		sb.WriteString(`{"containers":[`)
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&sb, `{"id":"%s","info":{"pid":%d,"sandboxID":"%s","runtimeSpec":{"ociVersion":"1.1.0","process":{"user":{"uid":0,"gid":0},`+
				`"args":["/bin/sh","-c","sleep %d"],"env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","HOSTNAME=web-%d","KUBERNETES_SERVICE_HOST=10.96.0.1","KUBERNETES_SERVICE_PORT=443"],`+
				`"cwd":"/","capabilities":{"bounding":["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]},"oomScoreAdj":%d},`+
				`"mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid","noexec","nodev"]},{"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},`+
				`{"destination":"/etc/hosts","type":"bind","source":"/var/lib/kubelet/pods/%s/etc-hosts","options":["rbind","rprivate","rw"]},{"destination":"/dev/termination-log","type":"bind","source":"/var/lib/kubelet/pods/%s/containers/app/%s","options":["rbind","rprivate","rw"]}],`+
				`"linux":{"cgroupsPath":"kubepods-besteffort-pod%s.slice:cri-containerd:%s","namespaces":[{"type":"pid"},{"type":"ipc","path":"/proc/%d/ns/ipc"},{"type":"uts","path":"/proc/%d/ns/uts"},{"type":"mount"},{"type":"network","path":"/proc/%d/ns/net"}],`+
				`"maskedPaths":["/proc/acpi","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/proc/scsi","/sys/firmware"],"readonlyPaths":["/proc/asound","/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]}}}},`,
				hex(64), r.IntN(1<<22), hex(64), r.IntN(10000), i, r.IntN(1000), hex(32), hex(32), hex(8), hex(32), hex(64), r.IntN(1<<22), r.IntN(1<<22), r.IntN(1<<22))
		}
		sb.WriteString(`{}]}`)
		files[fmt.Sprintf("cri/cd%d/info-%02d.json", f%3, f)] = []byte(sb.String())
	}
	for f := 0; f < 32; f++ {
		var sb strings.Builder
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(&sb, "2026-11-24T22:%02d:%02d.%06dZ stdout F level=info msg=\"request served\" path=/api/v1/items/%d status=%d duration=%dms\n",
				r.IntN(60), r.IntN(60), r.IntN(1e6), r.IntN(100000), 200+r.IntN(3)*100, r.IntN(900))
		}
		files[fmt.Sprintf("logs/pod-%02d/app.log", f)] = []byte(sb.String())
	}
	return files
}

func totalSize(files map[string][]byte) int64 {
	var n int64
	for _, d := range files {
		n += int64(len(d))
	}
	return n
}

// BenchmarkWriter measures Add throughput (uncompressed MB/s), the ratio and
// allocations, first by zstd level, then at the default level by encoder
// concurrency (1 or 2) with one or two goroutines adding, as concurrent
// sources do. The default level and concurrency 1 come from its figures (see
// WriterOptions and docs/bundle-format.md).
func BenchmarkWriter(b *testing.B) {
	files := benchFiles()
	levels := []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression}
	for _, lvl := range levels {
		b.Run(lvl.String(), func(b *testing.B) {
			benchWrite(b, files, WriterOptions{MaxSize: 1 << 30, Level: lvl}, 1)
		})
	}
	for _, conc := range []int{1, 2} {
		for _, adders := range []int{1, 2} {
			b.Run(fmt.Sprintf("concurrency=%d/adders=%d", conc, adders), func(b *testing.B) {
				benchWrite(b, files, WriterOptions{MaxSize: 1 << 30, encoderConcurrency: conc}, adders)
			})
		}
	}
}

// benchWrite adds files to a new writer per iteration, split between adders
// goroutines, and reports the ratio of the last one. Every file must be stored.
func benchWrite(b *testing.B, files map[string][]byte, opts WriterOptions, adders int) {
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	b.SetBytes(totalSize(files))
	b.ReportAllocs()
	var w *Writer
	for b.Loop() {
		var err error
		if w, err = NewWriter(opts); err != nil {
			b.Fatal(err)
		}
		errs := make(chan error, adders)
		for a := 0; a < adders; a++ {
			go func() {
				for i := a; i < len(paths); i += adders {
					if _, err := w.Add(paths[i], "bench", "json", files[paths[i]]); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for a := 0; a < adders; a++ {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
	}
	if n := len(w.Files()); n != len(files) {
		b.Fatalf("writer holds %d files, want %d", n, len(files))
	}
	compressed := w.Size()
	if compressed <= 0 || compressed >= totalSize(files) {
		b.Fatalf("compressed body %d bytes for %d bytes of input", compressed, totalSize(files))
	}
	b.ReportMetric(float64(totalSize(files))/float64(compressed), "ratio")
}

// BenchmarkRead measures verified reading of a committed archive.
func BenchmarkRead(b *testing.B) {
	files := benchFiles()
	w, _ := NewWriter(WriterOptions{MaxSize: 1 << 30})
	for p, d := range files {
		if _, err := w.Add(p, "bench", "json", d); err != nil {
			b.Fatal(err)
		}
	}
	dir := b.TempDir()
	path, _, err := w.Commit(context.Background(), dir, "b.tar.zst", testManifest(), CommitOptions{})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(totalSize(files))
	b.ReportAllocs()
	var got *Bundle
	for b.Loop() {
		if got, err = Read(bytes.NewReader(raw), DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(got.Paths()); n != len(files) {
		b.Fatalf("read %d files, want %d", n, len(files))
	}
}
