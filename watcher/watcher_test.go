package watcher

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/snakes"
)

// testInterp resolves python3 once for the test binary (a test-only cache).
var testInterp = sync.OnceValues(func() (*snakes.Interpreter, error) {
	dir, err := os.MkdirTemp("", "taipan-watcher-test-")
	if err != nil {
		return nil, err
	}
	return snakes.ResolveInterpreter(context.Background(), snakes.InterpreterOptions{CacheDir: dir})
})

// startPool starts a pool of size workers on dir, stopped when the test ends.
func startPool(t *testing.T, dir string, size int) *snakes.Pool {
	t.Helper()
	in, err := testInterp()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	p, err := snakes.NewPool(testkit.Context(t), snakes.PoolOptions{Size: size,
		Worker: snakes.Options{Interpreter: in, Paths: []string{dir}, AllowEval: true}})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
		defer cancel()
		p.Stop(ctx)
	})
	return p
}

// watch starts a watcher over dir for target, serving until the test ends,
// and returns it with the channel of its reports.
func watch(t *testing.T, dir string, target Target, strategy Strategy, debounce time.Duration) (*Watcher, <-chan Report) {
	t.Helper()
	reports := make(chan Report, 100)
	w, err := New(Options{Paths: []string{dir}, Target: target, Strategy: strategy, Debounce: debounce,
		OnReport: func(r Report) { reports <- r }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- w.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	select {
	case <-w.Ready():
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	case <-time.After(testkit.Patience):
		t.Fatal("the watch was never armed")
	}
	return w, reports
}

// next waits for the next report.
func next(t *testing.T, reports <-chan Report) Report {
	t.Helper()
	r := testkit.Receive(t, "a report", reports)
	t.Logf("report: %v", r)
	return r
}

// write saves text at path as an editor that saves by rename does: the
// whole new file appears at once, in one event. os.WriteFile would make
// two (the truncation, then the write): a writer paused between them for
// longer than the debounce would have the watcher reload an empty file,
// and a second batch follow.
func write(t *testing.T, path, text string) {
	t.Helper()
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Beside the file (one file system), under a name the watcher ignores.
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		t.Fatal(err)
	}
}

// overwrite writes text over the file at path in place, as an editor that
// saves in place does, in a single write and without truncating (one
// event, like write's rename): text must not be shorter than the file.
func overwrite(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() > int64(len(text)) {
		t.Fatalf("overwrite %s: %d bytes over %v (%v): the rest would be left", path, len(text), fi.Size(), err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// module is a module whose value() returns v; slow(marker, secs) writes
// marker, sleeps and returns value() as it was when it began.
func module(v string) string {
	return "import time\n\ndef value():\n    return " + v + "\n\n" +
		"def slow(marker, secs):\n    v = value()\n    open(marker, 'w').close()\n    time.sleep(secs)\n    return v\n"
}

// values leases n different workers at once and returns module.function()
// of each.
func values(t *testing.T, p *snakes.Pool, n int, mod, function string) []any {
	t.Helper()
	ctx := context.Background()
	var out []any
	var leases []*snakes.Lease
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
		v, err := l.Call(ctx, mod, function)
		if err != nil {
			out = append(out, err)
			continue
		}
		out = append(out, v)
	}
	return out
}

func same(v any, n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func statuses(r Report) []snakes.ReloadStatus {
	var out []snakes.ReloadStatus
	for _, w := range r.Workers {
		out = append(out, w.Status)
	}
	return out
}

func TestEditReachesEveryWorker(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hot.py")
	write(t, file, module("1"))
	p := startPool(t, dir, 3)
	values(t, p, 3, "hot", "value") // every worker imports it
	_, reports := watch(t, dir, p, StrategyReload, 100*time.Millisecond)
	ctx := context.Background()

	// One worker bound to a session, one busy with a slow call, one idle.
	s, err := p.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	marker := filepath.Join(t.TempDir(), "started")
	began := testkit.Beacon(t, marker)
	slow := make(chan any, 1)
	go func() {
		v, err := p.Call(ctx, "hot", "slow", marker, 1.0)
		if err != nil {
			v = err
		}
		slow <- v
	}()
	testkit.Receive(t, "the slow call to begin", began)

	write(t, file, module("22"))
	r := next(t, reports)
	if !slices.Equal(r.Files, []string{file}) || !slices.Equal(r.Modules, []string{"hot"}) || r.Strategy != StrategyReload || r.Err != nil {
		t.Errorf("report: %+v", r)
	}
	if got := statuses(r); !slices.Equal(got, []snakes.ReloadStatus{snakes.Reloaded, snakes.Reloaded, snakes.Reloaded}) {
		t.Errorf("workers: %v", r.Workers)
	}
	if v := testkit.Receive(t, "the slow call", slow); v != int64(1) {
		t.Errorf("the busy worker's call: %v, want 1 (it began before the edit)", v)
	}
	if v, err := s.Call(ctx, "hot", "value"); v != int64(22) || err != nil {
		t.Errorf("session: %v %v", v, err)
	}
	s.Close()
	if got := values(t, p, 3, "hot", "value"); !slices.Equal(got, same(int64(22), 3)) {
		t.Errorf("after the edit: %v", got)
	}
}

func TestSubmoduleAndSyntaxError(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app", "__init__.py"), "")
	write(t, filepath.Join(dir, "app", "api.py"), "from app.models.price import value\n\ndef get():\n    return value()\n")
	sub := filepath.Join(dir, "app", "models", "price.py")
	write(t, filepath.Join(dir, "app", "models", "__init__.py"), "")
	write(t, sub, "def value():\n    return 10\n")
	p := startPool(t, dir, 2)
	values(t, p, 2, "app.api", "get")
	_, reports := watch(t, dir, p, StrategyReload, 100*time.Millisecond)

	// The submodule changes; api, which did `from ... import value`, is
	// reloaded after it and sees the new function.
	write(t, sub, "def value():\n    return 20\n")
	r := next(t, reports)
	if !slices.Equal(r.Modules, []string{"app.models.price"}) || !r.OK() {
		t.Fatalf("report: %v", r)
	}
	for _, w := range r.Workers {
		var names []string
		for _, m := range w.Modules {
			names = append(names, m.Module)
		}
		// The packages refer to their submodules: they are reloaded too.
		if i, j := slices.Index(names, "app.models.price"), slices.Index(names, "app.api"); i != 0 || j < i {
			t.Errorf("reload order: %v", names)
		}
	}
	if got := values(t, p, 2, "app.api", "get"); !slices.Equal(got, same(int64(20), 2)) {
		t.Errorf("after the edit: %v", got)
	}

	// A syntax error: every worker keeps the old code and says why.
	write(t, sub, "def value(:\n    return 30\n")
	r = next(t, reports)
	if got := statuses(r); !slices.Equal(got, []snakes.ReloadStatus{snakes.ReloadFailed, snakes.ReloadFailed}) || r.OK() {
		t.Fatalf("workers: %v", r.Workers)
	}
	for _, w := range r.Workers {
		var pe *snakes.PythonError
		if !errors.As(w.Err, &pe) || pe.Type != "builtins.SyntaxError" {
			t.Errorf("worker error: %v", w.Err)
		}
	}
	if got := values(t, p, 2, "app.api", "get"); !slices.Equal(got, same(int64(20), 2)) {
		t.Errorf("after the syntax error: %v", got)
	}

	// Fixed: the new code is in.
	write(t, sub, "def value():\n    return 40\n")
	if r := next(t, reports); !r.OK() {
		t.Fatalf("report: %v", r)
	}
	if got := values(t, p, 2, "app.api", "get"); !slices.Equal(got, same(int64(40), 2)) {
		t.Errorf("after the fix: %v", got)
	}
}

func TestBurstIsOneBatch(t *testing.T) {
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "burst.py"), filepath.Join(dir, "burst2.py")}
	for _, f := range files {
		write(t, f, module("0"))
	}
	p := startPool(t, dir, 1)
	values(t, p, 1, "burst", "value")
	values(t, p, 1, "burst2", "value")
	_, reports := watch(t, dir, p, StrategyReload, 300*time.Millisecond)

	// 50 writes within about 100 ms, over two files, and files the
	// watcher ignores: one batch.
	for i := range 50 {
		write(t, files[i%2], module(strconv.Itoa(i)))
		if i%10 == 0 {
			for _, junk := range []string{".burst.py.swp", "burst.py~", "4913", "x.tmp", "__pycache__/burst.cpython.pyc"} {
				write(t, filepath.Join(dir, junk), "junk")
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	r := next(t, reports)
	if !slices.Equal(r.Files, files) || !slices.Equal(r.Modules, []string{"burst", "burst2"}) || !r.OK() {
		t.Errorf("report: %v %v", r.Files, r)
	}
	// A later change makes the next batch: nothing came in between.
	write(t, filepath.Join(dir, "sentinel.py"), "")
	r = next(t, reports)
	if !slices.Equal(r.Modules, []string{"sentinel"}) {
		t.Errorf("a second batch for the burst: %v", r)
	}
	if got := values(t, p, 1, "burst", "value"); got[0] != int64(48) { // its last write
		t.Errorf("burst.value() = %v, want 48", got[0])
	}
}

func TestNewDirectoryIsWatched(t *testing.T) {
	dir := t.TempDir()
	p := startPool(t, dir, 2)
	_, reports := watch(t, dir, p, StrategyReload, 100*time.Millisecond)

	// A package in directories made after the start: seen, and skipped by
	// workers that never imported it.
	init := filepath.Join(dir, "plugins", "extra", "__init__.py")
	write(t, init, module("1"))
	r := next(t, reports)
	if !slices.Equal(r.Modules, []string{"plugins.extra"}) {
		t.Fatalf("report: %v", r)
	}
	for _, w := range r.Workers {
		if w.Status != snakes.ReloadSkipped || !errors.Is(w.Err, snakes.ErrNotLoaded) {
			t.Errorf("worker: %v", w)
		}
	}
	if got := values(t, p, 2, "plugins.extra", "value"); !slices.Equal(got, same(int64(1), 2)) {
		t.Fatalf("first import: %v", got)
	}
	write(t, init, module("2"))
	if r := next(t, reports); !r.OK() || !slices.Equal(statuses(r), []snakes.ReloadStatus{snakes.Reloaded, snakes.Reloaded}) {
		t.Fatalf("report: %v", r)
	}
	if got := values(t, p, 2, "plugins.extra", "value"); !slices.Equal(got, same(int64(2), 2)) {
		t.Errorf("after the edit: %v", got)
	}
}

func TestDeletedAndRenamedFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gone.py")
	write(t, file, module("7"))
	p := startPool(t, dir, 2)
	values(t, p, 2, "gone", "value")
	_, reports := watch(t, dir, p, StrategyReload, 100*time.Millisecond)

	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	r := next(t, reports)
	if !slices.Equal(r.Removed, []string{file}) || !slices.Equal(r.Modules, []string{"gone"}) {
		t.Fatalf("report: %v", r)
	}
	for _, w := range r.Workers {
		var pe *snakes.PythonError
		if w.Status != snakes.ReloadFailed || !errors.As(w.Err, &pe) || pe.Type != "builtins.ModuleNotFoundError" {
			t.Errorf("worker: %v", w)
		}
	}
	if got := values(t, p, 2, "gone", "value"); !slices.Equal(got, same(int64(7), 2)) {
		t.Errorf("the workers keep the old code: %v", got)
	}

	// A rename is a removal and a creation.
	write(t, file, module("8"))
	if r := next(t, reports); !r.OK() {
		t.Fatalf("back: %v", r)
	}
	moved := filepath.Join(dir, "moved.py")
	if err := os.Rename(file, moved); err != nil {
		t.Fatal(err)
	}
	r = next(t, reports)
	if !slices.Equal(r.Files, []string{file, moved}) || !slices.Equal(r.Removed, []string{file}) || !slices.Equal(r.Modules, []string{"gone", "moved"}) {
		t.Errorf("rename: %v %v %v", r.Files, r.Removed, r)
	}
	if got := values(t, p, 2, "moved", "value"); !slices.Equal(got, same(int64(8), 2)) {
		t.Errorf("moved: %v", got)
	}
}

// TestRestartAfterSameSizeEdit: an edit that keeps the file's size and
// its modification second (a digit changed by a tool, saved at once) is
// the code a restart's fresh workers run, under either strategy. Python
// alone would take the compiled file of the old version as current (it
// checks only size and whole-second mtime); the test makes that exact case
// every time: the edit carries the old mtime and arrives by one rename.
func TestRestartAfterSameSizeEdit(t *testing.T) {
	for _, strategy := range []Strategy{StrategyRestart, StrategyReload} {
		t.Run(strategy.String(), func(t *testing.T) {
			dir := t.TempDir()
			file := filepath.Join(dir, "samesize.py")
			stamp := time.Unix(1_700_000_000, 0)
			save := func(text string) {
				t.Helper()
				tmp := filepath.Join(dir, ".samesize.py.new") // ignored by the watcher
				if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(tmp, stamp, stamp); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(tmp, file); err != nil {
					t.Fatal(err)
				}
			}
			save(module("1"))
			in, err := testInterp()
			if err != nil {
				t.Fatal(err)
			}
			// The compiled file a worker would write on import (this
			// machine may set PYTHONDONTWRITEBYTECODE; a user's seldom does).
			compile := exec.Command(in.Path, "-c", "import py_compile, sys; py_compile.compile(sys.argv[1], doraise=True)", file)
			if out, err := compile.CombinedOutput(); err != nil {
				t.Fatalf("py_compile: %v %s", err, out)
			}
			p := startPool(t, dir, 2)
			if got := values(t, p, 2, "samesize", "value"); !slices.Equal(got, same(int64(1), 2)) {
				t.Fatalf("before: %v", got)
			}
			_, reports := watch(t, dir, p, strategy, 100*time.Millisecond)
			save(module("2"))
			if r := next(t, reports); r.Err != nil {
				t.Fatalf("report: %v", r)
			}
			if got := values(t, p, 2, "samesize", "value"); !slices.Equal(got, same(int64(2), 2)) {
				t.Errorf("after the edit: %v (the compiled file of version 1 was taken as current)", got)
			}
		})
	}
}

func TestRestartUnderLoad(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hot.py")
	write(t, file, module("1"))
	p := startPool(t, dir, 2)
	_, reports := watch(t, dir, p, StrategyRestart, 100*time.Millisecond)
	before := p.List()

	var (
		calls   testkit.Counter
		failed  atomic.Int64
		lastErr atomic.Value
		wg      sync.WaitGroup
		stop    = make(chan struct{})
	)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
				_, err := p.Call(ctx, "hot", "value")
				cancel()
				calls.Add()
				if err != nil {
					failed.Add(1)
					lastErr.Store(err)
				}
			}
		})
	}
	calls.WaitMore(t, "calls to flow", 20)
	write(t, file, module("2"))
	r := next(t, reports)
	if r.Strategy != StrategyRestart || r.Err != nil || len(r.Workers) != 0 {
		t.Errorf("report: %v", r)
	}
	calls.WaitMore(t, "calls after the restart", 20)
	close(stop)
	wg.Wait()
	if f := failed.Load(); f != 0 {
		t.Fatalf("%d of %d calls failed; last: %v", f, calls.Load(), lastErr.Load())
	}
	for _, old := range before {
		for _, now := range p.List() {
			if now.ID == old.ID {
				t.Errorf("worker %s was not replaced", old.ID)
			}
		}
	}
	if got := values(t, p, 2, "hot", "value"); !slices.Equal(got, same(int64(2), 2)) {
		t.Errorf("after the restart: %v", got)
	}
}

