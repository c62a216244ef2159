package pets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

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

// recorder keeps the events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) on(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// has reports whether an event matches.
func (r *recorder) has(match func(Event) bool) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if match(e) {
			return true
		}
	}
	return false
}

// newPets returns Pets on the fixtures, stopped when the test ends (and
// checked to leave no process behind).
func newPets(t *testing.T, opts Options) (*Pets, *recorder) {
	t.Helper()
	in, err := testInterp()
	if err != nil {
		t.Fatalf("resolving python: %v", err)
	}
	rec := &recorder{}
	opts.Worker.Interpreter = in
	opts.Worker.Paths = append(opts.Worker.Paths, fixtures(t))
	opts.OnEvent = rec.on
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := New(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		pids := pidsOf(p)
		if err := p.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		for _, pid := range pids {
			if alive(pid) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Adopt(ctx, name, po); err != nil {
		t.Fatalf("Adopt %s: %v", name, err)
	}
}

// ctx30 is a generous context for one step of a test.
func ctx30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds, failing the test after a generous
// deadline.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether a process exists (reaped processes do not).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
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
