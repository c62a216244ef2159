package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
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
