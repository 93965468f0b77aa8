package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// DefaultWidth is the help width when the output is not a terminal.
const DefaultWidth = 80

// annotationGroup is the pflag annotation naming a flag's help group.
const annotationGroup = "rtsnap_group"

// Group puts the named flags under one heading in help, in the order the
// groups are first used. A name that is not a flag panics: a typo here
// would silently drop a flag from its group.
func Group(fs *pflag.FlagSet, title string, names ...string) {
	for _, n := range names {
		if err := fs.SetAnnotation(n, annotationGroup, []string{title}); err != nil {
			panic(fmt.Sprintf("cli: group %q: %v", title, err))
		}
	}
}

// Width is the column count help wraps to: the terminal's when w is one,
// else DefaultWidth, so piped and generated help is the same everywhere.
func Width(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return DefaultWidth
	}
	cols, _, err := term.GetSize(int(f.Fd()))
	if err != nil || cols < 40 {
		return DefaultWidth
	}
	return min(cols, 160)
}

// Wrap breaks text into lines of at most width columns at spaces,
// indenting every line by indent. Paragraphs (blank-line separated) are
// refilled; lines starting with a space are kept as they are (examples,
// tables). A word longer than the line stands alone.
func Wrap(text string, width, indent int) string {
	pad := strings.Repeat(" ", indent)
	var out []string
	for i, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i > 0 {
			out = append(out, "")
		}
		var words []string
		flush := func() {
			out = append(out, fill(words, width-indent, pad)...)
			words = nil
		}
		for _, l := range strings.Split(para, "\n") {
			if strings.HasPrefix(l, " ") {
				flush()
				out = append(out, pad+l)
				continue
			}
			words = append(words, strings.Fields(l)...)
		}
		flush()
	}
	return strings.Join(out, "\n")
}

func fill(words []string, width int, pad string) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range words {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, pad+cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, pad+cur.String())
	}
	return lines
}

// FormatDuration is d without the zero units time.Duration.String
// spells out: "24h", "1m", "1h30m" rather than "24h0m0s".
func FormatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// flagColumn is where flag descriptions start; longer flag names put their
// description on the next line instead of pushing the column right.
const flagColumn = 30

// FlagTable formats flags in two columns wrapped to width. Unlike pflag's
// own table it writes switches as just "--quiet" (no "[=true|false]") and
// shows defaults in the flag's own units.
func FlagTable(flags []*pflag.Flag, width int) string {
	var b strings.Builder
	for _, f := range flags {
		left := "      --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		name, usage := pflag.UnquoteUsage(f)
		if f.Value.Type() == "bool" {
			name = ""
		}
		if name != "" {
			left += " " + name
		}
		if d := defaultText(f); d != "" {
			usage += " (default " + d + ")"
		}
		body := Wrap(usage, width, flagColumn)
		if len(left)+2 <= flagColumn {
			b.WriteString(left + strings.Repeat(" ", flagColumn-len(left)) + strings.TrimLeft(body, " ") + "\n")
		} else {
			b.WriteString(left + "\n" + body + "\n")
		}
	}
	return b.String()
}

func defaultText(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "false", "0", "0s", "[]":
		return ""
	}
	switch f.Value.Type() {
	case "string":
		return fmt.Sprintf("%q", f.DefValue)
	case "duration":
		if d, err := time.ParseDuration(f.DefValue); err == nil {
			return FormatDuration(d)
		}
	}
	return strings.Trim(f.DefValue, "[]")
}

// groupedFlags splits the visible flags into titled groups, in order of
// first use; ungrouped flags (help among them) come last as "Other flags",
// or "Flags" when nothing is grouped.
func groupedFlags(fs *pflag.FlagSet) (titles []string, groups map[string][]*pflag.Flag) {
	groups = map[string][]*pflag.Flag{}
	var other []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		g := f.Annotations[annotationGroup]
		if len(g) == 0 {
			other = append(other, f)
			return
		}
		if _, seen := groups[g[0]]; !seen {
			titles = append(titles, g[0])
		}
		groups[g[0]] = append(groups[g[0]], f)
	})
	if len(other) > 0 {
		t := "Flags"
		if len(titles) > 0 {
			t = "Other flags"
		}
		titles = append(titles, t)
		groups[t] = other
	}
	return titles, groups
}

// Help writes cmd's help: usage, description, commands, flags by group,
// the exit codes this command uses and where to read more.
func Help(w io.Writer, cmd *cobra.Command, width int) {
	var b strings.Builder
	b.WriteString("Usage:\n")
	if !cmd.HasAvailableSubCommands() {
		b.WriteString("  " + cmd.UseLine() + "\n")
	} else {
		b.WriteString("  " + cmd.CommandPath() + " COMMAND [flags]\n")
	}
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	if desc != "" {
		b.WriteString("\n" + Wrap(desc, width, 0) + "\n")
	}
	if len(cmd.Aliases) > 0 {
		b.WriteString("\nAliases: " + strings.Join(cmd.Aliases, ", ") + "\n")
	}
	if cmd.Example != "" {
		b.WriteString("\nExamples:\n" + strings.TrimRight(cmd.Example, "\n") + "\n")
	}
	if cmd.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		for _, c := range cmd.Commands() {
			if !c.IsAvailableCommand() && c.Name() != "help" {
				continue
			}
			left := "  " + c.Name()
			b.WriteString(left + strings.Repeat(" ", max(2, 14-len(left))) + strings.TrimLeft(Wrap(c.Short, width, 14), " ") + "\n")
		}
	}
	titles, groups := groupedFlags(cmd.LocalFlags())
	for _, t := range titles {
		b.WriteString("\n" + t + ":\n" + FlagTable(groups[t], width))
	}
	if inh := cmd.InheritedFlags(); inh.HasAvailableFlags() {
		var fl []*pflag.Flag
		inh.VisitAll(func(f *pflag.Flag) {
			if !f.Hidden {
				fl = append(fl, f)
			}
		})
		b.WriteString("\nGlobal flags:\n" + FlagTable(fl, width))
	}
	// The root documents the whole table; a command the codes it uses.
	codes := CommandExitCodes(cmd)
	if !cmd.HasParent() {
		codes = nil
		for _, e := range ExitCodes() {
			codes = append(codes, e.Code)
		}
	}
	b.WriteString("\nExit codes:\n")
	for _, c := range codes {
		b.WriteString(fmt.Sprintf("  %-4d", c) + strings.TrimLeft(Wrap(meaning(c), width, 6), " ") + "\n")
	}
	if cmd.HasAvailableSubCommands() {
		b.WriteString("\nRun '" + cmd.CommandPath() + " COMMAND --help' for a command's flags.\n")
	}
	io.WriteString(w, b.String())
}

// IsTerminal reports whether w is a terminal (report refuses to write HTML
// there), looking through sanitizing wrappers to the file underneath.
func IsTerminal(w io.Writer) bool {
	f, ok := Unwrap(w).(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Unwrap is the writer under any number of wrappers that have an Unwrap
// method (the output sanitizer): the output itself.
func Unwrap(w io.Writer) io.Writer {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
