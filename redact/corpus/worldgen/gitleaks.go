package main

import (
	"encoding/base64"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/zricethezav/gitleaks/v8/cmd/generate/config/utils"
	"github.com/zricethezav/gitleaks/v8/cmd/generate/secrets"
)

// gitleaksTPs reads the true positives ("tps") of every rule in gitleaks'
// own rule sources (cmd/generate/config/rules/*.go of the module go.mod
// pins): the examples gitleaks validates each rule against. They are local
// variables of each rule's function, so the sources are parsed and the tps
// expressions evaluated by a small interpreter of the few forms they use
// (string literals and +, []string{...}, append, fmt.Sprintf,
// utils.GenerateSampleSecret(s), secrets.NewSecret, utils.AlphaNumeric and
// kin, base64 encodings, package constants). An expression it does not know
// is skipped and counted, never guessed.
func gitleaksTPs() (map[string][]string, map[string]string, int, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/zricethezav/gitleaks/v8").Output()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("locating gitleaks: %w", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "cmd", "generate", "config", "rules")
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, nil, 0, err
	}
	sort.Strings(names)
	var files []*ast.File
	in := &interp{consts: map[string]ast.Expr{}}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(n)
		if err != nil {
			return nil, nil, 0, err
		}
		f, err := parser.ParseFile(fset, n, src, 0)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("parsing %s: %w", n, err)
		}
		files = append(files, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && (g.Tok == token.CONST || g.Tok == token.VAR) {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if i < len(vs.Values) {
							in.consts[id.Name] = vs.Values[i]
						}
					}
				}
			}
		}
	}
	tps := map[string][]string{}
	fileOf := map[string]string{}
	skipped := 0
	for i, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			id := ruleID(fd)
			if id == "" {
				continue
			}
			in.locals = map[string]ast.Expr{}
			var list []string
			for _, st := range fd.Body.List {
				as, ok := st.(*ast.AssignStmt)
				if !ok || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
					continue
				}
				lhs, ok := as.Lhs[0].(*ast.Ident)
				if !ok {
					continue
				}
				if lhs.Name != "tps" {
					in.locals[lhs.Name] = as.Rhs[0]
					continue
				}
				v, ok := in.eval(as.Rhs[0], list)
				if !ok {
					skipped++
					continue
				}
				list = v.list
				if !v.isList {
					list = []string{v.s}
				}
				skipped += in.dropped
				in.dropped = 0
			}
			if len(list) > 0 {
				tps[id] = append(tps[id], list...)
				fileOf[id] = filepath.Base(names[i])
			}
		}
	}
	return tps, fileOf, skipped, nil
}

// ruleID is the RuleID of the config.Rule literal a rule function builds.
func ruleID(fd *ast.FuncDecl) string {
	id := ""
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		kv, ok := n.(*ast.KeyValueExpr)
		if !ok || id != "" {
			return id == ""
		}
		if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "RuleID" {
			if b, ok := kv.Value.(*ast.BasicLit); ok {
				id, _ = strconv.Unquote(b.Value)
			}
		}
		return true
	})
	return id
}

type val struct {
	s      string
	list   []string
	isList bool
}

type interp struct {
	consts, locals map[string]ast.Expr
	dropped        int
	depth          int
}

var sizeFuncs = map[string]func(string) string{
	"Numeric": utils.Numeric, "Hex": utils.Hex, "AlphaNumeric": utils.AlphaNumeric,
	"AlphaNumericExtendedShort": utils.AlphaNumericExtendedShort, "AlphaNumericExtended": utils.AlphaNumericExtended,
	"AlphaNumericExtendedLong": utils.AlphaNumericExtendedLong,
}

func (in *interp) str(e ast.Expr) (string, bool) {
	v, ok := in.eval(e, nil)
	if !ok || v.isList {
		return "", false
	}
	return v.s, true
}

