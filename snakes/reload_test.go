package snakes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// reloadModule is a module whose value() is version v; slow(marker, secs)
// writes marker, sleeps, and returns value() as it was when it started.
func reloadModule(v string) string {
	return "import os, time\n\n" +
		"def value():\n    return " + v + "\n\n" +
		"def slow(marker, secs):\n    v = value()\n    open(marker, 'w').close()\n    time.sleep(secs)\n    return v\n"
}

// writeFile writes a file for a test.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// importEverywhere makes every idle worker of p import module (a lease
// each, all held at once so that each is a different worker).
func importEverywhere(t *testing.T, p *Pool, n int, module string) {
	t.Helper()
	ctx := context.Background()
	var leases []*Lease
	for range n {
		l, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Call(ctx, module, "value"); err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
	}
	for _, l := range leases {
		l.Release()
	}
}

// valuesOfAll returns module.value() of n different workers of p, each
// leased at once.
func valuesOfAll(t *testing.T, p *Pool, n int, module string) []any {
	t.Helper()
	ctx := context.Background()
	var (
		leases []*Lease
		out    []any
	)
	defer func() {
		for _, l := range leases {
			l.Release()
		}
	}()
	for range n {
		l, err := p.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		leases = append(leases, l)
		v, err := l.Call(ctx, module, "value")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestManagerReloadEveryWorker(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "hotmod.py")
	writeFile(t, mod, reloadModule("1"))
	p := startPool(t, PoolOptions{Size: 3, Worker: Options{Paths: []string{dir}}})
	ctx := context.Background()
	importEverywhere(t, p, 3, "hotmod")

	// One worker bound to a session, one busy with a slow call, one idle.
	s, err := p.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	marker, started := beacon(t, "started")
	slow := make(chan any, 1)
	go func() {
		v, err := p.Call(ctx, "hotmod", "slow", marker, 1.0)
		if err != nil {
			v = err
		}
		slow <- v
	}()
	testkit.Receive(t, "the slow call to start", started)

	writeFile(t, mod, reloadModule("22"))
	report := p.Reload(ctx, "hotmod")
	if len(report) != 3 {
		t.Fatalf("report: %v", report)
	}
	for _, r := range report {
		if r.Status != Reloaded || r.Owner != p.Name() || r.Err != nil || len(r.Modules) != 1 || r.Modules[0].Module != "hotmod" {
			t.Errorf("worker: %v", r)
		}
	}
	// The busy worker reloaded after its call, which ran the old code.
	if v := <-slow; v != int64(1) {
		t.Errorf("slow call: %v, want 1 (it began before the reload)", v)
	}
	if v, err := s.Call(ctx, "hotmod", "value"); err != nil || v != int64(22) {
		t.Errorf("session: %v %v", v, err)
	}
	s.Close()
	if got := valuesOfAll(t, p, 3, "hotmod"); !slices.Equal(got, []any{int64(22), int64(22), int64(22)}) {
		t.Errorf("values after reload: %v", got)
	}
}

func TestManagerReloadOutcomes(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "hotpkg", "__init__.py"), "from hotpkg.sub import value\n")
	sub := filepath.Join(dir, "hotpkg", "sub.py")
	writeFile(t, sub, "def value():\n    return 1\n")
	p := startPool(t, PoolOptions{Size: 2, Worker: Options{Paths: []string{dir}, AllowEval: true}})
	ctx := context.Background()
	importEverywhere(t, p, 2, "hotpkg")

	cases := []struct {
		name    string
		edit    func()
		modules []string
		status  ReloadStatus
		check   func(t *testing.T, r WorkerReload)
		value   int64
	}{
		{
			name:    "submodule change seen through the package",
			edit:    func() { writeFile(t, sub, "def value():\n    return 2222\n") },
			modules: []string{"hotpkg.sub"},
			status:  Reloaded,
			check: func(t *testing.T, r WorkerReload) {
				var names []string
				for _, m := range r.Modules {
					names = append(names, m.Module)
				}
				if !slices.Equal(names, []string{"hotpkg.sub", "hotpkg"}) {
					t.Errorf("reload order: %v", names)
				}
			},
			value: 2222,
		},
		{
			name:    "syntax error keeps the old code",
			edit:    func() { writeFile(t, sub, "def value(:\n    return 3\n") },
			modules: []string{"hotpkg.sub"},
			status:  ReloadFailed,
			check: func(t *testing.T, r WorkerReload) {
				var pe *PythonError
				if !errors.As(r.Err, &pe) || pe.Type != "builtins.SyntaxError" {
					t.Errorf("error: %v", r.Err)
				}
			},
			value: 2222,
		},
		{
			name:    "module never imported is not imported",
			modules: []string{"nowhere_imported"},
			status:  ReloadSkipped,
			check: func(t *testing.T, r WorkerReload) {
				if !errors.Is(r.Err, ErrNotLoaded) {
					t.Errorf("error: %v", r.Err)
				}
			},
			value: 2222,
		},
		{
			name:    "deleted file is reported",
			edit:    func() { os.Remove(sub) },
			modules: []string{"hotpkg.sub"},
			status:  ReloadFailed,
			check: func(t *testing.T, r WorkerReload) {
				var pe *PythonError
				if !errors.As(r.Err, &pe) || pe.Type != "builtins.ModuleNotFoundError" {
					t.Errorf("error: %v", r.Err)
				}
			},
			value: 2222,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.edit != nil {
				c.edit()
			}
			report := p.Reload(ctx, c.modules...)
			if len(report) != 2 {
				t.Fatalf("report: %v", report)
			}
			for _, r := range report {
				if r.Status != c.status {
					t.Errorf("status: %v", r)
				}
				c.check(t, r)
			}
			if got := valuesOfAll(t, p, 2, "hotpkg"); !slices.Equal(got, []any{c.value, c.value}) {
				t.Errorf("values: %v, want %d", got, c.value)
			}
		})
	}
	// Nothing was imported by the reload of a module no worker had.
	l, err := p.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if v, err := l.Worker().Eval(ctx, "'nowhere_imported' in __import__('sys').modules"); err != nil || v != false {
		t.Errorf("nowhere_imported imported: %v %v", v, err)
	}
}

