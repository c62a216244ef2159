package snakes

import (
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// rawEchoScript is the floor a worker is measured against: a minimal
// Python loop that echoes each frame on raw fds, no decoding.
const rawEchoScript = `
import os
r, w = 3, 4
buf = b""
while True:
    while len(buf) < 4:
        d = os.read(r, 65536)
        if not d: raise SystemExit
        buf += d
    n = int.from_bytes(buf[:4], "big")
    while len(buf) < 4 + n:
        d = os.read(r, 65536)
        if not d: raise SystemExit
        buf += d
    os.write(w, buf[:4 + n])
    buf = buf[4 + n:]
`

// rawEcho is a Python echo process on raw blocking pipes.
type rawEcho struct {
	cmd  *exec.Cmd
	w, r int
	buf  []byte
}

func startRawEcho(tb testing.TB, python string) *rawEcho {
	var req, rep [2]int
	syscall.Pipe2(req[:], syscall.O_CLOEXEC)
	syscall.Pipe2(rep[:], syscall.O_CLOEXEC)
	setPipeSize(req[1])
	setPipeSize(rep[0])
	cr, cw := os.NewFile(uintptr(req[0]), "r"), os.NewFile(uintptr(rep[1]), "w")
	cmd := exec.Command(python, "-u", "-c", rawEchoScript)
	cmd.ExtraFiles = []*os.File{cr, cw}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	cr.Close()
	cw.Close()
	e := &rawEcho{cmd: cmd, w: req[1], r: rep[0], buf: make([]byte, 1<<16)}
	tb.Cleanup(func() { syscall.Close(e.w); cmd.Wait(); syscall.Close(e.r) })
	return e
}

// roundTrip writes one frame and reads one frame back.
func (e *rawEcho) roundTrip(frame []byte) {
	writeAll(e.w, frame)
	have := 0
	for {
		n, _ := syscall.Read(e.r, e.buf[have:])
		if n <= 0 {
			panic("raw echo ended")
		}
		have += n
		if have >= 4 && have >= 4+int(binary.BigEndian.Uint32(e.buf)) {
			return
		}
		if have == len(e.buf) {
			e.buf = append(e.buf, make([]byte, len(e.buf))...)
		}
	}
}

func addFrame(tb testing.TB) []byte {
	f, err := appendFrame(nil, erlterm.Tuple{erlterm.Atom("C"), 1, "operator", "add", []any{1, 2}})
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

func benchWorker(b *testing.B) *Worker {
	w := startWorker(b, Options{})
	w.Call(context.Background(), "operator", "add", 1, 2) // warm imports
	return w
}

func BenchmarkRawEcho(b *testing.B) {
	e := startRawEcho(b, interp(b).Path)
	f := addFrame(b)
	e.roundTrip(f)
	b.ResetTimer()
	for range b.N {
		e.roundTrip(f)
	}
}

func BenchmarkCallAdd(b *testing.B) {
	w := benchWorker(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallVsRawEcho alternates blocks of sequential Calls and raw
// echoes in the same run and reports their ratio (the goal: ≤ 1.15).
func BenchmarkCallVsRawEcho(b *testing.B) {
	w := benchWorker(b)
	e := startRawEcho(b, interp(b).Path)
	f := addFrame(b)
	ctx := context.Background()
	var callT, echoT time.Duration
	const block = 500
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		t0 := time.Now()
		for range n {
			e.roundTrip(f)
		}
		t1 := time.Now()
		for range n {
			w.Call(ctx, "operator", "add", 1, 2)
		}
		callT += time.Since(t1)
		echoT += t1.Sub(t0)
	}
	b.ReportMetric(float64(callT.Microseconds())/float64(b.N), "call-µs")
	b.ReportMetric(float64(echoT.Microseconds())/float64(b.N), "echo-µs")
	b.ReportMetric(float64(callT)/float64(echoT), "ratio")
}

func benchInFlight(b *testing.B, k int) {
	w := benchWorker(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := (b.N + k - 1) / k
	for range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(per*k)/time.Since(start).Seconds(), "calls/s")
}

func BenchmarkInFlight4(b *testing.B)  { benchInFlight(b, 4) }
func BenchmarkInFlight8(b *testing.B)  { benchInFlight(b, 8) }
func BenchmarkInFlight64(b *testing.B) { benchInFlight(b, 64) }

func BenchmarkStartToFirstReply(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchStart(b, Options{}) })
	b.Run("isolated", func(b *testing.B) { benchStart(b, Options{Isolated: true}) })
	b.Run("nosite", func(b *testing.B) { benchStart(b, Options{NoSite: true}) })
}

func benchStart(b *testing.B, opts Options) {
	in := interp(b)
	opts.Interpreter = in
	opts.Paths = []string{fixturesDir(b)}
	ctx := context.Background()
	for range b.N {
		w, err := Start(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		w.Stop(ctx)
		b.StartTimer()
	}
}

func BenchmarkPythonCPass(b *testing.B) {
	py := interp(b).Path
	for range b.N {
		if err := exec.Command(py, "-c", "pass").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCallback(b *testing.B) {
	w := benchWorker(b)
	w.RegisterFunc("ident", func(_ context.Context, args []any) (any, error) { return args[0], nil })
	ctx := context.Background()
	b.Run("plain", func(b *testing.B) {
		for range b.N {
			w.Call(ctx, "fixtures", "echo", 1)
		}
	})
	b.Run("python-go-python", func(b *testing.B) {
		for range b.N {
			if _, err := w.Call(ctx, "fixtures", "call_go", "ident", 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEcho1MiB(b *testing.B) {
	w := benchWorker(b)
	payload := make([]byte, 1<<20)
	ctx := context.Background()
	b.SetBytes(1 << 20)
	b.ResetTimer()
	for range b.N {
		if _, err := w.Call(ctx, "fixtures", "echo", payload); err != nil {
			b.Fatal(err)
		}
	}
}
