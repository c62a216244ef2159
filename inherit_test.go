package taipan

import (
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

// venv makes a virtual environment (no pip: fast) and returns its
// directory and its python3: an interpreter that tells itself apart from
// the one on PATH by its sys.prefix.
func venv(t *testing.T) (dir, python string) {
	t.Helper()
	dir = t.TempDir()
	if out, err := exec.Command("python3", "-m", "venv", "--without-pip", dir).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, out)
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	return dir, filepath.Join(dir, "bin", "python3")
}

// TestOwnWorkerInheritsOptions is issue 13's case: a pool and a pet that
// set their own Worker (an Init, a working directory) still run
// Options.Python's interpreter, find their modules on the default module
// path (the test's directory: "testdata.facade_mod" imports from there,
// not from the working directory) and get the template's Env, with their
// own Env added.
func TestOwnWorkerInheritsOptions(t *testing.T) {
	prefix, python := venv(t)
	init := &snakes.InitCall{Module: "testdata.facade_mod", Function: "pid"}
	s := startSystem(t, Options{
		Python:  python,
		Worker:  snakes.Options{Env: []string{"TAIPAN_T_TEMPLATE=1", "TAIPAN_T_OWN=template"}},
		NoIO:    true,
		Default: PoolOptions{Size: 1, Worker: snakes.Options{Init: init, Dir: t.TempDir(), Env: []string{"TAIPAN_T_OWN=pool"}}},
		Pets: map[string]pets.PetOptions{
			"empty": {Worker: &snakes.Options{}, Init: init},
			"own":   {Worker: &snakes.Options{Dir: t.TempDir(), Env: []string{"TAIPAN_T_OWN=pet"}}, Init: init},
		},
	})
	ctx := testkit.Context(t)
	for _, tc := range []struct {
		name string
		own  string
		call func(function string, args ...any) (any, error)
	}{
		{"pool", "pool", func(f string, args ...any) (any, error) {
			return s.Call(ctx, "testdata.facade_mod", f, args...)
		}},
		{"pet with an empty Worker", "template", func(f string, args ...any) (any, error) {
			return s.Pets().Call(ctx, "empty", "testdata.facade_mod", f, args...)
		}},
		{"pet with its own Worker", "pet", func(f string, args ...any) (any, error) {
			return s.Pets().Call(ctx, "own", "testdata.facade_mod", f, args...)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.call("prefix")
			if err != nil {
				t.Fatalf("prefix: %v", err)
			}
			if p, _ := filepath.EvalSymlinks(got.(string)); p != prefix {
				t.Errorf("sys.prefix = %q, want Options.Python's virtual environment %q", got, prefix)
			}
			for name, want := range map[string]string{"TAIPAN_T_TEMPLATE": "1", "TAIPAN_T_OWN": tc.own} {
				if got, err := tc.call("env", name); err != nil || got != want {
					t.Errorf("$%s = %v (%v), want %q", name, got, err, want)
				}
			}
		})
	}
}

// TestStartTakesTaipanPython: with Options.Python empty, $TAIPAN_PYTHON
// chooses every worker's interpreter.
func TestStartTakesTaipanPython(t *testing.T) {
	prefix, python := venv(t)
	t.Setenv(snakes.EnvPython, python)
	s := startSystem(t, Options{NoIO: true, Default: PoolOptions{Size: 1}})
	got, err := s.Call(testkit.Context(t), "testdata.facade_mod", "prefix")
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := filepath.EvalSymlinks(got.(string)); p != prefix {
		t.Fatalf("sys.prefix = %q, want $TAIPAN_PYTHON's virtual environment %q", got, prefix)
	}
	if got := s.Interpreter().Path; got != python {
		t.Fatalf("System.Interpreter().Path = %q, want %q", got, python)
	}
}
