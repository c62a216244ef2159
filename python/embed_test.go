package python

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// TestInstallRepairs damages an installed runtime as an attacker, a crash
// or a careless hand could: Verify names what is wrong, and InstallChecked
// restores the directory and says what it restored.
func TestInstallRepairs(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		want   Damage // one of the findings
	}{
		{"changed file", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "taipan", "etf.py"), "broken") },
			Damage{"taipan/etf.py", "changed"}},
		{"missing file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "taipan", "terms.py")) },
			Damage{"taipan/terms.py", "missing"}},
		{"missing manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, manifestName)) },
			Damage{manifestName, "missing"}},
		{"partial directory", func(t *testing.T, dir string) {
			os.RemoveAll(dir)
			os.MkdirAll(filepath.Join(dir, "taipan"), 0o755)
		}, Damage{manifestName, "missing"}},
		// The runtime is first on sys.path: a module there shadows the
		// standard library's, and site imports sitecustomize from it.
		{"module added beside the packages", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "sitecustomize.py"), "import os") },
			Damage{"sitecustomize.py", "unexpected file"}},
		{"module added in a package", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "taipan", "extra.py"), "x = 1") },
			Damage{"taipan/extra.py", "unexpected file"}},
		{"sourceless compiled file", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "json.pyc"), "") },
			Damage{"json.pyc", "unexpected file"}},
		{"package added", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "json", "__init__.py"), "") },
			Damage{"json", "unexpected directory"}},
		{"source replaced by a link", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "taipan", "etf.py")
			os.Rename(p, p+".orig")
			os.Symlink(p+".orig", p)
		}, Damage{"taipan/etf.py", "a symbolic link"}},
		{"__pycache__ replaced by a link", func(t *testing.T, dir string) {
			os.Symlink(t.TempDir(), filepath.Join(dir, "taipan", pycacheDir))
		}, Damage{"taipan/__pycache__", "a symbolic link"}},
		{"source writable by others", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, "taipan", "etf.py"), 0o666) },
			Damage{"taipan/etf.py", "writable by group or others (mode 0666)"}},
		{"package writable by group", func(t *testing.T, dir string) { os.Chmod(filepath.Join(dir, "taipan"), 0o775) },
			Damage{"taipan", "writable by group or others (mode 0775)"}},
		{"compiled file writable by others", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "erlport", pycacheDir, "erlang.cpython-311.pyc"), "")
			os.Chmod(filepath.Join(dir, "erlport", pycacheDir, "erlang.cpython-311.pyc"), 0o646)
		}, Damage{"erlport/__pycache__/erlang.cpython-311.pyc", "writable by group or others (mode 0646)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := t.TempDir()
			dir, err := Install(cache)
			if err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			var ce *CorruptError
			if err := Verify(dir); !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || !slices.Contains(ce.Damage, tt.want) {
				t.Fatalf("Verify of a damaged dir: %v, want a *CorruptError with %v", err, tt.want)
			}
			inst, err := InstallChecked(cache)
			if err != nil || inst.Dir != dir {
				t.Fatalf("reinstall: %s %v", inst.Dir, err)
			}
			if !slices.Contains(inst.Restored, tt.want) {
				t.Fatalf("Restored %v, want %v among them", inst.Restored, tt.want)
			}
			if err := Verify(dir); err != nil {
				t.Fatalf("after repair: %v", err)
			}
		})
	}
}

// TestInstallIntact: an intact runtime, compiled, is reused as it is and
// nothing is reported restored.
func TestInstallIntact(t *testing.T) {
	cache := t.TempDir()
	dir, err := Install(cache)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Check(context.Background(), dir, python3(t)); err != nil {
		t.Fatal(err)
	}
	inst, err := InstallChecked(cache)
	if err != nil || inst.Dir != dir || len(inst.Restored) != 0 {
		t.Fatalf("second install: %+v %v", inst, err)
	}
}

func write(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
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
	py := python3(t)
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
	cmd.Dir = dir // not the source tree: the working directory is on sys.path
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "7" {
		t.Fatalf("import from the installed runtime: %s %v", out, err)
	}
}

// python3 is the interpreter the tests run: taipan's tests need one.
func python3(t testing.TB) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("no python3: %v", err)
	}
	return py
}

// BenchmarkInstallChecked is the Go side of each ResolveInterpreter on an
// intact cache: the ownership of the cache directory and its parents, the
// walk of the runtime directory and the sha256 of every source.
func BenchmarkInstallChecked(b *testing.B) {
	cache := b.TempDir()
	if _, err := Install(cache); err != nil {
		b.Fatal(err)
	}
	for range b.N {
		if _, err := InstallChecked(cache); err != nil {
			b.Fatal(err)
		}
	}
}

// TestVerifyPycacheEntryGone: an entry listed in a __pycache__ and gone
// when it is checked — the temporary file of a compile that another
// process's Check just renamed into place — is no damage; one that is
// there is checked as before. (Verify during another process's first
// Check saw such a file go, called the runtime corrupt, and the install
// moved the runtime that Check was writing into aside.)
func TestVerifyPycacheEntryGone(t *testing.T) {
	dir, err := Install(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pycache := filepath.Join(dir, "taipan", pycacheDir)
	if err := os.MkdirAll(filepath.Join(pycache, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(pycache, "open.pyc"), "x")
	if err := os.Chmod(filepath.Join(pycache, "open.pyc"), 0o666); err != nil {
		t.Fatal(err)
	}
	v := verifier{dir: dir, uid: os.Geteuid()}
	v.checkPycacheEntry("taipan/__pycache__/etf.cpython-311.pyc.140391660228432", false) // renamed since the listing
	v.checkPycacheEntry("taipan/__pycache__/sub", true)
	v.checkPycacheEntry("taipan/__pycache__/open.pyc", false)
	want := []Damage{{"taipan/__pycache__/sub", "unexpected directory"}, {"taipan/__pycache__/open.pyc", "writable by group or others (mode 0666)"}}
	if !slices.Equal(v.damage, want) {
		t.Fatalf("damage %v, want %v", v.damage, want)
	}
}
