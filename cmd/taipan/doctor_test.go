package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// TestMain lets the tests run the real command: the test binary re-executed
// with TAIPAN_TEST_MAIN=1 is `taipan`, so limits and PATH can be set for it
// as a user's shell would. Otherwise it runs the tests, and fails them if
// they leave a goroutine of taipan's or an unreaped process behind.
func TestMain(m *testing.M) {
	if os.Getenv("TAIPAN_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(testkit.Main(m))
}

// TestDoctorCommand runs `taipan doctor` as a process on a spoiled
// machine: no interpreter, and a low file-descriptor limit set by the shell.
func TestDoctorCommand(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		argv    []string // run with sh -c when argv[0] is "sh"
		env     []string
		wantFix string
		advice  string
	}{
		{name: "interpreter given does not exist", argv: []string{self, "doctor", "-python", "/nonexistent/python3"},
			wantFix: "interpreter", advice: "install Python 3"},
		{name: "TAIPAN_PYTHON names the interpreter", argv: []string{self, "doctor"}, env: []string{"TAIPAN_PYTHON=/nonexistent/python3"},
			wantFix: "interpreter", advice: "install Python 3"},
		{name: "no python3 on PATH", argv: []string{self, "doctor"}, env: []string{"PATH=" + t.TempDir()},
			wantFix: "interpreter", advice: "-python /path/to/python3"},
		{name: "fd limit too low", argv: []string{sh, "-c", `ulimit -n 64 && exec "$0" doctor`, self},
			wantFix: "open files", advice: "ulimit -n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(tt.argv[0], tt.argv[1:]...)
			cmd.Env = append(append(os.Environ(), "TAIPAN_TEST_MAIN=1"), tt.env...)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("doctor exited with %v, want status 1\n%s", err, out)
			}
			var fixLine bool
			for _, line := range strings.Split(string(out), "\n") {
				if strings.HasPrefix(line, "FIX") && strings.Contains(line, tt.wantFix) {
					fixLine = true
				}
			}
			if !fixLine || !strings.Contains(string(out), tt.advice) {
				t.Fatalf("want a FIX line for %q with advice %q:\n%s", tt.wantFix, tt.advice, out)
			}
		})
	}
}

// TestDoctorCache runs `taipan doctor` on a cache (XDG_CACHE_HOME) left
// intact, tampered with as issue 12 did, and opened to the group: doctor
// says which, naming the files restored and the fix.
func TestDoctorCache(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		// setup prepares the cache root XDG_CACHE_HOME and returns what
		// the report must say beyond the line.
		setup    func(t *testing.T, xdg string) []string
		wantLine string // the report's line: "ok  name" or "FIX  name"
	}{
		{name: "intact", wantLine: "ok  cache integrity", setup: func(t *testing.T, xdg string) []string {
			resolve(t, xdg)
			return []string{"ok  cache directory"}
		}},
		{name: "tampered compiled file", wantLine: "FIX  cache integrity", setup: func(t *testing.T, xdg string) []string {
			in := resolve(t, xdg)
			testkit.TamperPyc(t, in.Path, filepath.Join(in.RuntimeDir, "taipan", "errors.py"), "import os")
			return []string{"taipan/__pycache__/errors.", "differed from a fresh compile", "find out what wrote into"}
		}},
		{name: "added module", wantLine: "FIX  cache integrity", setup: func(t *testing.T, xdg string) []string {
			in := resolve(t, xdg)
			if err := os.WriteFile(filepath.Join(in.RuntimeDir, "sitecustomize.py"), []byte("import os\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return []string{"sitecustomize.py: unexpected file"}
		}},
		{name: "group-writable cache", wantLine: "FIX  cache directory", setup: func(t *testing.T, xdg string) []string {
			dir := filepath.Join(xdg, "taipan")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, 0o775); err != nil {
				t.Fatal(err)
			}
			return []string{dir + " is writable by group or others", "chmod go-w " + dir}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xdg := t.TempDir()
			want := tt.setup(t, xdg)
			cmd := exec.Command(self, "doctor")
			cmd.Env = append(os.Environ(), "TAIPAN_TEST_MAIN=1", "XDG_CACHE_HOME="+xdg)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if strings.HasPrefix(tt.wantLine, "FIX") && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
				t.Fatalf("doctor exited with %v, want status 1\n%s", err, out)
			}
			report := regexp.MustCompile(` {2,}`).ReplaceAllString(string(out), "  ")
			for _, w := range append(want, tt.wantLine) {
				if !strings.Contains(report, w) {
					t.Fatalf("want %q in the report:\n%s", w, out)
				}
			}
		})
	}
}

// resolve installs the runtime under the cache root xdg, as doctor's
// resolve will find it.
func resolve(t *testing.T, xdg string) *snakes.Interpreter {
	t.Helper()
	in, err := snakes.ResolveInterpreter(testkit.Context(t), snakes.InterpreterOptions{CacheDir: filepath.Join(xdg, "taipan")})
	if err != nil {
		t.Fatal(err)
	}
	return in
}
