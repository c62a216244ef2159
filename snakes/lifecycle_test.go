package snakes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/testkit"
)

// TestNoGoroutineLeak: workers that made calls, callbacks and an
// abandoned stream leave no goroutine, fd or zombie behind once stopped.
func TestNoGoroutineLeak(t *testing.T) {
	in := interp(t)
	base := testkit.TakeCensus()
	for i := 0; i < 3; i++ {
		w, err := Start(testkit.Context(t), Options{Interpreter: in, Paths: []string{fixturesDir(t)}, OnMessage: func(any) {}})
		if err != nil {
			t.Fatal(err)
		}
		w.RegisterFunc("double", func(ctx context.Context, args []any) (any, error) { return args[0], nil })
		if _, err := w.Call(context.Background(), "fixtures", "call_go", "double", 1); err != nil {
			t.Fatal(err)
		}
		for range w.Stream(context.Background(), "fixtures", "count", 1000) {
			break
		}
		pid := w.Pid()
		if err := w.Stop(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Reaped: no zombie left behind.
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			t.Fatalf("process %d still exists after Stop", pid)
		}
	}
	testkit.NoLeaks(t, base)
}

func TestStopEscalates(t *testing.T) {
	w := startWorker(t, Options{StopGrace: 100 * time.Millisecond})
	marker, running := beacon(t, "running")
	done := make(chan error, 1)
	go func() {
		_, err := w.Call(context.Background(), "fixtures", "ignore_sigint", 30, marker)
		done <- err
	}()
	testkit.Receive(t, "the call to run", running)
	start := time.Now()
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Stop took %v", d)
	}
	if err := testkit.Receive(t, "the call cut short", done); !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("the call in flight: %v, want ErrWorkerExited", err)
	}
}

// TestMain fails the package when its tests leave a goroutine of
// taipan's or an unreaped process behind. The test binary is also the host
// that TestHostKilled and TestSubprocessesGoneWhenHostKilled kill: then it
// runs no test.
func TestMain(m *testing.M) {
	if marker := os.Getenv("SNAKES_TEST_HOST"); marker != "" {
		hostProcess(marker)
		return
	}
	if dir := os.Getenv(treeHostEnv); dir != "" {
		treeHost(dir)
		return
	}
	stale := deadWorkerCgroups()
	code := testkit.Main(m)
	if left := deadWorkerCgroups(); code == 0 && len(left) > len(stale) {
		fmt.Fprintf(os.Stderr, "snakes: the tests passed but left the cgroups of dead workers: %v (before: %v)\n", left, stale)
		code = 1
	}
	os.Exit(code)
}

// hostProcess is TestHostKilled's host: it starts two workers, each busy
// with a long call, says so, and waits to be killed (or for its stdin to
// close: the test is gone).
func hostProcess(marker string) {
	in, err := testInterp()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	dir, _ := filepath.Abs("testdata")
	var pids []string
	for i := 0; i < 2; i++ {
		w, err := Start(context.Background(), Options{Interpreter: in, Paths: []string{dir},
			Env: []string{"SNAKES_MARKER=" + marker}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		go w.Call(context.Background(), "fixtures", "sleep", 60)
		pids = append(pids, strconv.Itoa(w.Pid()))
	}
	fmt.Println("ready", strings.Join(pids, " "))
	io.Copy(io.Discard, os.Stdin)
	os.Exit(1)
}

// pythonsWithMarker lists the processes whose environment holds the marker.
func pythonsWithMarker(marker string) []string {
	var found []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		env, err := os.ReadFile(filepath.Join(d, "environ"))
		if err != nil {
			continue
		}
		if strings.Contains(string(env), "SNAKES_MARKER="+marker) {
			found = append(found, filepath.Base(d))
		}
	}
	return found
}

// TestHostKilled: the workers of a host killed by SIGKILL die with it
// (their lifeline).
func TestHostKilled(t *testing.T) {
	interp(t) // resolved before the child runs, so it measures nothing else
	marker := fmt.Sprintf("m%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SNAKES_TEST_HOST="+marker)
	stdin, err := cmd.StdinPipe() // the host ends when it closes
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	said := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		said <- line
	}()
	line := testkit.Receive(t, "the host to start its workers", said)
	workers, ok := strings.CutPrefix(strings.TrimSpace(line), "ready ")
	if !ok {
		t.Fatalf("helper said %q", line)
	}
	var pids []int
	for _, f := range strings.Fields(workers) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	pw := watchPids(t, pids)
	if n := len(pythonsWithMarker(marker)); n != 2 || len(pw.alive()) != 2 {
		t.Fatalf("found %d marked pythons (workers %v alive: %v), want 2", n, pids, pw.alive())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	pw.waitGone(t, promptly)
	if left := pythonsWithMarker(marker); len(left) > 0 {
		t.Fatalf("python processes left after the host was killed: %v", left)
	}
}
