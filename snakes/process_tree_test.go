package snakes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/taipan-go/taipan/internal/testkit"
)

// pidWatch holds a pidfd per process a test must see gone. Whatever is
// still alive when the test ends is killed, so that a failing test leaves
// nothing behind.
type pidWatch struct {
	pids []int
	fds  []int
}

// watchPids opens a pidfd for each pid (a pid already gone counts as gone).
func watchPids(t *testing.T, pids []int) *pidWatch {
	t.Helper()
	pw := &pidWatch{}
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		if errors.Is(err, unix.ESRCH) {
			continue
		}
		if err != nil {
			t.Fatalf("pidfd_open %d: %v", pid, err)
		}
		pw.pids, pw.fds = append(pw.pids, pid), append(pw.fds, fd)
	}
	t.Cleanup(func() {
		for _, fd := range pw.fds {
			unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
			unix.Close(fd)
		}
	})
	return pw
}

// alive lists the watched processes that have not exited.
func (pw *pidWatch) alive() []int {
	var left []int
	for i, fd := range pw.fds {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(p, 0); n == 0 {
			left = append(left, pw.pids[i])
		}
	}
	return left
}

// waitGone waits until every watched process has exited (its pidfd is
// readable) and fails the test when some are still there after limit.
func (pw *pidWatch) waitGone(t *testing.T, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for i, fd := range pw.fds {
		for {
			left := int(time.Until(start.Add(limit)).Milliseconds())
			p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(p, max(left, 0))
			if err == unix.EINTR {
				continue
			}
			if n == 0 {
				t.Fatalf("processes still alive %v after %v (first: %d)", pw.alive(), limit, pw.pids[i])
			}
			break
		}
	}
	return time.Since(start)
}

// pidFile is a file the fixtures append pids to.
func pidFile(t *testing.T) string {
	return filepath.Join(t.TempDir(), "pids")
}

// readPids reads the pids a fixture recorded.
func readPids(t *testing.T, path string) []int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range strings.Fields(string(b)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, n)
	}
	if len(pids) == 0 {
		t.Fatal("no pids recorded")
	}
	return pids
}

// A generous bound for "promptly" on a loaded machine: far below the 30 s
// and 100 s the fixtures' children live.
const promptly = 15 * time.Second

