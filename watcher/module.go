package watcher

import (
	"path/filepath"
	"strings"
	"unicode"
)

// ModuleOf returns the module that file defines when root is on Python's
// path: root/top.py is top, root/pkg/__init__.py is pkg, root/pkg/sub/m.py
// is pkg.sub.m. ok is false when file is not a Python source under root,
// is ignored (Ignored), or has a name Python cannot import (a part that is
// not an identifier, such as my-script.py, or root's own __init__.py).
func ModuleOf(root, file string) (module string, ok bool) {
	rel, err := filepath.Rel(root, file)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	if Ignored(rel) || !strings.HasSuffix(rel, ".py") {
		return "", false
	}
	parts := strings.Split(strings.TrimSuffix(rel, ".py"), string(filepath.Separator))
	if parts[len(parts)-1] == "__init__" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 {
		return "", false
	}
	for _, p := range parts {
		if !identifier(p) {
			return "", false
		}
	}
	return strings.Join(parts, "."), true
}

// ModulesOf returns the modules file defines under each of roots (more
// than one when roots nest: Python may have imported it under either
// name), without duplicates, in the order of roots.
func ModulesOf(roots []string, file string) []string {
	var out []string
	for _, r := range roots {
		if m, ok := ModuleOf(r, file); ok && !contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Ignored reports whether a path relative to a module path is left alone:
// any part that is a dotfile or dot-directory (.git, .venv, .#file, emacs'
// lock files), __pycache__, byte code (*.pyc, *.pyo), or an editor's
// temporary file (*~, *.swp, *.swx, *.swo, *.tmp, vim's 4913, emacs'
// #autosave#).
func Ignored(rel string) bool {
	for _, p := range strings.Split(filepath.ToSlash(rel), "/") {
		switch {
		case p == "" || p == ".":
			continue
		case strings.HasPrefix(p, "."), p == "__pycache__", p == "4913",
			strings.HasSuffix(p, "~"),
			strings.HasPrefix(p, "#") && strings.HasSuffix(p, "#"):
			return true
		}
		switch filepath.Ext(p) {
		case ".pyc", ".pyo", ".swp", ".swx", ".swo", ".tmp":
			return true
		}
	}
	return false
}

// identifier reports whether s is a Python identifier.
func identifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}