// eval evaluates e; tps is the list so far (for append(tps, ...)).
func (in *interp) eval(e ast.Expr, tps []string) (val, bool) {
	in.depth++
	defer func() { in.depth-- }()
	if in.depth > 50 {
		return val{}, false
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			if x.Kind == token.INT {
				return val{s: x.Value}, true
			}
			return val{}, false
		}
		s, err := strconv.Unquote(x.Value)
		return val{s: s}, err == nil
	case *ast.ParenExpr:
		return in.eval(x.X, tps)
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return val{}, false
		}
		a, ok1 := in.str(x.X)
		b, ok2 := in.str(x.Y)
		return val{s: a + b}, ok1 && ok2
	case *ast.Ident:
		if x.Name == "tps" {
			return val{list: tps, isList: true}, true
		}
		if d, ok := in.locals[x.Name]; ok {
			return in.eval(d, tps)
		}
		if d, ok := in.consts[x.Name]; ok {
			return in.eval(d, tps)
		}
		return val{}, false
	case *ast.CompositeLit:
		if at, ok := x.Type.(*ast.ArrayType); !ok || fmt.Sprint(at.Elt) != "string" {
			return val{}, false
		}
		return val{list: in.appendEvaluated(nil, x.Elts, tps), isList: true}, true
	case *ast.CallExpr:
		return in.call(x, tps)
	}
	return val{}, false
}

// appendEvaluated appends the values of exprs (a list's elements spread)
// to l; an expression it cannot evaluate is counted as dropped.
func (in *interp) appendEvaluated(l []string, exprs []ast.Expr, tps []string) []string {
	for _, e := range exprs {
		v, ok := in.eval(e, tps)
		switch {
		case !ok:
			in.dropped++
		case v.isList:
			l = append(l, v.list...)
		default:
			l = append(l, v.s)
		}
	}
	return l
}

func (in *interp) call(x *ast.CallExpr, tps []string) (val, bool) {
	if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "append" && len(x.Args) >= 1 {
		base, ok := in.eval(x.Args[0], tps)
		if !ok || !base.isList {
			return val{}, false
		}
		l := in.appendEvaluated(append([]string(nil), base.list...), x.Args[1:], tps)
		return val{list: l, isList: true}, true
	}
	sel, ok := x.Fun.(*ast.SelectorExpr)
	if !ok {
		// []byte(s)
		if at, ok := x.Fun.(*ast.ArrayType); ok && fmt.Sprint(at.Elt) == "byte" && len(x.Args) == 1 {
			return in.eval(x.Args[0], tps)
		}
		return val{}, false
	}
	args := make([]string, len(x.Args))
	for i, a := range x.Args {
		s, ok := in.str(a)
		if !ok {
			return val{}, false
		}
		args[i] = s
	}
	pkg := ""
	switch p := sel.X.(type) {
	case *ast.Ident:
		pkg = p.Name
	case *ast.SelectorExpr:
		if b, ok := p.X.(*ast.Ident); ok && b.Name == "base64" {
			pkg = "base64." + p.Sel.Name
		}
	}
	name := sel.Sel.Name
	switch {
	case pkg == "secrets" && name == "NewSecret" && len(args) == 1:
		return val{s: secrets.NewSecret(args[0])}, true
	case pkg == "utils" && name == "GenerateSampleSecrets" && len(args) == 2:
		return val{list: utils.GenerateSampleSecrets(args[0], args[1]), isList: true}, true
	case pkg == "utils" && name == "GenerateSampleSecret" && len(args) == 2:
		return val{s: utils.GenerateSampleSecret(args[0], args[1])}, true
	case pkg == "utils" && name == "Hex8_4_4_4_12" && len(args) == 0:
		return val{s: utils.Hex8_4_4_4_12()}, true
	case pkg == "utils" && sizeFuncs[name] != nil && len(args) == 1:
		return val{s: sizeFuncs[name](args[0])}, true
	case pkg == "fmt" && name == "Sprintf" && len(args) >= 1:
		as := make([]any, len(args)-1)
		for i, a := range args[1:] {
			as[i] = a
		}
		return val{s: fmt.Sprintf(args[0], as...)}, true
	case pkg == "strings" && name == "Repeat" && len(args) == 2:
		n, err := strconv.Atoi(args[1])
		return val{s: strings.Repeat(args[0], n)}, err == nil && n < 1<<16
	case strings.HasPrefix(pkg, "base64.") && name == "EncodeToString" && len(args) == 1:
		enc := map[string]*base64.Encoding{"base64.StdEncoding": base64.StdEncoding, "base64.URLEncoding": base64.URLEncoding,
			"base64.RawStdEncoding": base64.RawStdEncoding, "base64.RawURLEncoding": base64.RawURLEncoding}[pkg]
		if enc == nil {
			return val{}, false
		}
		return val{s: enc.EncodeToString([]byte(args[0]))}, true
	}
	return val{}, false
}
