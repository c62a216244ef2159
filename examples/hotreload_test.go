package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestHotreload builds and runs examples/hotreload (its own build: the
// shared one in examples_test.go builds the other examples) and checks its
// output line by line, and that the repository's greet.py was not edited.
func TestHotreload(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "examples", "hotreload", "greet.py")
	before, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "hotreload")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./examples/hotreload")...)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	cmd := exec.CommandContext(testkit.Context(t), bin)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	t.Logf("hotreload:\n%s", out.String())
	if err != nil {
		t.Fatalf("hotreload: %v", err)
	}
	want := []string{
		`pool "dev": 2 workers; watching greet\.py \(debounce 100ms\)`,
		`before: every worker says "Hello, Gopher! \(v1\)"`,
		`edit 1: Bonjour, version 2`,
		`reload \[greet\]: 2 reloaded, 0 failed, 0 skipped`,
		`  dev-1: reloaded`,
		`  dev-2: reloaded`,
		`after: every worker says "Bonjour, Gopher! \(v2\)"`,
		`edit 2: a syntax error`,
		`reload \[greet\]: 0 reloaded, 2 failed, 0 skipped`,
		`  dev-1: failed, keeps the old code: builtins\.SyntaxError: .*line 14.*`,
		`  dev-2: failed, keeps the old code: builtins\.SyntaxError: .*line 14.*`,
		`after: every worker says "Bonjour, Gopher! \(v2\)"`,
		`edit 3: fixed, Hola, version 3`,
		`reload \[greet\]: 2 reloaded, 0 failed, 0 skipped`,
		`  dev-1: reloaded`,
		`  dev-2: reloaded`,
		`after: every worker says "Hola, Gopher! \(v3\)"`,
		`watcher stopped`,
		`pool stopped`,
	}
	lines := regexp.MustCompile(`\r?\n`).Split(string(bytes.TrimRight(out.Bytes(), "\n")), -1)
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d", len(lines), len(want))
	}
	for i, p := range want {
		if !regexp.MustCompile(`^` + p + `$`).MatchString(lines[i]) {
			t.Errorf("line %d: %q does not match %q", i+1, lines[i], p)
		}
	}
	if after, err := os.ReadFile(src); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the repository's greet.py changed: %v", err)
	}
}
