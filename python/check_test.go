package python

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// installChecked installs the runtime into a fresh cache and runs the
// first Check on it.
func installChecked(t *testing.T) (dir string, c *Checked) {
	t.Helper()
	dir, err := Install(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err = Check(context.Background(), dir, python3(t))
	if err != nil {
		t.Fatal(err)
	}
	return dir, c
}

// TestCheckReportsTheInterpreter: one run says what ResolveInterpreter
// asked Python for, and a first compile replaces nothing.
func TestCheckReportsTheInterpreter(t *testing.T) {
	_, c := installChecked(t)
	out, err := exec.Command(python3(t), "-c", "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3]); print(sys.implementation.cache_tag)").Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	if c.Executable != want[0] || c.Version != want[1] || c.CacheTag != want[2] || len(c.Replaced) != 0 {
		t.Fatalf("got %+v, want %v and nothing replaced", c, want)
	}
}

// TestCheckIsStable: the compiled files a check writes are the ones the
// next check, another process, would write: nothing is reported replaced
// on a cache nobody touched (else every start would warn).
func TestCheckIsStable(t *testing.T) {
	dir, _ := installChecked(t)
	for i := range 3 {
		c, err := Check(context.Background(), dir, python3(t))
		if err != nil || len(c.Replaced) != 0 {
			t.Fatalf("check %d of an untouched cache: %+v %v", i+2, c, err)
		}
	}
}

// TestCheckReplacesTamperedPyc is the attack of issue 12: a compiled file
// replaced by one that runs more, with the source's mtime and size in its
// header so that the import system takes it for up to date. Check names
// it and puts back the compile of the source, and the import runs the
// genuine module.
func TestCheckReplacesTamperedPyc(t *testing.T) {
	py := python3(t)
	marker := filepath.Join(t.TempDir(), "ran")
	extra := "open(" + pyQuote(marker) + ", 'w').write('tampered')"
	tests := []struct {
		name   string
		module string // the runtime's source, slash-separated
		dotted string
		flags  []string // how the import runs
	}{
		{"plain", "taipan/errors.py", "taipan.errors", nil},
		{"optimized, for a worker run with -O", "erlport/erlang.py", "erlport.erlang", []string{"-O"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := installChecked(t)
			src := filepath.Join(dir, filepath.FromSlash(tt.module))
			importIt := func() {
				t.Helper()
				cmd := exec.Command(py, append(tt.flags, "-c", "import "+tt.dotted)...)
				cmd.Env = append(os.Environ(), "PYTHONPATH="+dir, "PYTHONDONTWRITEBYTECODE=1")
				cmd.Dir = dir // not the source tree, which the working directory on sys.path would import
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("import %s: %v\n%s", tt.dotted, err, out)
				}
			}
			if len(tt.flags) > 0 { // the optimized file exists once a worker ran with -O
				cmd := exec.Command(py, append(tt.flags, "-c", "import "+tt.dotted)...)
				cmd.Env = append(os.Environ(), "PYTHONPATH="+dir)
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("import %s: %v\n%s", tt.dotted, err, out)
				}
			}
			pyc := tamper(t, py, src, extra, tt.flags)
			// Without the check, the import system runs it.
			importIt()
			if _, err := os.Stat(marker); err != nil {
				t.Fatalf("the tampered file did not run, the test proves nothing: %v", err)
			}
			os.Remove(marker)

			c, err := Check(context.Background(), dir, py)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, pyc)
			if !slices.ContainsFunc(c.Replaced, func(d Damage) bool { return d.Name == filepath.ToSlash(rel) }) {
				t.Fatalf("Replaced %v, want %s among them", c.Replaced, rel)
			}
			importIt()
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the tampered compiled file ran after the check")
			}
			if c, err := Check(context.Background(), dir, py); err != nil || len(c.Replaced) != 0 {
				t.Fatalf("the check after the repair: %+v %v", c, err)
			}
		})
	}
}

// tamper tampers with the compiled file of src that python run with flags
// loads: the plain one (testkit.TamperPyc), or with -O the .opt-1 one,
// overwritten by the plain one's bytes (same header rules).
func tamper(t *testing.T, py, src, extra string, flags []string) string {
	t.Helper()
	pyc := testkit.TamperPyc(t, py, src, extra)
	if len(flags) == 0 {
		return pyc
	}
	data, err := os.ReadFile(pyc)
	if err != nil {
		t.Fatal(err)
	}
	opt := strings.TrimSuffix(pyc, ".pyc") + ".opt-1.pyc"
	if err := os.WriteFile(opt, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return opt
}

// pyQuote is s as a Python string literal (paths without quotes or
// backslashes).
func pyQuote(s string) string { return "'" + s + "'" }

// TestCheckWorkersOptimizeLevel: with PYTHONOPTIMIZE in the host's
// environment, which workers inherit, the compiled files of that level are
// made too, so that no worker writes its own (which the next check would
// take for tampered with).
func TestCheckWorkersOptimizeLevel(t *testing.T) {
	t.Setenv("PYTHONOPTIMIZE", "1")
	dir, c := installChecked(t)
	opt := filepath.Join(dir, "taipan", pycacheDir, "errors."+c.CacheTag+".opt-1.pyc")
	if _, err := os.Stat(opt); err != nil {
		t.Fatalf("the workers' level was not compiled: %v", err)
	}
	if c, err := Check(context.Background(), dir, python3(t)); err != nil || len(c.Replaced) != 0 {
		t.Fatalf("second check: %+v %v", c, err)
	}
}

func TestOptimizeLevel(t *testing.T) {
	for v, want := range map[string]int{"": 0, "0": 0, "1": 1, "2": 2, "3": 2, "yes": 1, "-1": 0} {
		if got := optimizeLevel(v); got != want {
			t.Errorf("PYTHONOPTIMIZE=%q: level %d, want %d", v, got, want)
		}
	}
}

// TestCheckConcurrent: processes that start at once on a fresh cache all
// compile it; each writes what the others do, so none reports the others'
// files as tampered with, and none fails.
func TestCheckConcurrent(t *testing.T) {
	dir, err := Install(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	py := python3(t)
	var wg sync.WaitGroup
	results := make([]*Checked, 6)
	errs := make([]error, len(results))
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = Check(context.Background(), dir, py)
		}()
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || len(results[i].Replaced) != 0 {
			t.Fatalf("check %d: %+v %v", i, results[i], errs[i])
		}
	}
	if err := Verify(dir); err != nil {
		t.Fatal(err)
	}
}
