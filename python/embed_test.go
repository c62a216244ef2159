package python

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestInstall(t *testing.T) {
	cache := t.TempDir()
	dir, err := Install(cache)
	if err != nil {
		t.Fatal(err)
	}
	ver, _ := Version()
	if !strings.HasSuffix(dir, ver) {
		t.Fatalf("dir %s not named by the hash %s", dir, ver)
	}
	for _, f := range []string{"taipan/__init__.py", "taipan/etf.py", "erlport/__init__.py", manifestName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("missing %s: %v", f, err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*", "test_*.py"))
	if len(matches) > 0 {
		t.Fatalf("tests installed: %v", matches)
	}
	again, err := Install(cache)
	if err != nil || again != dir {
		t.Fatalf("second install: %s %v", again, err)
	}
}

func TestInstallRepairs(t *testing.T) {
	tests := []struct {
		name   string
		damage func(dir string)
	}{
		{"changed file", func(dir string) { os.WriteFile(filepath.Join(dir, "taipan", "etf.py"), []byte("broken"), 0o644) }},
		{"missing file", func(dir string) { os.Remove(filepath.Join(dir, "taipan", "terms.py")) }},
		{"missing manifest", func(dir string) { os.Remove(filepath.Join(dir, manifestName)) }},
		{"partial directory", func(dir string) {
			os.RemoveAll(dir)
			os.MkdirAll(filepath.Join(dir, "taipan"), 0o755)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			dir, err := Install(cache)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(dir)
			if err := Verify(dir); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Verify of a damaged dir: %v", err)
			}
			if again, err := Install(cache); err != nil || again != dir {
				t.Fatalf("reinstall: %s %v", again, err)
			}
			if err := Verify(dir); err != nil {
				t.Fatalf("after repair: %v", err)
			}
		})
	}
}

func TestInstallConcurrent(t *testing.T) {
	cache := t.TempDir()
	var wg sync.WaitGroup
	dirs := make([]string, 16)
	errs := make([]error, 16)
	for i := range dirs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dirs[i], errs[i] = Install(cache)
		}()
	}
	wg.Wait()
	for i := range dirs {
		if errs[i] != nil || dirs[i] != dirs[0] {
			t.Fatalf("install %d: %s %v", i, dirs[i], errs[i])
		}
	}
	if err := Verify(dirs[0]); err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(cache, ".*"))
	if len(left) > 0 {
		t.Fatalf("temporary directories left: %v", left)
	}
}

func TestCompile(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir, err := Install(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := Compile(context.Background(), dir, py); err != nil {
		t.Fatal(err)
	}
	pyc, _ := filepath.Glob(filepath.Join(dir, "taipan", "__pycache__", "*.pyc"))
	if len(pyc) == 0 {
		t.Fatal("no .pyc files")
	}
	if err := Verify(dir); err != nil {
		t.Fatalf("compiled files must not break verification: %v", err)
	}
	// The runtime imports from the installed directory.
	cmd := exec.Command(py, "-c", "import taipan.etf as e; print(e.decode(e.encode(7)))")
	cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "7" {
		t.Fatalf("import from the installed runtime: %s %v", out, err)
	}
}