// A worker that forked and then crashed releases its caller once it is
// gone, with an error that says how it ended and no signal it was not sent,
// and its child is gone too.
func TestForkThenCrash(t *testing.T) {
	for _, fn := range []string{"fork_then_exit", "mp_child_then_exit"} {
		t.Run(fn, func(t *testing.T) {
			w := startWorker(t, Options{})
			path := pidFile(t)
			args := []any{path, 30, 0.1, 7}
			if fn == "mp_child_then_exit" {
				args = []any{path, 30, 7}
			}
			// Bounded by promptly: a deadline of 1 s, as it was, could pass
			// first on a loaded machine (multiprocessing's import alone
			// takes a good part of it), and the call end abandoned.
			ctx, cancel := context.WithTimeout(context.Background(), promptly)
			defer cancel()
			start := time.Now()
			_, err := w.Call(ctx, "process_fixtures", fn, args...)
			took := time.Since(start)
			pw := watchPids(t, readPids(t, path))
			if took > promptly {
				t.Fatalf("the call returned after %v", took)
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Code != 7 || ee.Signal != 0 {
				t.Fatalf("err = %v, want an exit with status 7 and no signal", err)
			}
			var ae *AbandonError
			if errors.As(err, &ae) && strings.Contains(ae.Stage, "SIGKILL") {
				t.Fatalf("err = %v claims a SIGKILL that was not sent", err)
			}
			pw.waitGone(t, promptly)
		})
	}
}

// A forked child does not keep a timed-out call's caller nor Stop waiting.
func TestForkThenTimeout(t *testing.T) {
	w := startWorker(t, Options{})
	path := pidFile(t)
	// The deadline passes once the child is forked (its pid recorded): a
	// real 1 s one could pass before, and no pid be there to watch.
	ctx := newExpiringContext()
	start := time.Now()
	res := make(chan error, 1)
	go func() {
		_, err := w.Call(ctx, "process_fixtures", "fork_then_sleep", path, 30, 30)
		res <- err
	}()
	testkit.Eventually(t, "the child's pid recorded", func() bool {
		b, _ := os.ReadFile(path)
		return strings.HasSuffix(string(b), "\n")
	})
	ctx.expire()
	err := testkit.Receive(t, "the call's release", res)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	pw := watchPids(t, readPids(t, path))
	stopCtx, cancelStop := context.WithTimeout(context.Background(), promptly)
	defer cancelStop()
	if err := w.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if took := time.Since(start); took > promptly {
		t.Fatalf("call and Stop took %v", took)
	}
	pw.waitGone(t, promptly)
}

// A multiprocessing child still runs its own code: it prints, and answers
// through its queue.
func TestMultiprocessingChildRuns(t *testing.T) {
	w := startWorker(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	got, err := w.Call(ctx, "process_fixtures", "mp_roundtrip", 21)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != "[42 0]" {
		t.Fatalf("got %v, want [42 0] (the child's answer, exit status 0)", got)
	}
}

// A descendant holding the reply pipe, in the worker's process group or
// out of it, keeps no caller waiting once the worker died.
// Both ways of reading replies: polling (Spin) and blocking reads.
func TestReplyPipeHolder(t *testing.T) {
	for _, spin := range []time.Duration{0, -1} {
		for _, newSession := range []bool{false, true} {
			t.Run(fmt.Sprintf("spin=%v/new_session=%v", spin, newSession), func(t *testing.T) {
				replyPipeHolder(t, startWorker(t, Options{Spin: spin}), newSession)
			})
		}
	}
}

// The same on the ErlPort profile, whose Python side closes nothing: the
// host's group kill and bounded drain do it all (--packet 2: the relay too).
func TestCompatReplyPipeHolder(t *testing.T) {
	for _, packet := range []int{4, 2} {
		for _, newSession := range []bool{false, true} {
			t.Run(fmt.Sprintf("packet=%d/new_session=%v", packet, newSession), func(t *testing.T) {
				w := startErlPort(t, Options{Command: erlportCommand(t, packet, false), Paths: []string{fixturesDir(t)}})
				replyPipeHolder(t, w, newSession)
			})
		}
	}
}

func replyPipeHolder(t *testing.T, w *Worker, newSession bool) {
	path := pidFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*promptly)
	defer cancel()
	start := time.Now()
	_, err := w.Call(ctx, "process_fixtures", "hold_replies_then_exit", path, 30, 7, newSession)
	took := time.Since(start)
	pw := watchPids(t, readPids(t, path))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 {
		t.Fatalf("err = %v after %v, want an exit with status 7", err, took)
	}
	if took > promptly {
		t.Fatalf("the call returned after %v", took)
	}
	stopCtx, cancelStop := context.WithTimeout(context.Background(), promptly)
	defer cancelStop()
	if err := w.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !newSession {
		pw.waitGone(t, promptly)
	}
}

// Subprocesses (and theirs) are gone after Stop, polite or escalated, and
// Stop does not wait for them to close the worker's stdout and stderr.
func TestSubprocessesGoneAtStop(t *testing.T) {
	for _, escalate := range []bool{false, true} {
		t.Run(fmt.Sprintf("escalate=%v", escalate), func(t *testing.T) {
			w := startWorker(t, Options{StopGrace: 100 * time.Millisecond})
			path := pidFile(t)
			ctx, cancel := context.WithTimeout(context.Background(), promptly)
			defer cancel()
			if _, err := w.Call(ctx, "process_fixtures", "spawn_sleepers", path, 2, 100); err != nil {
				t.Fatal(err)
			}
			pw := watchPids(t, append(readPids(t, path), w.Pid()))
			if escalate {
				// A call that does not end on end of file: Stop escalates.
				running := make(chan struct{})
				w.RegisterFunc("running", func(context.Context, []any) (any, error) { close(running); return nil, nil })
				go w.Call(context.Background(), "process_fixtures", "notify_then_sleep", "running", 60)
				<-running
			}
			start := time.Now()
			if err := w.Stop(ctx); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if took := time.Since(start); took > promptly {
				t.Fatalf("Stop took %v", took)
			}
			pw.waitGone(t, promptly)
		})
	}
}

// A process that left the group is out of reach, but Stop does not wait
// for it to close the stdout and stderr it holds.
func TestStopIgnoresOutputHolder(t *testing.T) {
	w := startWorker(t, Options{})
	path := pidFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	if _, err := w.Call(ctx, "process_fixtures", "hold_output_then_return", path, 100); err != nil {
		t.Fatal(err)
	}
	watchPids(t, readPids(t, path)) // killed at the end
	if err := w.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
}

// Subprocesses are gone once the worker crashed.
func TestSubprocessesGoneAtCrash(t *testing.T) {
	w := startWorker(t, Options{})
	path := pidFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	_, err := w.Call(ctx, "process_fixtures", "spawn_then_exit", path, 100, 3)
	pw := watchPids(t, readPids(t, path))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("err = %v, want an exit with status 3", err)
	}
	pw.waitGone(t, promptly)
}

// The ErlPort profile's Python side does nothing for it: the host's group
// kill does, at Stop and at a crash.
func TestCompatSubprocessesGone(t *testing.T) {
	w := startErlPort(t, Options{Command: erlportCommand(t, 4, false), Paths: []string{fixturesDir(t)}})
	path := pidFile(t)
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	if _, err := w.Call(ctx, "process_fixtures", "spawn_sleepers", path, 2, 100); err != nil {
		t.Fatal(err)
	}
	pw := watchPids(t, readPids(t, path))
	if err := w.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	pw.waitGone(t, promptly)

	w = startErlPort(t, Options{Command: erlportCommand(t, 4, false), Paths: []string{fixturesDir(t)}})
	path = pidFile(t)
	_, err := w.Call(ctx, "process_fixtures", "fork_then_exit", path, 30, 0.1, 7)
	pw = watchPids(t, readPids(t, path))
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 7 {
		t.Fatalf("err = %v, want an exit with status 7", err)
	}
	pw.waitGone(t, promptly)
}

