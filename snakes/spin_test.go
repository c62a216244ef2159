package snakes

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSpinBudget(t *testing.T) {
	const full = 64 * time.Microsecond
	type wait struct {
		d     time.Duration
		found bool
	}
	tests := []struct {
		name  string
		full  time.Duration
		waits []wait
		want  time.Duration
	}{
		{"starts full", full, nil, full},
		{"found keeps it", full, []wait{{10 * time.Microsecond, true}}, full},
		{"one long wait halves", full, []wait{{time.Millisecond, false}}, full / 2},
		{"long waits end at zero", full, []wait{{time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}}, 0},
		{"zero stays zero", full, []wait{{time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}}, 0},
		{"a short wait restores", full, []wait{{time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {time.Millisecond, false}, {20 * time.Microsecond, false}}, full},
		{"a wait at the budget restores", full, []wait{{time.Millisecond, false}, {full, false}}, full},
		{"negative: never", -1, []wait{{time.Microsecond, true}}, 0},
		{"zero: never", 0, []wait{{time.Microsecond, false}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSpinBudget(tt.full)
			for _, w := range tt.waits {
				s.waited(w.d, w.found)
			}
			if got := s.budget(); got != tt.want {
				t.Fatalf("budget %v, want %v", got, tt.want)
			}
		})
	}
}

// cpuTime is the CPU time (user + system) used so far by this process.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPUTime is the CPU time used so far by process pid (Linux /proc).
func procCPUTime(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skip("no /proc:", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	ut, _ := strconv.Atoi(f[11])
	st, _ := strconv.Atoi(f[12])
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ is 100 on Linux
}

// A caller waiting for a slow reply, and a worker waiting for a slow
// request, poll for a bounded time and then sleep: neither side burns a
// core while nothing happens. (Spin is set high so that a reader that
// never stopped polling would show.)
func TestSpinSleepsWhenNothingComes(t *testing.T) {
	w := startWorker(t, Options{Spin: 2 * time.Millisecond})
	ctx := context.Background()
	if got := workerSpin(t, w); got != 0.002 {
		t.Fatalf("the worker polls for %v s, want 0.002", got)
	}
	for range 20 {
		if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
			t.Fatal(err)
		}
	}
	host, py := cpuTime(t), procCPUTime(t, w.Pid())
	if _, err := w.Call(ctx, "time", "sleep", 0.6); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the worker idles
	if used := cpuTime(t) - host; used > 300*time.Millisecond {
		t.Errorf("the host used %v of CPU while its call slept 0.6 s", used)
	}
	if used := procCPUTime(t, w.Pid()) - py; used > 300*time.Millisecond {
		t.Errorf("the worker used %v of CPU in 0.9 s of sleeping and idling", used)
	}
	if got, err := w.Call(ctx, "operator", "add", 2, 3); err != nil || got != int64(5) {
		t.Fatalf("after idling: %v, %v", got, err)
	}
}

// Spin < 0 turns polling off on both sides; calls work the same.
func TestSpinOff(t *testing.T) {
	w := startWorker(t, Options{Spin: -1})
	if w.spin.budget() != 0 {
		t.Fatalf("host budget %v, want 0", w.spin.budget())
	}
	var got []int64
	for i := range 50 {
		var r int64
		if err := w.CallInto(context.Background(), &r, "operator", "add", i, 1); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	for i, r := range got {
		if r != int64(i+1) {
			t.Fatalf("call %d: %d", i, r)
		}
	}
	if got := workerSpin(t, w); got != 0 {
		t.Fatalf("the worker polls for %v s, want 0", got)
	}
}

// workerSpin is the worker's full polling budget, in seconds.
func workerSpin(t *testing.T, w *Worker) float64 {
	var s float64
	if err := w.CallInto(context.Background(), &s, "taipan.host", "_runtime.reader.spin.__float__"); err != nil {
		t.Fatal(err)
	}
	return s
}

// A pool that could fill every core with pollers does not poll, unless its
// worker template says so.
func TestManagerSpinDefault(t *testing.T) {
	cpus := runtime.NumCPU()
	tests := []struct {
		name           string
		size, overflow int
		spin, want     time.Duration
	}{
		{"fewer workers than cores", cpus - 1, 0, 0, 0},
		{"as many as the cores", cpus, 0, 0, -1},
		{"overflow reaching the cores", cpus - 1, 1, 0, -1},
		{"explicit spin kept", cpus, 0, 20 * time.Microsecond, 20 * time.Microsecond},
		{"explicit off kept", 1, 0, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.size < 1 {
				t.Skip("one core")
			}
			o := PoolOptions{Size: tt.size, MaxOverflow: tt.overflow, Worker: Options{Spin: tt.spin}}.withDefaults()
			if o.Worker.Spin != tt.want {
				t.Fatalf("Worker.Spin %v, want %v", o.Worker.Spin, tt.want)
			}
		})
	}
}