// callStream calls module.value() from k goroutines until stop closes and
// counts the calls and the failures.
func callStream(p *Pool, k int, module string, stop <-chan struct{}) (calls *testkit.Counter, wait func() (failed int64, last error)) {
	var (
		wg      sync.WaitGroup
		fails   atomic.Int64
		lastErr atomic.Value
	)
	calls = new(testkit.Counter)
	for range k {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				_, err := p.Call(ctx, module, "value")
				cancel()
				calls.Add()
				if err != nil {
					fails.Add(1)
					lastErr.Store(err)
				}
			}
		})
	}
	return calls, func() (int64, error) {
		wg.Wait()
		err, _ := lastErr.Load().(error)
		return fails.Load(), err
	}
}

func TestManagerRestart(t *testing.T) {
	for _, rolling := range []bool{true, false} {
		t.Run(map[bool]string{true: "rolling", false: "all at once"}[rolling], func(t *testing.T) {
			dir := t.TempDir()
			mod := filepath.Join(dir, "hotmod.py")
			writeFile(t, mod, reloadModule("1"))
			p := startPool(t, PoolOptions{Size: 2, Worker: Options{Paths: []string{dir}}})
			ctx := context.Background()
			before := pidsOf(p)

			// A session's worker is retired too, but serves its session
			// until it ends.
			s, err := p.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Call(ctx, "hotmod", "value"); err != nil {
				t.Fatal(err)
			}

			stop := make(chan struct{})
			calls, wait := callStream(p, 4, "hotmod", stop)
			calls.WaitMore(t, "calls to flow", 20)
			// A size of its own: the workers wrote hotmod's .pyc for version
			// 1 (unless PYTHONDONTWRITEBYTECODE is set), and a source of the
			// same size and mtime second, as a fast machine writes it, would
			// pass for that .pyc's source in the fresh workers.
			writeFile(t, mod, reloadModule("22"))
			rctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			err = p.Restart(rctx, rolling)
			cancel()
			if err != nil {
				t.Fatalf("Restart: %v", err)
			}
			calls.WaitMore(t, "calls after the restart", 20)
			close(stop)
			failed, last := wait()
			if failed != 0 {
				t.Fatalf("%d of %d calls failed; last: %v", failed, calls.Load(), last)
			}
			if v, err := s.Call(ctx, "hotmod", "value"); err != nil || v != int64(1) {
				t.Errorf("session after restart: %v %v (its worker keeps its code until it ends)", v, err)
			}
			s.Close()
			testkit.Eventually(t, "the session's worker to stop", func() bool {
				for _, pid := range pidsOf(p) {
					if slices.Contains(before, pid) {
						return false
					}
				}
				return len(pidsOf(p)) == 2
			})
			if got := valuesOfAll(t, p, 2, "hotmod"); !slices.Equal(got, []any{int64(22), int64(22)}) {
				t.Errorf("values after restart: %v", got)
			}
		})
	}
}

