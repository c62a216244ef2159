package snakes

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestNoGoroutineLeak(t *testing.T) {
	in := interp(t)
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		w, err := Start(context.Background(), Options{Interpreter: in, Paths: []string{fixturesDir(t)}, OnMessage: func(any) {}})
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
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestStopEscalates(t *testing.T) {
	w := startWorker(t, Options{StopGrace: 100 * time.Millisecond})
	go w.Call(context.Background(), "fixtures", "ignore_sigint", 30)
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Stop took %v", d)
	}
}

// The helper process for TestHostKilled: it starts workers, says so, and
// waits to be killed.
func TestMain(m *testing.M) {
	if marker := os.Getenv("SNAKES_TEST_HOST"); marker != "" {
		hostProcess(marker)
		return
	}
	if dir := os.Getenv(treeHostEnv); dir != "" {
		treeHost(dir)
		return
	}
	os.Exit(m.Run())
}

func hostProcess(marker string) {
	in, err := testInterp()
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	dir, _ := filepath.Abs("testdata")
	for i := 0; i < 2; i++ {
		w, err := Start(context.Background(), Options{Interpreter: in, Paths: []string{dir},
			Env: []string{"SNAKES_MARKER=" + marker}})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		go w.Call(context.Background(), "fixtures", "sleep", 60)
	}
	fmt.Println("ready")
	time.Sleep(time.Minute)
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

func TestHostKilled(t *testing.T) {
	interp(t) // resolved before the child runs, so it measures nothing else
	marker := fmt.Sprintf("m%d-%d", os.Getpid(), time.Now().UnixNano())
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SNAKES_TEST_HOST="+marker)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q", line)
	}
	if n := len(pythonsWithMarker(marker)); n != 2 {
		t.Fatalf("found %d marked pythons, want 2", n)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := pythonsWithMarker(marker)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("python processes left after the host was killed: %v", left)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
