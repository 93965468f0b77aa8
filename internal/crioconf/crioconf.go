// Package crioconf reads CRI-O's effective configuration the way crio itself
// builds it: its defaults, then crio.conf, then every crio.conf.d drop-in in
// lexical order (a later value wins, per key), then the command-line flags.
// The collector uses it to find CRI-O's socket, storage, runtime roots,
// namespaces and log; the analyzer reads the same files back from a bundle.
package crioconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/pelletier/go-toml/v2"

	"github.com/rtsnap/rtsnap/internal/procscan"
)

// CRI-O's own defaults (cri-o v1.34.0 pkg/config, containers/storage
// v1.58 types/options_linux.go), used where neither a file nor a flag says.
const (
	DefaultConfig        = "/etc/crio/crio.conf"
	DefaultConfigDir     = "/etc/crio/crio.conf.d"
	DefaultListen        = "/var/run/crio/crio.sock"
	DefaultRoot          = "/var/lib/containers/storage"
	DefaultRunRoot       = "/run/containers/storage"
	DefaultRuntime       = "crun" // 1.34 moved the default from runc to crun
	DefaultCgroupManager = "systemd"
	DefaultNamespacesDir = "/var/run"
	DefaultLogDir        = "/var/log/crio/pods"
)

// Bounds: a config file is a few KiB; a drop-in directory holds a handful.
const (
	MaxFile     = 1 << 20
	MaxDropIns  = 256
	maxRuntimes = 64
)

// Runtime is one [crio.runtime.runtimes.NAME] table.
type Runtime struct {
	Name string `json:"name"`
	Path string `json:"runtime_path,omitempty"`
	Type string `json:"runtime_type,omitempty"`
	// Root is runtime_root, or the OCI runtime's own default (/run/NAME)
	// when the table leaves it out.
	Root        string `json:"runtime_root"`
	MonitorPath string `json:"monitor_path,omitempty"`
}

// Config is CRI-O's effective configuration, as far as the collector and
// analyzer need it.
type Config struct {
	// Files are the config files read, in the order applied.
	Files          []string  `json:"files"`
	Root           string    `json:"root"`
	RunRoot        string    `json:"runroot"`
	StorageDriver  string    `json:"storage_driver,omitempty"`
	Listen         string    `json:"listen"`
	LogDir         string    `json:"log_dir"`
	LogLevel       string    `json:"log_level,omitempty"`
	LogFile        string    `json:"log_file,omitempty"` // --log: crio's own log file
	NamespacesDir  string    `json:"namespaces_dir"`
	PinnsPath      string    `json:"pinns_path,omitempty"`
	DefaultRuntime string    `json:"default_runtime"`
	CgroupManager  string    `json:"cgroup_manager"`
	ConmonCgroup   string    `json:"conmon_cgroup,omitempty"`
	PauseImage     string    `json:"pause_image,omitempty"`
	EnableNRI      *bool     `json:"enable_nri,omitempty"`
	Runtimes       []Runtime `json:"runtimes"`
	// Errors are files that could not be read or parsed (the rest still apply).
	Errors []string `json:"errors,omitempty"`
}

// Runtime returns the named runtime handler.
func (c Config) Runtime(name string) (Runtime, bool) {
	for _, r := range c.Runtimes {
		if r.Name == name {
			return r, true
		}
	}
	return Runtime{}, false
}

// file is one config file's content: pointers tell "set" from "absent".
type file struct {
	Crio struct {
		Root          *string `toml:"root"`
		RunRoot       *string `toml:"runroot"`
		StorageDriver *string `toml:"storage_driver"`
		LogDir        *string `toml:"log_dir"`
		API           struct {
			Listen *string `toml:"listen"`
		} `toml:"api"`
		Runtime struct {
			DefaultRuntime *string                     `toml:"default_runtime"`
			CgroupManager  *string                     `toml:"cgroup_manager"`
			ConmonCgroup   *string                     `toml:"conmon_cgroup"`
			NamespacesDir  *string                     `toml:"namespaces_dir"`
			PinnsPath      *string                     `toml:"pinns_path"`
			LogLevel       *string                     `toml:"log_level"`
			Runtimes       map[string]fileRuntimeTable `toml:"runtimes"`
		} `toml:"runtime"`
		Image struct {
			PauseImage *string `toml:"pause_image"`
		} `toml:"image"`
		NRI struct {
			Enable *bool `toml:"enable_nri"`
		} `toml:"nri"`
	} `toml:"crio"`
}

