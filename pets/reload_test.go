package pets

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
)

// writeModule writes a module file; its size changes with value, so that
// a stale cached bytecode is never taken for it.
func writeModule(t *testing.T, dir, src string) {
	t.Helper()
	path := filepath.Join(dir, "hot.py")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// Move the mtime on: a rewrite within the same second must not look
	// unchanged to the import system.
	future := time.Now().Add(time.Duration(len(src)) * time.Second)
	if err := os.Chtimes(path, future, future); err != nil {
		t.Fatal(err)
	}
}

// TestReload edits a module on disk: Reload changes the result in every
// pet, a syntax error leaves them on the old code and says why, a dead
// pet is skipped.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	writeModule(t, dir, "def value():\n    return 1\n")
	p, _ := newPets(t, Options{Worker: snakes.Options{Paths: []string{dir}}})
	adopt(t, p, "a", PetOptions{}, "")
	adopt(t, p, "b", PetOptions{}, "")
	ctx := testkit.Context(t)
	for _, name := range []string{"a", "b"} {
		if v, err := p.Call(ctx, name, "hot", "value"); err != nil || v != int64(1) {
			t.Fatalf("%s before: %v %v", name, v, err)
		}
	}
	tests := []struct {
		name   string
		src    string
		status snakes.ReloadStatus
		want   int64
	}{
		{"edit", "def value():\n    return 22\n", snakes.Reloaded, 22},
		{"syntax error", "def value(:\n    return 333\n", snakes.ReloadFailed, 22},
		{"fixed", "def value():\n    return 4444\n", snakes.Reloaded, 4444},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeModule(t, dir, tt.src)
			rep := p.Reload(ctx, "hot")
			if len(rep) != 2 || rep[0].Owner != "pet:a" || rep[1].Owner != "pet:b" {
				t.Fatalf("report %v", rep)
			}
			for _, r := range rep {
				if r.Status != tt.status || r.Pid == 0 || (tt.status == snakes.ReloadFailed) != (r.Err != nil) {
					t.Fatalf("report %v", r)
				}
			}
			for _, name := range []string{"a", "b"} {
				if v, err := p.Call(ctx, name, "hot", "value"); err != nil || v != tt.want {
					t.Fatalf("%s: %v %v, want %d", name, v, err, tt.want)
				}
			}
		})
	}
}

// TestReloadSkipsDeadPet: a pet that is down is skipped, with the reason.
func TestReloadSkipsDeadPet(t *testing.T) {
	p, rec := newPets(t, Options{})
	adopt(t, p, "gone", PetOptions{Restart: supervisor.Temporary}, "")
	if err := killPid(info(t, p, "gone").Pid); err != nil {
		t.Fatal(err)
	}
	rec.Wait(t, "the pet's death", is(func(x PetDied) bool { return x.Name == "gone" }))
	rep := p.Reload(testkit.Context(t), "petmod")
	if len(rep) != 1 || rep[0].Status != snakes.ReloadSkipped || !errors.Is(rep[0].Err, ErrPetDead) {
		t.Fatalf("report %v", rep)
	}
}

// TestRestart replaces every pet, rolling or not, under a steady stream
// of calls: each pet gets a new process with its Init run again, and no
// call fails.
func TestRestart(t *testing.T) {
	for _, rolling := range []bool{true, false} {
		name := "all at once"
		if rolling {
			name = "rolling"
		}
		t.Run(name, func(t *testing.T) {
			p, rec := newPets(t, Options{})
			log := filepath.Join(t.TempDir(), "inits")
			names := []string{"x", "y"}
			for _, n := range names {
				adopt(t, p, n, PetOptions{}, log)
			}
			ctx := testkit.Context(t)
			old := map[string]int{}
			for _, n := range names {
				old[n] = info(t, p, n).Pid
				if _, err := p.Call(ctx, n, "petmod", "incr", 10); err != nil {
					t.Fatal(err)
				}
			}
			stop := make(chan struct{})
			var calls testkit.Counter
			var failed atomic.Int64
			var firstErr atomic.Value
			var wg sync.WaitGroup
			for _, n := range names {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := p.Call(ctx, n, "petmod", "incr"); err != nil {
							failed.Add(1)
							firstErr.CompareAndSwap(nil, err)
						}
						calls.Add()
					}
				}()
			}
			calls.WaitMore(t, "some calls", 20)
			if err := p.Restart(ctx, rolling); err != nil {
				t.Fatal(err)
			}
			calls.WaitMore(t, "calls after the restart", 20)
			close(stop)
			wg.Wait()
			if failed.Load() != 0 {
				t.Fatalf("%d of %d calls failed: %v", failed.Load(), calls.Load(), firstErr.Load())
			}
			for _, n := range names {
				in := info(t, p, n)
				if in.Pid == old[n] || in.Restarts != 1 || in.State != Running {
					t.Fatalf("%s: %+v (old pid %d)", n, in, old[n])
				}
				testkit.WaitExit(t, "the old process to end", old[n])
				var st struct {
					Tag string `erl:"tag"`
				}
				if err := p.CallInto(ctx, &st, n, "petmod", "get"); err != nil || st.Tag != n {
					t.Fatalf("%s after restart: %+v %v", n, st, err)
				}
			}
			if got := lines(t, log); got != 4 {
				t.Fatalf("Init ran %d times, want 4", got)
			}
			rec.Wait(t, "a requested PetRestarted", is(func(x PetRestarted) bool { return x.Requested }))
		})
	}
}

// A new incarnation whose Init imported a module just before the file
// changed reloads it before it serves: Reload reached only the old one.
func TestReloadCatchesUpWithNewIncarnation(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "stalepet.py")
	if err := os.WriteFile(mod, []byte("def value():\n    return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(dir, "init-done")
	init := "import time\n\ndef init(marker):\n    import stalepet\n    open(marker, 'w').close()\n    time.sleep(2.0)\n"
	if err := os.WriteFile(filepath.Join(dir, "slowinit.py"), []byte(init), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _ := newPets(t, Options{})
	adopt(t, p, "slow", PetOptions{Paths: []string{dir},
		Init: &snakes.InitCall{Module: "slowinit", Function: "init", Args: []any{marker}}}, "")
	os.Remove(marker)
	initRuns := testkit.Beacon(t, marker)
	ctx := testkit.Context(t)

	restarted := make(chan error, 1)
	go func() { restarted <- p.Restart(ctx, true) }()
	testkit.Receive(t, "the new incarnation's Init", initRuns)
	if err := os.WriteFile(mod, []byte("def value():\n    return 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.Reload(ctx, "stalepet") // reaches the old incarnation only
	if err := testkit.Receive(t, "the restart", restarted); err != nil {
		t.Fatal(err)
	}
	var v int64
	if err := p.CallInto(ctx, &v, "slow", "stalepet", "value"); err != nil {
		t.Fatal(err)
	}
	if v != 2 {
		t.Fatalf("stalepet.value() = %d in the new incarnation: it kept the old code", v)
	}
}