// fakeTarget records what it is asked; for the tests of the watcher's
// own behaviour, where no Python is needed to tell.
type fakeTarget struct {
	mu       sync.Mutex
	reloads  [][]string
	restarts []bool
}

func (f *fakeTarget) Reload(_ context.Context, modules ...string) []snakes.WorkerReload {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reloads = append(f.reloads, modules)
	return nil
}

func (f *fakeTarget) Restart(_ context.Context, rolling bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.restarts = append(f.restarts, rolling)
	return nil
}

func TestServeEndsWithItsContext(t *testing.T) {
	base := testkit.TakeCensus()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "sub", "m.py"), "")
	target := &fakeTarget{}
	reports := make(chan Report, 10)
	w, err := New(Options{Paths: []string{dir}, Target: target, Debounce: 50 * time.Millisecond,
		OnReport: func(r Report) { reports <- r }})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // a Watcher may serve again after Serve returned
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- w.Serve(ctx) }()
		testkit.Receive(t, "the watch to be armed", w.Ready())
		if err := w.Serve(ctx); !errors.Is(err, ErrServing) {
			t.Errorf("a second Serve: %v", err)
		}
		// In place: the watcher's Write events, beside the renames of
		// the other tests.
		overwrite(t, filepath.Join(dir, "sub", "m.py"), "x = 1\n")
		testkit.Receive(t, "the report", reports)
		cancel()
		if err := testkit.Receive(t, "Serve to return", served); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	// Serve's goroutines and its inotify fd, gone once it returned.
	testkit.NoLeaks(t, base)
	if !slices.EqualFunc(target.reloads, [][]string{{"sub.m"}, {"sub.m"}}, slices.Equal) {
		t.Errorf("reloads: %v", target.reloads)
	}

	// The manual Reload goes to the hook too.
	r := w.Reload(context.Background(), "b", "a", "b")
	if !slices.Equal(r.Modules, []string{"a", "b"}) || len(reports) != 1 {
		t.Errorf("manual reload: %v", r)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.py")
	write(t, file, "")
	target := &fakeTarget{}
	cases := []struct {
		name string
		opts Options
		want error
	}{
		{"no target", Options{Paths: []string{dir}}, ErrNoTarget},
		{"no paths", Options{Target: target}, ErrNoPaths},
		{"a file", Options{Target: target, Paths: []string{file}}, ErrNotDir},
		{"missing", Options{Target: target, Paths: []string{filepath.Join(dir, "nope")}}, os.ErrNotExist},
		{"strategy", Options{Target: target, Paths: []string{dir}, Strategy: 9}, ErrBadStrategy},
		{"debounce", Options{Target: target, Paths: []string{dir}, Debounce: -time.Second}, ErrBadDebounce},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := New(c.opts); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
	var pe *PathError
	if _, err := New(Options{Target: target, Paths: []string{file}}); !errors.As(err, &pe) || pe.Path != file {
		t.Errorf("PathError: %v", err)
	}
}
