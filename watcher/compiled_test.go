package watcher

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestDropCompiled: the compiled files of each changed source go, under
// any tag or optimisation level; those of other modules, directories and
// files that are not sources stay.
func TestDropCompiled(t *testing.T) {
	tests := []struct {
		name    string
		changed []string // relative to the test's directory
		left    []string // of the files under __pycache__ below
	}{
		{"a source", []string{"mod.py"}, []string{"data.cpython-311.pyc", "mod.cpython-313.pyc", "model.cpython-311.pyc", "modx.cpython-311.pyc"}},
		{"two sources", []string{"mod.py", "model.py"}, []string{"data.cpython-311.pyc", "mod.cpython-313.pyc", "modx.cpython-311.pyc"}},
		{"not a source", []string{"mod.txt", "data.json", "mod"}, []string{"data.cpython-311.pyc", "mod.cpython-311.opt-1.pyc", "mod.cpython-311.pyc", "mod.cpython-312.pyc", "mod.cpython-313.pyc", "model.cpython-311.pyc", "modx.cpython-311.pyc"}},
		{"no __pycache__ beside it", []string{"sub/mod.py", "gone/x.py"}, []string{"data.cpython-311.pyc", "mod.cpython-311.opt-1.pyc", "mod.cpython-311.pyc", "mod.cpython-312.pyc", "mod.cpython-313.pyc", "model.cpython-311.pyc", "modx.cpython-311.pyc"}},
		{"a name of .py alone", []string{".py"}, []string{"data.cpython-311.pyc", "mod.cpython-311.opt-1.pyc", "mod.cpython-311.pyc", "mod.cpython-312.pyc", "mod.cpython-313.pyc", "model.cpython-311.pyc", "modx.cpython-311.pyc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cache := filepath.Join(dir, "__pycache__")
			for _, n := range []string{"mod.cpython-311.pyc", "mod.cpython-311.opt-1.pyc", "mod.cpython-312.pyc", "model.cpython-311.pyc", "modx.cpython-311.pyc", "data.cpython-311.pyc"} {
				if err := os.MkdirAll(cache, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(cache, n), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(filepath.Join(cache, "mod.cpython-313.pyc"), 0o755); err != nil { // not a file: stays
				t.Fatal(err)
			}
			var changed []string
			for _, c := range tt.changed {
				changed = append(changed, filepath.Join(dir, c))
			}
			dropCompiled(changed)
			entries, err := os.ReadDir(cache)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, e := range entries {
				left = append(left, e.Name())
			}
			if !slices.Equal(left, tt.left) {
				t.Errorf("left %v, want %v", left, tt.left)
			}
		})
	}
}
