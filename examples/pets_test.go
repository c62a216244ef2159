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

// buildPetsExample builds examples/pets into a temporary directory (with
// -race under go test -race) and returns the binary, the repository root
// and the environment to run it with.
func buildPetsExample(t *testing.T) (bin, root string, env []string) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin = filepath.Join(dir, "pets")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "./examples/pets")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A runtime cache of its own, away from the user's.
	return bin, root, append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
}

// TestPets runs the pets example from the repository root and from
// another directory (it finds petshop.py next to its source all the
// same), and checks what it prints.
func TestPets(t *testing.T) {
	t.Parallel()
	bin, root, env := buildPetsExample(t)
	for _, dir := range []string{root, t.TempDir()} {
		cmd := exec.CommandContext(testkit.Context(t), bin)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		t.Logf("pets (from %s):\n%s", dir, out.String())
		if err != nil {
			t.Fatalf("pets: %v", err)
		}
		for _, p := range []string{
			`^adopting "counter" again: ErrPetExists=true$`,
			`^model: tiny-linear with 4 weights$`,
			`^model\.predict\(2\.0\) = 6$`,
			`^counter after 4 calls: 104$`,
			`^calling "nobody": ErrNoSuchPet=true$`,
			`^killed the model's process \(SIGKILL\)$`,
			`^pet model restarted: worker model#2, new process: true$`,
			`^model after restart: tiny-linear with 4 weights \(rebuilt by Init\)$`,
			`^counter, untouched by the model's crash: 105$`,
			`^pet counter +running +restarts=0 calls=5$`,
			`^pet model +running +restarts=1 calls=4$`,
			`^slew "counter": still there=false$`,
			`^pets stopped$`,
		} {
			if !regexp.MustCompile(`(?m)` + p).MatchString(out.String()) {
				t.Errorf("no line matches %q", p)
			}
		}
	}
}
