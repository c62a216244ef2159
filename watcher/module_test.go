package watcher

import (
	"path/filepath"
	"slices"
	"testing"
)

func TestModuleOf(t *testing.T) {
	root := filepath.FromSlash("/src/app")
	cases := []struct {
		file   string
		module string
		ok     bool
	}{
		{"/src/app/top.py", "top", true},
		{"/src/app/pkg/__init__.py", "pkg", true},
		{"/src/app/pkg/sub/m.py", "pkg.sub.m", true},
		{"/src/app/pkg/sub/__init__.py", "pkg.sub", true},
		{"/src/app/_private.py", "_private", true},
		{"/src/app/pkg/café.py", "pkg.café", true},
		{"/src/app/__init__.py", "", false},          // the root is no package
		{"/src/app/my-script.py", "", false},         // not importable
		{"/src/app/2fast.py", "", false},             // not an identifier
		{"/src/app/pkg.v2/m.py", "", false},          // a dotted directory
		{"/src/app/notes.txt", "", false},            // not Python
		{"/src/app/data.pyc", "", false},             // byte code
		{"/src/app/pkg/__pycache__/m.py", "", false}, // cache
		{"/src/app/.venv/lib/m.py", "", false},       // dot-directory
		{"/src/app/m.py~", "", false},                // editor backup
		{"/src/other/m.py", "", false},               // outside the root
		{"/src/app", "", false},                      // the root itself
		{"/src/appendix/m.py", "", false},            // a sibling sharing a prefix
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			m, ok := ModuleOf(root, filepath.FromSlash(c.file))
			if m != c.module || ok != c.ok {
				t.Errorf("ModuleOf(%q) = %q, %v; want %q, %v", c.file, m, ok, c.module, c.ok)
			}
		})
	}
}

func TestModulesOf(t *testing.T) {
	roots := []string{filepath.FromSlash("/src"), filepath.FromSlash("/src/app"), filepath.FromSlash("/lib")}
	cases := []struct {
		file string
		want []string
	}{
		{"/src/app/m.py", []string{"app.m", "m"}}, // nested roots: either name
		{"/src/top.py", []string{"top"}},
		{"/lib/pkg/__init__.py", []string{"pkg"}},
		{"/elsewhere/m.py", nil},
	}
	for _, c := range cases {
		if got := ModulesOf(roots, filepath.FromSlash(c.file)); !slices.Equal(got, c.want) {
			t.Errorf("ModulesOf(%q) = %q, want %q", c.file, got, c.want)
		}
	}
}

func TestIgnored(t *testing.T) {
	cases := []struct {
		rel     string
		ignored bool
	}{
		{"m.py", false},
		{"pkg/sub/m.py", false},
		{"pkg/data.json", false}, // not ignored, just not a module
		{"__pycache__", true},
		{"pkg/__pycache__/m.cpython-312.pyc", true},
		{"m.pyc", true},
		{"m.pyo", true},
		{".hidden.py", true},
		{".git/config", true},
		{"pkg/.#m.py", true}, // emacs lock
		{"#m.py#", true},     // emacs autosave
		{"m.py~", true},      // backup
		{".m.py.swp", true},  // vim swap (a dotfile anyway)
		{"m.py.swp", true},
		{"m.py.swx", true},
		{"m.py.swo", true},
		{"4913", true}, // vim's write test
		{"pkg/4913", true},
		{"m.py.tmp", true},
		{"build.tmp/m.py", true},
	}
	for _, c := range cases {
		if got := Ignored(filepath.FromSlash(c.rel)); got != c.ignored {
			t.Errorf("Ignored(%q) = %v, want %v", c.rel, got, c.ignored)
		}
	}
}