func TestPoolsReloadAndRestart(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "hotmod.py")
	writeFile(t, mod, reloadModule("1"))
	ctx := context.Background()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ps, err := NewPools(sctx, PoolsOptions{
		Worker:  Options{Interpreter: interp(t), Paths: []string{dir}},
		Default: PoolOptions{Size: 2},
		NoIO:    true,
		Pools:   map[string]PoolOptions{"b": {Size: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ps.Stop(ctx)
	}()
	a, _ := ps.Get(PoolDefault)
	b, _ := ps.Get("b")
	importEverywhere(t, a, 2, "hotmod")
	importEverywhere(t, b, 1, "hotmod")

	writeFile(t, mod, reloadModule("2"))
	report := ps.Reload(ctx, "hotmod")
	var owners []string
	for _, r := range report {
		owners = append(owners, r.Owner)
		if r.Status != Reloaded {
			t.Errorf("worker: %v", r)
		}
	}
	if !slices.Equal(owners, []string{"b", "default", "default"}) {
		t.Errorf("owners: %v", owners)
	}
	if got := valuesOfAll(t, b, 1, "hotmod"); got[0] != int64(2) {
		t.Errorf("b: %v", got)
	}

	before := append(pidsOf(a), pidsOf(b)...)
	if err := ps.Restart(ctx, true); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	testkit.Eventually(t, "every worker replaced", func() bool {
		now := append(pidsOf(a), pidsOf(b)...)
		for _, pid := range now {
			if slices.Contains(before, pid) {
				return false
			}
		}
		return len(now) == 3
	})
	ps.Stop(ctx)
	if err := ps.Restart(ctx, false); !errors.Is(err, ErrPoolStopped) {
		t.Errorf("Restart after Stop: %v", err)
	}
	if r := ps.Reload(ctx, "hotmod"); len(r) != 0 {
		t.Errorf("Reload after Stop: %v", r)
	}
}

// A worker whose Init imported a module just before the file changed, and
// that Reload skipped because it was still starting, reloads the module
// once started, before it serves.
func TestManagerReloadCatchesUpWithStartingWorker(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "stale.py")
	writeFile(t, mod, reloadModule("1"))
	marker := filepath.Join(dir, "init-done")
	// The Init waits at a gate once it has imported stale: the
	// replacement is surely still starting when Reload looks (it used to
	// sleep 2 s, which a slow machine could spend before Reload came).
	gatePath := filepath.Join(dir, "gate")
	writeFile(t, gatePath, "") // open for the first worker
	writeFile(t, filepath.Join(dir, "slowinit.py"),
		"import os, time\n\ndef init(marker, gate):\n    import stale\n    open(marker, 'w').close()\n"+
			"    while not os.path.exists(gate):\n        time.sleep(0.01)\n")
	p := startPool(t, PoolOptions{Size: 1, Worker: Options{Paths: []string{dir},
		Init: &InitCall{Module: "slowinit", Function: "init", Args: []any{marker, gatePath}}}})
	// The first worker's Init wrote a plain file; the replacement's
	// writes the beacon in its place, and waits at the gate, closed again.
	os.Remove(marker)
	if err := os.Remove(gatePath); err != nil {
		t.Fatal(err)
	}
	initDone := testkit.Beacon(t, marker)
	ctx := context.Background()

	restarted := make(chan error, 1)
	go func() { restarted <- p.Restart(ctx, true) }()
	// The replacement has imported stale (version 1) and is still starting.
	testkit.Receive(t, "the replacement's Init", initDone)
	writeFile(t, mod, reloadModule("2"))
	report := p.Reload(ctx, "stale")
	starting := 0
	for _, r := range report {
		if errors.Is(r.Err, ErrWorkerStarting) {
			starting++
		}
	}
	writeFile(t, gatePath, "") // the replacement's Init ends
	if starting != 1 {
		t.Fatalf("report %v: want one worker starting", report)
	}
	if err := testkit.Receive(t, "the restart", restarted); err != nil {
		t.Fatal(err)
	}
	var v int64
	if err := p.CallInto(ctx, &v, "stale", "value"); err != nil {
		t.Fatal(err)
	}
	if v != 2 {
		t.Fatalf("stale.value() = %d after the replacement started: it kept the old code", v)
	}
}
