package pets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// testInterp resolves the interpreter once for the whole test binary (a
// test-only cache; the package itself keeps no state).
var testInterp = sync.OnceValues(func() (*snakes.Interpreter, error) {
	dir, err := os.MkdirTemp("", "taipan-pets-test-cache-")
	if err != nil {
		return nil, err
	}
	return snakes.ResolveInterpreter(context.Background(), snakes.InterpreterOptions{CacheDir: dir})
})

func fixtures(t testing.TB) string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// newPets returns Pets on the fixtures, stopped when the test ends (and
// checked to leave no process behind).
func newPets(t *testing.T, opts Options) (*Pets, *testkit.Recorder[Event]) {
	t.Helper()
	in, err := testInterp()
	if err != nil {
		t.Fatalf("resolving python: %v", err)
	}
	rec := &testkit.Recorder[Event]{}
	opts.Worker.Interpreter = in
	opts.Worker.Paths = append(opts.Worker.Paths, fixtures(t))
	opts.OnEvent = rec.Record
	p, err := New(testkit.Context(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
		defer cancel()
		pids := pidsOf(p)
		if err := p.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		for _, pid := range pids {
			if testkit.Alive(pid) {
				t.Errorf("process %d survived Stop", pid)
			}
		}
	})
	return p, rec
}

func pidsOf(p *Pets) []int {
	var pids []int
	for _, in := range p.List() {
		if in.Pid != 0 {
			pids = append(pids, in.Pid)
		}
	}
	return pids
}

// adopt adopts a pet running petmod.init(name, log=log).
func adopt(t *testing.T, p *Pets, name string, po PetOptions, log string) {
	t.Helper()
	if po.Init == nil {
		po.Init = &snakes.InitCall{Module: "petmod", Function: "init", Args: []any{name},
			Kwargs: snakes.Kwargs{"log": log}}
	}
	if err := p.Adopt(testkit.Context(t), name, po); err != nil {
		t.Fatalf("Adopt %s: %v", name, err)
	}
}

// lines counts the lines of a file (0 when it does not exist).
func lines(t *testing.T, path string) int {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func info(t *testing.T, p *Pets, name string) PetInfo {
	t.Helper()
	in, err := p.Info(name)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// is returns a matcher for events of type E that pass ok (nil: any).
func is[E Event](ok func(E) bool) func(Event) bool {
	return func(e Event) bool {
		x, match := e.(E)
		return match && (ok == nil || ok(x))
	}
}

// restartedFrom waits for the pet's restart after its process old
// exited (the next one the test has not waited for yet) and returns its
// info.
func restartedFrom(t *testing.T, p *Pets, rec *testkit.Recorder[Event], name string, old int) PetInfo {
	t.Helper()
	rec.Next(t, "a new process for "+name, is(func(x PetRestarted) bool { return x.Name == name && x.Pid != old }))
	return info(t, p, name)
}
