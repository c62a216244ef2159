package testkit

import (
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeT records a helper's failure and ends its goroutine, as t.Fatalf
// does, so that a test can check that a helper fails.
type fakeT struct {
	testing.TB
	mu     sync.Mutex
	failed string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.mu.Lock()
	f.failed = strings.TrimSpace(format)
	f.mu.Unlock()
	runtime.Goexit()
}

// run runs body as a test would and returns the failure's format ("" if
// it passed).
func run(t *testing.T, body func(tb testing.TB)) string {
	f := &fakeT{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	Receive(t, "the helper to return", done)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func TestHelpersPassAndFail(t *testing.T) {
	const short = 50 * time.Millisecond
	tests := []struct {
		name     string
		body     func(tb testing.TB)
		wantFail bool
	}{
		{"Eventually: the condition comes to hold", func(tb testing.TB) {
			n := 0
			eventually(tb, short*100, "n to reach 3", func() bool { n++; return n == 3 })
		}, false},
		{"Eventually: it never holds", func(tb testing.TB) {
			eventually(tb, short, "never", func() bool { return false })
		}, true},
		{"Receive: a value", func(tb testing.TB) {
			ch := make(chan int, 1)
			ch <- 7
			if receive(tb, short, "7", ch) != 7 {
				tb.Fatalf("wrong value")
			}
		}, false},
		{"Receive: a closed channel", func(tb testing.TB) {
			ch := make(chan struct{})
			close(ch)
			receive(tb, short, "closed", ch)
		}, false},
		{"Receive: nothing comes", func(tb testing.TB) {
			receive(tb, short, "nothing", make(chan int))
		}, true},
		{"Recorder.Wait: an event recorded later", func(tb testing.TB) {
			var r Recorder[int]
			go r.Record(5)
			if r.Wait(tb, "5", func(e int) bool { return e == 5 }) != 5 {
				tb.Fatalf("wrong event")
			}
		}, false},
		{"Recorder.Wait: none matches", func(tb testing.TB) {
			var r Recorder[int]
			r.Record(1)
			r.await(tb, short, "2", false, func(e int) bool { return e == 2 })
		}, true},
		{"Recorder.Next: reads on from the last match", func(tb testing.TB) {
			var r Recorder[int]
			for _, e := range []int{1, 2, 1, 3} {
				r.Record(e)
			}
			r.Next(tb, "first 1", func(e int) bool { return e == 1 })
			r.Next(tb, "second 1", func(e int) bool { return e == 1 })
			r.await(tb, short, "a third 1", true, func(e int) bool { return e == 1 })
		}, true},
		{"Recorder.None: nothing matches", func(tb testing.TB) {
			var r Recorder[int]
			r.Record(1)
			r.None(tb, short, "a 2", func(e int) bool { return e == 2 })
		}, false},
		{"Recorder.None: a match comes", func(tb testing.TB) {
			var r Recorder[int]
			go r.Record(2)
			r.None(tb, 10*time.Second, "a 2", func(e int) bool { return e == 2 })
		}, true},
		{"Recorder.None: only before the cursor", func(tb testing.TB) {
			var r Recorder[int]
			r.Record(2)
			r.Next(tb, "the 2", func(e int) bool { return e == 2 })
			r.None(tb, short, "another 2", func(e int) bool { return e == 2 })
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if failed := run(t, tt.body); (failed != "") != tt.wantFail {
				t.Fatalf("failed %q, want a failure: %v", failed, tt.wantFail)
			}
		})
	}
}

// TestCensusSeesLeaks: an open file and an unreaped child are counted,
// and gone from the count once closed and reaped.
func TestCensusSeesLeaks(t *testing.T) {
	base := TakeCensus()
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	WaitExit(t, "the child to exit", pid) // and stay a zombie until reaped
	if Alive(pid) {
		t.Fatal("an exited child counts as alive")
	}
	now := TakeCensus()
	if len(now.FDs) <= len(base.FDs) || len(now.Zombies) != 1 || now.Zombies[0] != pid || now.Within(base) {
		t.Fatalf("census %v (fds %v) after opening a file and leaving a zombie, before %v", now, now.FDs, base)
	}
	f.Close()
	cmd.Wait()
	NoLeaks(t, base)
	if Alive(os.Getpid()) != true {
		t.Fatal("this process is not alive")
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// TestBeacon: lit by a process that writes the path as a file, not
// before; and a beacon nobody writes leaves no goroutine behind (Main
// checks).
func TestBeacon(t *testing.T) {
	t.Run("written", func(t *testing.T) {
		path := t.TempDir() + "/started"
		lit := Beacon(t, path)
		select {
		case <-lit:
			t.Fatal("lit before anybody wrote")
		default:
		}
		if out, err := exec.Command("sh", "-c", `echo started > "$0"`, path).CombinedOutput(); err != nil {
			t.Fatalf("writing the beacon: %v %s", err, out)
		}
		Receive(t, "the beacon", lit)
	})
	t.Run("never written", func(t *testing.T) {
		Beacon(t, t.TempDir()+"/never")
	})
}

// TestCounter: a wait for a count ends once the goroutines counting pass
// it, however far they got before the wait began; a count not reached
// leaves its channel open; WaitMore counts from the moment it is called.
func TestCounter(t *testing.T) {
	var c Counter
	fifty := c.Reached(50) // taken before counting: the adders may finish before Receive
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				c.Add()
			}
		})
	}
	Receive(t, "50 counts", fifty)
	wg.Wait()
	if c.Load() != 400 {
		t.Fatalf("count %d, want 400", c.Load())
	}
	select {
	case <-c.Reached(401):
		t.Fatal("401 reached at 400")
	default:
	}
	Receive(t, "400", c.Reached(400))

	// WaitMore under a load that runs until stopped, as the tests use it:
	// the count it returns at is beyond where it started by more than n.
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					c.Add()
				}
			}
		})
	}
	c.WaitMore(t, "50 more counts", 50)
	if got := c.Load(); got <= 450 {
		t.Errorf("WaitMore(50) from 400 returned at %d", got)
	}
	close(stop)
	wg.Wait()
}