type fileRuntimeTable struct {
	Path        *string `toml:"runtime_path"`
	Type        *string `toml:"runtime_type"`
	Root        *string `toml:"runtime_root"`
	MonitorPath *string `toml:"monitor_path"`
}

// Files returns the config file and drop-in directory a crio with this
// command line reads (--config/-c, --config-dir/-d; args[0] is the binary).
func Files(args []string) (config, dir string) {
	config, dir = DefaultConfig, DefaultConfigDir
	if v, ok := procscan.FlagValue(args, "config", "c"); ok && v != "" {
		config = v
	}
	if v, ok := procscan.FlagValue(args, "config-dir", "d"); ok && v != "" {
		dir = v
	}
	return config, dir
}

// Load builds the effective config of a crio run with args. resolve maps a
// host path to the path to open here (--host-root); nil opens paths as they are.
func Load(args []string, resolve func(string) string) Config {
	if resolve == nil {
		resolve = func(p string) string { return p }
	}
	config, dir := Files(args)
	paths := []string{config}
	drop, err := DropIns(resolve(dir))
	var errs []string
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err.Error())
	}
	for _, d := range drop {
		paths = append(paths, filepath.Join(dir, d))
	}
	var contents []Content
	for _, p := range paths {
		raw, err := readBounded(resolve(p), MaxFile)
		if errors.Is(err, os.ErrNotExist) && p == config {
			continue // crio runs without a crio.conf ("Skipping not-existing config file")
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		contents = append(contents, Content{Path: p, Data: raw})
	}
	c := Merge(contents)
	c.Errors = append(errs, c.Errors...)
	ApplyFlags(&c, args)
	return c
}

// Content is one config file's path and bytes.
type Content struct {
	Path string
	Data []byte
}