// treeHostEnv makes the test binary a host (see TestMain) that starts a
// native and an ErlPort worker whose code spawns subprocesses and forks,
// records every pid of the tree, says which workers it has and waits to be
// killed.
const treeHostEnv = "SNAKES_TEST_TREE_HOST"

func treeHost(dir string) {
	fail := func(err error) {
		fmt.Println("error", err)
		os.Exit(1)
	}
	in, err := testInterp()
	if err != nil {
		fail(err)
	}
	fixtures, _ := filepath.Abs("testdata")
	erlport := []string{in.Path, "-u", filepath.Join(fixtures, "erlport_wire.py"), "--packet=4", "--nouse_stdio"}
	path := filepath.Join(dir, "pids")
	var pids []string
	for _, opts := range []Options{
		{Interpreter: in, Paths: []string{fixtures}},
		{Profile: ProfileErlPort, Command: erlport, Paths: []string{fixtures}},
	} {
		w, err := Start(context.Background(), opts)
		if err != nil {
			fail(err)
		}
		if _, err := w.Call(context.Background(), "process_fixtures", "spawn_sleepers", path, 2, 100); err != nil {
			fail(err)
		}
		if _, err := w.Call(context.Background(), "process_fixtures", "fork_then_sleep", path, 100, 0); err != nil {
			fail(err)
		}
		pids = append(pids, strconv.Itoa(w.Pid()))
	}
	fmt.Println("workers", strings.Join(pids, " "))
	select {}
}

// After a SIGKILL of the host, every process of its workers' trees is gone
// (the lifeline: each worker's reaper kills its process group), on both
// profiles.
func TestSubprocessesGoneWhenHostKilled(t *testing.T) {
	interp(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), treeHostEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line, _ := bufio.NewReader(out).ReadString('\n')
	workers, ok := strings.CutPrefix(strings.TrimSpace(line), "workers ")
	if !ok {
		t.Fatalf("host said %q", line)
	}
	pids := readPids(t, filepath.Join(dir, "pids"))
	for _, f := range strings.Fields(workers) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	pw := watchPids(t, pids)
	if len(pw.alive()) != len(pids) {
		t.Fatalf("some of %v were gone before the host was killed: alive %v", pids, pw.alive())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	took := pw.waitGone(t, promptly)
	t.Logf("%d processes gone %v after the host's SIGKILL", len(pids), took)
}

// The reaper lives in the worker's process group, ignores the SIGINT the
// escalation sends the group, and is reaped with the worker.
func TestReaper(t *testing.T) {
	w := startWorker(t, Options{})
	if w.reaper == nil {
		t.Fatal("no reaper")
	}
	rpid := w.reaper.Process.Pid
	pw := watchPids(t, []int{rpid})
	if g, err := unix.Getpgid(rpid); err != nil || g != w.Pid() {
		t.Fatalf("the reaper's group is %d (%v), want the worker's %d", g, err, w.Pid())
	}
	ctx, cancel := context.WithTimeout(context.Background(), promptly)
	defer cancel()
	// A first call makes sure the worker handles SIGINT; one after it
	// gives the signal time to land.
	for _, sig := range []syscall.Signal{syscall.SIGINT, 0} {
		if _, err := w.Call(ctx, "fixtures", "echo", 1); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(-w.Pid(), sig); err != nil {
			t.Fatal(err)
		}
	}
	if len(pw.alive()) != 1 {
		t.Fatal("the reaper died of SIGINT")
	}
	if err := w.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	pw.waitGone(t, promptly)
	if w.reaper.ProcessState == nil {
		t.Fatal("the reaper was not reaped")
	}
}

// Subprocesses are gone once a pool slays their worker, whatever the
// style: polite (SIGTERM, then SIGKILL), brutal (SIGKILL), drain (end of
// file once its calls are done).
func TestSubprocessesGoneAtSlay(t *testing.T) {
	for _, style := range []SlayStyle{SlayPolite, SlayBrutal, SlayDrain} {
		t.Run(style.String(), func(t *testing.T) {
			p := startPool(t, PoolOptions{Size: 1})
			path := pidFile(t)
			ctx, cancel := context.WithTimeout(context.Background(), promptly)
			defer cancel()
			if _, err := p.Call(ctx, "process_fixtures", "spawn_sleepers", path, 2, 100); err != nil {
				t.Fatal(err)
			}
			workers := p.List()
			if len(workers) != 1 {
				t.Fatalf("workers %+v", workers)
			}
			pw := watchPids(t, append(readPids(t, path), workers[0].Pid))
			if err := p.Slay(ctx, workers[0].ID, style); err != nil {
				t.Fatal(err)
			}
			pw.waitGone(t, promptly)
		})
	}
}
