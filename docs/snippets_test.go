package docs

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// A snippet is a fenced code block of the docs.
type snippet struct {
	File string // relative to the repository root
	Line int    // of its first line of code
	Lang string // "go", "python", ...
	Code string
	// Fragment: the fence is annotated `<!-- snippet: fragment -->`: a Go
	// snippet is then parsed only, not type-checked (keep these few).
	Fragment bool
}

func (s snippet) String() string { return fmt.Sprintf("%s:%d", s.File, s.Line) }

// fragmentMark, on the line before a fence, says its snippet is
// deliberately partial.
const fragmentMark = "<!-- snippet: fragment -->"

// docFiles are the pages checked: README.md and docs/*.md.
func docFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs/*.md found (%v)", err)
	}
	return append([]string{"../README.md"}, files...)
}

// rel names a page as the repository sees it.
func rel(path string) string {
	if r, ok := strings.CutPrefix(path, "../"); ok {
		return r
	}
	return "docs/" + path
}

// snippets extracts the fenced code blocks of the page at path.
func snippets(path string, src []byte) []snippet {
	var (
		out  []snippet
		cur  *snippet
		prev string
		body strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &snippet{File: rel(path), Line: n + 1, Lang: strings.TrimSpace(line[3:]),
				Fragment: strings.TrimSpace(prev) == fragmentMark}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.Code = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
		prev = line
	}
	return out
}

func allSnippets(t *testing.T) []snippet {
	t.Helper()
	var all []snippet
	for _, f := range docFiles(t) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, snippets(f, src)...)
	}
	return all
}

// TestDocSnippets: every Go snippet of README.md and docs/*.md
// type-checks against the real packages, every Python snippet compiles
// and uses no undefined name.
func TestDocSnippets(t *testing.T) {
	var gos, pys []snippet
	for _, s := range allSnippets(t) {
		switch s.Lang {
		case "go":
			gos = append(gos, s)
		case "python":
			pys = append(pys, s)
		}
	}
	if len(gos) == 0 || len(pys) == 0 {
		t.Fatalf("found %d Go and %d Python snippets: the extraction is broken", len(gos), len(pys))
	}
	t.Run("go", func(t *testing.T) {
		for _, e := range checkGo(t, gos) {
			t.Error(e)
		}
	})
	t.Run("python", func(t *testing.T) {
		for _, e := range checkPython(t, pys) {
			t.Error(e)
		}
	})
}

// TestSnippetCheckersCatch: the checks catch the mistakes they exist for —
// a Python module used without its import (docs/getting-started.md's
// asyncio), an API renamed under a Go snippet.
func TestSnippetCheckersCatch(t *testing.T) {
	bad := []snippet{
		{File: "bad.md", Line: 1, Lang: "go", Code: "sys, err := taipan.Start(ctx, taipan.Options{Pythonn: \"x\"})\n"},
		{File: "bad.md", Line: 2, Lang: "go", Code: "w, err := snakes.StartWorker(ctx, snakes.Options{})\n"},
		{File: "bad.md", Line: 3, Lang: "go", Code: "pool.Calll(ctx, \"m\", \"f\")\n"},
	}
	errs := checkGo(t, bad)
	for _, s := range bad {
		if !slices.ContainsFunc(errs, func(e string) bool { return strings.HasPrefix(e, s.String()+":") }) {
			t.Errorf("%s: no error for %q (got %q)", s, s.Code, errs)
		}
	}
	pyBad := []snippet{
		{File: "bad.md", Line: 10, Lang: "python", Code: "import taipan\n\nasync def f(n):\n    return await asyncio.gather(taipan.host.acall('d', n))\n"},
		{File: "bad.md", Line: 20, Lang: "python", Code: "def f(:\n"},
	}
	errs = checkPython(t, pyBad)
	if len(errs) != 2 || !strings.HasPrefix(errs[0], "bad.md:13:") || !strings.Contains(errs[0], "asyncio") ||
		!strings.HasPrefix(errs[1], "bad.md:20:") {
		t.Errorf("Python checks: got %q, want asyncio undefined at bad.md:13 and a syntax error at bad.md:20", errs)
	}
}

// checkPython runs testdata/pycheck.py over the snippets and returns its
// findings as "file:line: error".
func checkPython(t *testing.T, pys []snippet) []string {
	t.Helper()
	type in struct {
		Name string `json:"name"`
		Code string `json:"code"`
	}
	var req []in
	byName := map[string]snippet{}
	for _, s := range pys {
		req = append(req, in{s.String(), s.Code})
		byName[s.String()] = s
	}
	data, _ := json.Marshal(req)
	cmd := exec.Command("python3", "testdata/pycheck.py")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pycheck.py: %v\n%s", err, stderr.Bytes())
	}
	var found []struct {
		Name  string
		Line  int
		Error string
	}
	if err := json.Unmarshal(out, &found); err != nil {
		t.Fatalf("pycheck.py said %q: %v", out, err)
	}
	var errs []string
	for _, f := range found {
		s := byName[f.Name]
		errs = append(errs, fmt.Sprintf("%s:%d: %s", s.File, s.Line+max(f.Line-1, 0), f.Error))
	}
	return errs
}

// The Go snippets are fragments: statements that use a context, a pool, a
// worker... declared outside them. Each is type-checked as the body of a
// function of its own package, which imports every package the docs use
// and declares the docs' usual names. Left out, because a fragment cannot
// help them: names declared and not used, imports not used, and undefined
// unqualified names (the reader's own: features, jobs, Prediction...). An
// undefined package member, field or method — an API renamed — fails.
var (
	snippetImports = []string{
		"context", "errors", "fmt", "log", "os", "sync", "time",
		"github.com/asynkron/protoactor-go/actor",
		"github.com/hashicorp/go-hclog",
		"github.com/taipan-go/taipan",
		"github.com/taipan-go/taipan/actors",
		"github.com/taipan-go/taipan/erlterm",
		"github.com/taipan-go/taipan/pets",
		"github.com/taipan-go/taipan/snakes",
		"github.com/taipan-go/taipan/supervisor",
		"github.com/taipan-go/taipan/watcher",
	}
	snippetPrelude = `var (
	err    error
	ctx    context.Context
	logger hclog.Logger
	interp *snakes.Interpreter
	w      *snakes.Worker
	pool   *snakes.Pool
	pools  *snakes.Pools
	shop   *pets.Pets
	system *actors.System
)
`
	// elided is a block or a line the docs leave out: "{ ... }", "...".
	elidedBlock = regexp.MustCompile(`\{ *\.\.\. *\}`)
	elidedLine  = regexp.MustCompile(`(?m)^\s*\.\.\.\s*$`)
	importLine  = regexp.MustCompile(`(?m)^import "[^"]+"\s*$`)
	readerName  = regexp.MustCompile(`^undefined: [A-Za-z_][A-Za-z0-9_]*$`)
)

// goSource is the file a snippet is checked as, and the line of the file
// where the snippet's first line lands.
func goSource(s snippet, pkg string) (src string, first int) {
	if strings.HasPrefix(strings.TrimSpace(s.Code), "package ") {
		return s.Code, 1
	}
	code := elidedBlock.ReplaceAllString(s.Code, "{ panic(0) }")
	code = elidedLine.ReplaceAllString(code, "")
	code = importLine.ReplaceAllString(code, "") // the import a page shows for the reader
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\nimport (\n", pkg)
	for _, p := range snippetImports {
		fmt.Fprintf(&b, "\t%q\n", p)
	}
	b.WriteString(")\n\n")
	if _, err := parser.ParseFile(token.NewFileSet(), "", b.String()+code, parser.SkipObjectResolution); err == nil {
		first = strings.Count(b.String(), "\n") + 1 // declarations: the file's own
		return b.String() + code, first
	}
	b.WriteString("func _() error {\n")
	b.WriteString(snippetPrelude)
	b.WriteString("{\n")
	first = strings.Count(b.String(), "\n") + 1
	b.WriteString(code)
	b.WriteString("}\nreturn nil\n}\n")
	return b.String(), first
}

// checkGo type-checks the Go snippets and returns the errors as
// "file:line: message".
func checkGo(t *testing.T, gos []snippet) []string {
	t.Helper()
	fset := token.NewFileSet()
	type unit struct {
		s     snippet
		file  *ast.File
		first int
	}
	var (
		units []unit
		errs  []string
	)
	need := slices.Clone(snippetImports)
	for i, s := range gos {
		src, first := goSource(s, fmt.Sprintf("snippet%d", i))
		f, err := parser.ParseFile(fset, s.String(), src, parser.SkipObjectResolution)
		if err != nil {
			var list scanner.ErrorList
			if !errors.As(err, &list) {
				list = scanner.ErrorList{{Msg: err.Error()}}
			}
			for _, e := range list {
				errs = append(errs, snippetError(s, first, e))
			}
			continue
		}
		for _, imp := range f.Imports {
			need = append(need, strings.Trim(imp.Path.Value, `"`))
		}
		if !s.Fragment {
			units = append(units, unit{s, f, first})
		}
	}
	if len(units) == 0 {
		return errs
	}
	imp := importer.ForCompiler(fset, "gc", exportLookup(t, need))
	for _, u := range units {
		conf := types.Config{Importer: imp, Error: func(err error) {
			te := err.(types.Error)
			if te.Soft || (!strings.HasPrefix(strings.TrimSpace(u.s.Code), "package ") && readerName.MatchString(te.Msg)) {
				return
			}
			errs = append(errs, snippetError(u.s, u.first, err))
		}}
		conf.Check(u.file.Name.Name, fset, []*ast.File{u.file}, nil)
	}
	return errs
}

// snippetError places err, found in the file made of s, at its line in
// the page.
func snippetError(s snippet, first int, err error) string {
	var pos token.Position
	msg := err.Error()
	switch e := err.(type) {
	case types.Error:
		pos, msg = e.Fset.Position(e.Pos), e.Msg
	case *scanner.Error:
		pos, msg = e.Pos, e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", s.File, s.Line+max(pos.Line-first, 0), msg)
}

// exportLookup finds the compiled export data of pkgs and their
// dependencies (go list -export: from the build cache, built as the tests
// are, -race included, so that go test finds them there).
func exportLookup(t *testing.T, pkgs []string) func(string) (io.ReadCloser, error) {
	t.Helper()
	args := []string{"list", "-export", "-deps", "-f", "{{.ImportPath}}={{.Export}}"}
	if raceEnabled {
		args = append(args, "-race")
	}
	slices.Sort(pkgs)
	cmd := exec.Command("go", append(args, slices.Compact(pkgs)...)...)
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -export: %v\n%s", err, stderr.Bytes())
	}
	export := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "="); ok && file != "" {
			export[path] = file
		}
	}
	return func(path string) (io.ReadCloser, error) {
		file, ok := export[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q: add it to snippetImports", path)
		}
		return os.Open(file)
	}
}
