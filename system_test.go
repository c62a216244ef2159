package taipan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/supervisor"
	"github.com/taipan-go/taipan/watcher"
)

func startSystem(t *testing.T, opts Options) *System {
	t.Helper()
	s, err := Start(testkit.Context(t), opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		pids := allPids(s)
		ctx, cancel := context.WithTimeout(context.Background(), testkit.Patience)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		for _, pid := range pids {
			if testkit.Alive(pid) {
				t.Errorf("python process %d survived Stop", pid)
			}
		}
	})
	return s
}

func allPids(s *System) []int {
	var pids []int
	for _, name := range s.Pools().Names() {
		p, _ := s.Pool(name)
		for _, w := range p.List() {
			pids = append(pids, w.Pid)
		}
	}
	return pids
}

func fixtures(t *testing.T) string {
	d, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDefaultModulePathIsTheCallersDirectory(t *testing.T) {
	wd, _ := os.Getwd()
	if got := callerDir(0); got != wd {
		t.Fatalf("callerDir = %q, want this test's directory %q", got, wd)
	}
}

func TestSystemCallsAndRoutes(t *testing.T) {
	s := startSystem(t, Options{
		Paths:   []string{fixtures(t)},
		Default: PoolOptions{Size: 2},
		IO:      PoolOptions{Size: 1},
		Pools:   map[string]PoolOptions{"side": {Size: 1}},
		Routes:  map[string]string{"facade_mod.pid": "side"},
	})
	ctx := context.Background()
	if v, err := s.Call(ctx, "facade_mod", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("Call = %v, %v", v, err)
	}
	var where string
	if err := s.CallInto(ctx, &where, "facade_mod", "where"); err != nil || filepath.Dir(where) != fixtures(t) {
		t.Fatalf("module loaded from %q (%v)", where, err)
	}
	side, _ := s.Pool("side")
	pid, err := s.Call(ctx, "facade_mod", "pid")
	if err != nil || len(side.List()) != 1 || pid != int64(side.List()[0].Pid) {
		t.Fatalf("routed call ran in %v (%v), want the side pool's worker %v", pid, err, side.List())
	}
	if got := s.Pools().Names(); !slices.Equal(poolOrder(got), []string{"default", "io", "side"}) {
		t.Fatalf("pools %v", got)
	}
	var n int
	for v, err := range s.Stream(ctx, "builtins", "range", 3) {
		if err != nil {
			t.Fatal(err)
		}
		n += int(v.(int64))
	}
	if n != 3 {
		t.Fatalf("stream summed to %d", n)
	}
}

// A pool past its restart intensity fails and the root supervisor
// revives it: the same handle, fresh workers.
func TestSystemRevivesAFailedPool(t *testing.T) {
	var events testkit.Recorder[supervisor.Event]
	s := startSystem(t, Options{
		Paths:   []string{fixtures(t)},
		NoIO:    true,
		Default: PoolOptions{Size: 2, Intensity: supervisor.Intensity{MaxRestarts: 1, Period: time.Minute}},
		OnEvent: events.Record,
	})
	p, _ := s.Pool("default")
	old := allPids(s)
	for _, pid := range old {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	events.Wait(t, "the failed pool's restart", func(e supervisor.Event) bool {
		r, ok := e.(supervisor.ChildRestarted)
		return ok && r.Child == "pool:default"
	})
	ctx := testkit.Context(t)
	// The restarted child revives the pool in its Started handler, after
	// the supervisor told of the restart: nothing signals the revival.
	var v any
	var err error
	testkit.Eventually(t, "the revived pool to serve", func() bool {
		v, err = s.Call(ctx, "facade_mod", "pid")
		return !errors.Is(err, snakes.ErrPoolFailed)
	})
	if err != nil || slices.Contains(old, int(v.(int64))) {
		t.Fatalf("call after revival: %v %v (old pids %v)", v, err, old)
	}
	if q, _ := s.Pool("default"); q != p {
		t.Fatal("the pool handle changed")
	}
	if s.Err() != nil {
		t.Fatalf("root supervisor: %v", s.Err())
	}
}

func TestSystemAddRemovePool(t *testing.T) {
	s := startSystem(t, Options{Paths: []string{fixtures(t)}, NoIO: true, Default: PoolOptions{Size: 1}})
	ctx := context.Background()
	p, err := s.AddPool(ctx, "extra", PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Pools().Route("facade_mod", "extra"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Call(ctx, "facade_mod", "pid"); err != nil || v != int64(p.List()[0].Pid) {
		t.Fatalf("call routed to the added pool: %v %v", v, err)
	}
	if _, err := s.AddPool(ctx, "extra", PoolOptions{Size: 1}); !errors.Is(err, snakes.ErrPoolExists) {
		t.Fatalf("second AddPool: %v", err)
	}
	if err := s.RemovePool(ctx, "extra"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool("extra"); !errors.Is(err, snakes.ErrNoSuchPool) {
		t.Fatalf("Pool after RemovePool: %v", err)
	}
}

func TestStartFailsCleanly(t *testing.T) {
	_, err := Start(context.Background(), Options{Python: "/nonexistent/python3"})
	if err == nil {
		t.Fatal("Start with a missing interpreter succeeded")
	}
}

func TestSystemPetsAndHotReload(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "live.py")
	// Saved by rename, as editors do: the new file appears whole, in one
	// event. os.WriteFile's truncation and write are two: a pause between
	// them longer than the debounce would reload an empty module (keeping
	// version 1) and report it before the edit is in.
	write := func(body string) {
		t.Helper()
		tmp := filepath.Join(t.TempDir(), "live.py")
		if err := os.WriteFile(tmp, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, mod); err != nil {
			t.Fatal(err)
		}
	}
	write("STATE = []\n\ndef init():\n    STATE.append('ready')\n\ndef version():\n    return 1\n\ndef state():\n    return len(STATE)\n")
	reports := make(chan watcher.Report, 16)
	s := startSystem(t, Options{
		Paths:     []string{dir},
		NoIO:      true,
		Default:   PoolOptions{Size: 2},
		Pets:      map[string]pets.PetOptions{"keeper": {Init: &snakes.InitCall{Module: "live", Function: "init"}}},
		HotReload: &watcher.Options{Debounce: 50 * time.Millisecond, OnReport: func(r watcher.Report) { reports <- r }},
	})
	ctx := context.Background()
	// Both pool workers load the module; a session holds one of them.
	sess, err := s.Pools().Session(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if v, err := sess.Call(ctx, "live", "version"); err != nil || v != int64(1) {
		t.Fatalf("session call: %v %v", v, err)
	}
	if v, err := s.Call(ctx, "live", "version"); err != nil || v != int64(1) {
		t.Fatalf("pool call: %v %v", v, err)
	}
	if v, err := s.Pets().Call(ctx, "keeper", "live", "state"); err != nil || v != int64(1) {
		t.Fatalf("pet state after Init: %v %v", v, err)
	}

	write("STATE = []\n\ndef init():\n    STATE.append('ready')\n\ndef version():\n    return 2\n\ndef state():\n    return len(STATE)\n")
	r := testkit.Receive(t, "the reload report after the edit", reports)
	if !slices.Equal(r.Modules, []string{"live"}) {
		t.Fatalf("report modules %v", r.Modules)
	}
	owners := map[string]int{}
	for _, w := range r.Workers {
		if w.Status == snakes.Reloaded {
			owners[w.Owner]++
		}
	}
	if owners["default"] != 2 || owners["pet:keeper"] != 1 {
		t.Fatalf("reloaded workers by owner %v, want 2 of the pool and the pet: %v", owners, r)
	}
	if v, err := sess.Call(ctx, "live", "version"); err != nil || v != int64(2) {
		t.Fatalf("session after reload: %v %v", v, err)
	}
	if v, err := s.Pets().Call(ctx, "keeper", "live", "version"); err != nil || v != int64(2) {
		t.Fatalf("pet after reload: %v %v", v, err)
	}

	// A manual Reload goes through the watcher's log and hook too.
	r = s.Reload(ctx, "live")
	if rel, failed, _ := r.Counts(); rel != 3 || failed != 0 {
		t.Fatalf("manual reload: %v", r)
	}
	testkit.Receive(t, "the manual reload's report", reports)

	// RestartAll: every worker replaced (the session's once it ends), the
	// pet's Init run again.
	before := allPids(s)
	petBefore, _ := s.Pets().Info("keeper")
	if err := s.RestartAll(ctx, true); err != nil {
		t.Fatal(err)
	}
	sess.Close()
	// The session's worker leaves the pool after Close, in the background.
	testkit.Eventually(t, fmt.Sprintf("workers %v to be replaced after RestartAll", before), func() bool {
		return !slices.ContainsFunc(allPids(s), func(pid int) bool { return slices.Contains(before, pid) })
	})
	petAfter, _ := s.Pets().Info("keeper")
	if petAfter.Pid == petBefore.Pid {
		t.Fatal("the pet survived RestartAll")
	}
	st := s.Stats()
	if st.Pools["default"].Workers != 2 || len(st.Pets) != 1 || st.Pets[0].Name != "keeper" {
		t.Fatalf("stats %+v", st)
	}
}