// Merge applies config files in order over CRI-O's defaults. A file that does
// not parse is recorded in Errors and skipped, as crio would refuse it.
func Merge(files []Content) Config {
	c := Config{
		Root: DefaultRoot, RunRoot: DefaultRunRoot, Listen: DefaultListen, LogDir: DefaultLogDir,
		NamespacesDir: DefaultNamespacesDir, DefaultRuntime: DefaultRuntime, CgroupManager: DefaultCgroupManager,
	}
	runtimes := map[string]*fileRuntimeTable{}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	for _, f := range files {
		var fc file
		if err := toml.Unmarshal(f.Data, &fc); err != nil {
			c.Errors = append(c.Errors, fmt.Sprintf("%s: %v", f.Path, err))
			continue
		}
		c.Files = append(c.Files, f.Path)
		cr := fc.Crio
		set(&c.Root, cr.Root)
		set(&c.RunRoot, cr.RunRoot)
		set(&c.StorageDriver, cr.StorageDriver)
		set(&c.LogDir, cr.LogDir)
		set(&c.Listen, cr.API.Listen)
		set(&c.DefaultRuntime, cr.Runtime.DefaultRuntime)
		set(&c.CgroupManager, cr.Runtime.CgroupManager)
		set(&c.ConmonCgroup, cr.Runtime.ConmonCgroup)
		set(&c.NamespacesDir, cr.Runtime.NamespacesDir)
		set(&c.PinnsPath, cr.Runtime.PinnsPath)
		set(&c.LogLevel, cr.Runtime.LogLevel)
		set(&c.PauseImage, cr.Image.PauseImage)
		if cr.NRI.Enable != nil {
			v := *cr.NRI.Enable
			c.EnableNRI = &v
		}
		for name, t := range cr.Runtime.Runtimes {
			cur := runtimes[name]
			if cur == nil {
				if len(runtimes) >= maxRuntimes {
					continue
				}
				cur = &fileRuntimeTable{}
				runtimes[name] = cur
			}
			// A drop-in's table changes only the keys it names.
			for _, kv := range []struct {
				dst **string
				v   *string
			}{
				{&cur.Path, t.Path}, {&cur.Type, t.Type}, {&cur.Root, t.Root}, {&cur.MonitorPath, t.MonitorPath},
			} {
				if kv.v != nil {
					*kv.dst = kv.v
				}
			}
		}
	}
	// CRI-O's built-in config always holds a crun handler (1.34's default;
	// dropped at start only when no crun binary validates), and a
	// default_runtime names a handler.
	for _, name := range []string{DefaultRuntime, c.DefaultRuntime} {
		if _, ok := runtimes[name]; !ok {
			runtimes[name] = &fileRuntimeTable{}
		}
	}
	for name, t := range runtimes {
		r := Runtime{Name: name}
		for _, kv := range []struct {
			dst *string
			v   *string
		}{{&r.Path, t.Path}, {&r.Type, t.Type}, {&r.Root, t.Root}, {&r.MonitorPath, t.MonitorPath}} {
			set(kv.dst, kv.v)
		}
		if r.Root == "" {
			r.Root = defaultRuntimeRoot(r)
		}
		c.Runtimes = append(c.Runtimes, r)
	}
	sort.Slice(c.Runtimes, func(i, j int) bool { return c.Runtimes[i].Name < c.Runtimes[j].Name })
	return c
}

// defaultRuntimeRoot is where an OCI runtime keeps state when CRI-O passes
// no --root: runc and crun default to /run/runc and /run/crun.
func defaultRuntimeRoot(r Runtime) string {
	bin := r.Name
	if r.Path != "" {
		bin = filepath.Base(r.Path)
	}
	if strings.Contains(bin, "crun") {
		return "/run/crun"
	}
	if strings.Contains(bin, "runc") {
		return "/run/runc"
	}
	return "/run/" + bin
}

// ApplyFlags lets crio's command-line flags override the files, as crio does.
func ApplyFlags(c *Config, args []string) {
	for _, f := range []struct {
		dst   *string
		names []string
	}{
		{&c.Root, []string{"root", "r"}},
		{&c.RunRoot, []string{"runroot"}},
		{&c.StorageDriver, []string{"storage-driver", "s"}},
		{&c.Listen, []string{"listen"}},
		{&c.LogDir, []string{"log-dir"}},
		{&c.LogFile, []string{"log"}},
		{&c.LogLevel, []string{"log-level", "l"}},
		{&c.DefaultRuntime, []string{"default-runtime"}},
		{&c.CgroupManager, []string{"cgroup-manager"}},
		{&c.NamespacesDir, []string{"namespaces-dir"}},
		{&c.PinnsPath, []string{"pinns-path"}},
	} {
		if v, ok := procscan.FlagValue(args, f.names...); ok && v != "" {
			*f.dst = v
		}
	}
	c.Listen = strings.TrimPrefix(c.Listen, "unix://")
}

// DropIns lists the regular files of a drop-in directory in the order crio
// applies them (lexical), at most MaxDropIns.
func DropIns(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() && len(out) < MaxDropIns {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// readBounded reads a regular file of at most max bytes (opened non-blocking:
// a FIFO in its place must not hold the caller).
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, err
	}
	if int64(b.Len()) > max {
		return nil, fmt.Errorf("over the %d-byte bound", max)
	}
	return b.Bytes(), nil
}

// ReadFile reads one config file the way Load does: a regular file of at
// most MaxFile bytes.
func ReadFile(path string) ([]byte, error) { return readBounded(path, MaxFile) }
