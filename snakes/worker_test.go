package snakes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/internal/testkit"
)

func TestCallValues(t *testing.T) {
	w := startWorker(t, Options{})
	ctx := context.Background()
	tests := []struct {
		name     string
		module   string
		function string
		args     []any
		want     any
	}{
		{"add", "operator", "add", []any{1, 2}, int64(3)},
		{"none", "fixtures", "echo", []any{nil}, nil},
		{"bool", "fixtures", "echo", []any{true}, true},
		{"float", "fixtures", "echo", []any{1.5}, 1.5},
		{"big int", "operator", "mul", []any{int64(1) << 40, 1 << 30}, mustBig("1180591620717411303424")},
		{"string", "fixtures", "echo", []any{"héllo ☃"}, "héllo ☃"},
		{"bytes", "fixtures", "echo", []any{[]byte{0, 1, 255}}, []byte{0, 1, 255}},
		{"latin-1 atom", "fixtures", "echo", []any{erlterm.Atom("ok")}, erlterm.Atom("ok")},
		{"non-latin-1 atom", "fixtures", "echo", []any{erlterm.Atom("原子☃")}, erlterm.Atom("原子☃")},
		{"tuple", "fixtures", "echo", []any{erlterm.T(1, "a")}, erlterm.T(int64(1), "a")},
		{"list", "fixtures", "echo", []any{[]any{1, "b", nil}}, []any{int64(1), "b", nil}},
		{"map", "fixtures", "echo", []any{map[string]any{"k": 1}}, map[string]any{"k": int64(1)}},
		{"dotted", "builtins", "str.upper", []any{"abc"}, "ABC"},
		{"kwargs", "fixtures", "kw", []any{1, Kwargs{"c": 9}}, []any{int64(1), int64(2), int64(9)}},
		{"no args", "os", "getpid", nil, int64(w.Pid())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.Call(ctx, tt.module, tt.function, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !erlterm.Equal(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func mustBig(s string) any {
	var v any
	b, _ := erlterm.Marshal(bigFromString(s))
	erlterm.Unmarshal(b, &v)
	return v
}

func TestCallInto(t *testing.T) {
	w := startWorker(t, Options{})
	var out struct {
		A int    `erl:"a"`
		B string `erl:"b"`
	}
	if err := w.CallInto(context.Background(), &out, "fixtures", "echo", map[string]any{"a": 7, "b": "x"}); err != nil {
		t.Fatal(err)
	}
	if out.A != 7 || out.B != "x" {
		t.Fatalf("got %+v", out)
	}
	var n int
	err := w.CallInto(context.Background(), &n, "fixtures", "echo", "not a number")
	if !errors.Is(err, erlterm.ErrTypeMismatch) {
		t.Fatalf("want a type mismatch, got %v", err)
	}
	if w.Err() != nil {
		t.Fatalf("a decode error must not break the worker: %v", w.Err())
	}
}

func TestPythonError(t *testing.T) {
	w := startWorker(t, Options{})
	_, err := w.Call(context.Background(), "fixtures", "fail", "boom")
	var pe *PythonError
	if !errors.As(err, &pe) {
		t.Fatalf("want *PythonError, got %T %v", err, err)
	}
	if pe.Type != "builtins.ValueError" || pe.Message != "boom" || len(pe.Traceback) == 0 {
		t.Fatalf("got %+v", pe)
	}
	if last := pe.Traceback[len(pe.Traceback)-1]; last.Function != "fail" || !strings.HasSuffix(last.File, "fixtures.py") {
		t.Fatalf("innermost frame %+v", last)
	}
	if _, err := w.Call(context.Background(), "no_such_module", "f"); !errors.As(err, &pe) || pe.Type != "builtins.ModuleNotFoundError" {
		t.Fatalf("missing module: %v", err)
	}
	if v, err := w.Call(context.Background(), "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("worker unusable after errors: %v %v", v, err)
	}
}

// TestOpaqueRoundTrip: a Python object comes back to Go as an Opaque and
// goes back to Python as itself, when the worker allows pickles.
func TestOpaqueRoundTrip(t *testing.T) {
	w := startWorker(t, Options{AllowPickle: true})
	ctx := context.Background()
	obj, err := w.Call(ctx, "fixtures", "make_thing", 42)
	if err != nil {
		t.Fatal(err)
	}
	op, ok := obj.(erlterm.Opaque)
	if !ok || op.Language != "python" {
		t.Fatalf("want an opaque python object, got %#v", obj)
	}
	v, err := w.Call(ctx, "fixtures", "thing_value", op)
	if err != nil || v != int64(42) {
		t.Fatalf("got %v, %v", v, err)
	}
}

func TestBigBinaries(t *testing.T) {
	w := startWorker(t, Options{})
	ctx := context.Background()
	const n = 16 << 20
	v, err := w.Call(ctx, "fixtures", "big", n)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := v.([]byte); !ok || len(b) != n || b[n-1] != 'x' {
		t.Fatalf("got %T of %d bytes", v, len(v.([]byte)))
	}
	payload := bytes.Repeat([]byte{7}, n)
	if v, err := w.Call(ctx, "fixtures", "length", payload); err != nil || v != int64(n) {
		t.Fatalf("length: %v %v", v, err)
	}
	back, err := w.Call(ctx, "fixtures", "echo", payload)
	if err != nil || !bytes.Equal(back.([]byte), payload) {
		t.Fatalf("echo of 16 MiB: %v", err)
	}
}

// Big replies and requests reuse a kept buffer: results already returned
// must stay intact, and frames of other sizes come back whole.
func TestBigFramesInTurn(t *testing.T) {
	w := startWorker(t, Options{})
	ctx := context.Background()
	sizes := []int{2 << 20, 300 << 10, 1 << 20, 9 << 20, 130 << 10, 2 << 20}
	var got, want [][]byte
	for i, n := range sizes {
		p := bytes.Repeat([]byte{byte(i + 1)}, n)
		p[n-1] = 0xff
		v, err := w.Call(ctx, "fixtures", "echo", p)
		if err != nil {
			t.Fatal(err)
		}
		got, want = append(got, v.([]byte)), append(want, p)
		if v, err := w.Call(ctx, "operator", "add", i, 1); err != nil || v != int64(i+1) {
			t.Fatalf("add: %v %v", v, err)
		}
	}
	for i := range got {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("echo %d (%d bytes) came back changed", i, len(want[i]))
		}
	}
}

func TestConcurrentCalls(t *testing.T) {
	w := startWorker(t, Options{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				v, err := w.Call(context.Background(), "operator", "add", g, i)
				if err != nil || v != int64(g+i) {
					errs <- errors.Join(err, errors.New("wrong result"))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestProtocolViolation(t *testing.T) {
	for _, fn := range []string{"garbage", "oversized"} {
		t.Run(fn, func(t *testing.T) {
			w := startWorker(t, Options{})
			start := time.Now()
			_, err := w.Call(context.Background(), "fixtures", fn)
			if !errors.Is(err, ErrProtocol) || !errors.Is(err, ErrWorkerExited) {
				t.Fatalf("want ErrProtocol and ErrWorkerExited, got %v", err)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
			if _, err := w.Call(context.Background(), "operator", "add", 1, 2); !errors.Is(err, ErrWorkerExited) {
				t.Fatalf("later call: %v", err)
			}
			// The host is unharmed: a new worker works.
			w2 := startWorker(t, Options{})
			if v, err := w2.Call(context.Background(), "operator", "add", 1, 2); err != nil || v != int64(3) {
				t.Fatalf("new worker: %v %v", v, err)
			}
		})
	}
}

func TestProcessExit(t *testing.T) {
	tests := []struct {
		name   string
		fn     string
		args   []any
		code   int
		signal syscall.Signal
	}{
		{"os._exit", "exit_now", []any{0.3, 7}, 7, 0},
		{"segfault", "segfault", []any{0.3}, -1, syscall.SIGSEGV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exitSeen := make(chan struct{})
			w := startWorker(t, Options{OnExit: func(error) { close(exitSeen) }})
			// The crash comes while a call is running and another is
			// queued behind it: both fail at once.
			marker, running := beacon(t, "running")
			crashed := make(chan error, 1)
			go func() {
				_, err := w.Call(context.Background(), "fixtures", tt.fn, append(tt.args, marker)...)
				crashed <- err
			}()
			testkit.Receive(t, "the call to run", running)
			start := time.Now()
			_, err := w.Call(context.Background(), "fixtures", "sleep", 30)
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("the queued call learnt of the crash after %v", d)
			}
			for i, err := range []error{err, <-crashed} {
				var ee *ExitError
				if !errors.As(err, &ee) || !errors.Is(err, ErrWorkerExited) {
					t.Fatalf("call %d: want *ExitError, got %T %v", i, err, err)
				}
				if ee.Code != tt.code || ee.Signal != tt.signal {
					t.Fatalf("got code %d signal %v", ee.Code, ee.Signal)
				}
			}
			testkit.Receive(t, "OnExit", exitSeen)
		})
	}
}

func TestExitFailsCallsInFlight(t *testing.T) {
	w := startWorker(t, Options{})
	errs := make(chan error, 4)
	for i := 0; i < 4; i++ {
		go func() {
			_, err := w.Call(context.Background(), "fixtures", "sleep", 30)
			errs <- err
		}()
	}
	waitWritten(t, w, 4)
	start := time.Now()
	syscall.Kill(w.Pid(), syscall.SIGKILL)
	for i := 0; i < 4; i++ {
		if err := <-errs; !errors.Is(err, ErrWorkerExited) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("callers learnt of the exit after %v", d)
	}
}

func TestDeadlineEscalation(t *testing.T) {
	tests := []struct {
		name   string
		fn     string
		args   func(marker string) []any
		stage  string
		signal time.Duration // SignalGrace
	}{
		// All the time Python needs to raise KeyboardInterrupt before
		// SIGTERM (a loaded machine may take more than the default 100 ms).
		{"sleep is interrupted", "sleep_marked", func(m string) []any { return []any{m, 30} }, "interrupted (SIGINT)", testkit.Patience},
		{"SIGINT ignored", "ignore_sigint", func(m string) []any { return []any{30, m} }, "terminated (SIGTERM)", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := startWorker(t, Options{SignalGrace: tt.signal})
			// The deadline passes once the call runs (its marker): a real
			// 200 ms one could pass before Python read the request, and X
			// drop it unrun, or the SIGINT come before the call did (and
			// be dropped, or beat ignore_sigint's handler).
			ctx := newExpiringContext()
			marker, running := beacon(t, "running")
			res := make(chan error, 1)
			go func() {
				_, err := w.Call(ctx, "fixtures", tt.fn, tt.args(marker)...)
				res <- err
			}()
			testkit.Receive(t, "the call to run", running)
			start := time.Now()
			ctx.expire()
			err := testkit.Receive(t, "the call's release", res)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("want ErrTimeout, got %v", err)
			}
			var ae *AbandonError
			if !errors.As(err, &ae) || ae.Stage != "abandoned" {
				t.Fatalf("want an AbandonError released at stage \"abandoned\", got %v", err)
			}
			// A timeout is a timeout: never the KeyboardInterrupt that
			// the interrupt raises in Python.
			var pe *PythonError
			if !errors.Is(err, context.DeadlineExceeded) || errors.As(err, &pe) {
				t.Fatalf("want context.DeadlineExceeded and no *PythonError, got %v", err)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %v", d)
			}
			testkit.Receive(t, "the escalation to settle", ae.Settled())
			if stage, _ := ae.Outcome(); stage != tt.stage {
				t.Fatalf("the escalation ended at %q, want %q", stage, tt.stage)
			}
			if w.Err() == nil {
				t.Fatal("the worker must be marked unusable")
			}
			if _, err := w.Call(context.Background(), "operator", "add", 1, 2); err == nil {
				t.Fatal("a broken worker took a call")
			}
			testkit.Receive(t, "the broken worker to be stopped", w.Exited())
		})
	}
}

func TestCancelQueuedCall(t *testing.T) {
	w := startWorker(t, Options{})
	// The first call keeps the worker busy; the second, queued behind it,
	// is cancelled and answered by X alone: the worker stays usable. (The
	// first call waits at a gate that opens once the second is cancelled:
	// it used to sleep 2 s, and a test that took longer to cancel found
	// the second run and the worker stopped.)
	marker, running := beacon(t, "running")
	gatePath, open := gate(t, "gate")
	first := make(chan error, 1)
	go func() {
		_, err := w.Call(context.Background(), "fixtures", "gate_marked", marker, gatePath)
		first <- err
	}()
	testkit.Receive(t, "the first call to run", running)
	ctx, cancel := context.WithCancel(context.Background())
	queued := make(chan error, 1)
	go func() {
		_, err := w.Call(ctx, "fixtures", "echo", 1)
		queued <- err
	}()
	waitWritten(t, w, 2)
	cancel()
	if err := testkit.Receive(t, "the cancelled call", queued); !errors.Is(err, ErrCancelled) {
		t.Fatalf("want ErrCancelled, got %v", err)
	}
	open()
	if err := testkit.Receive(t, "the first call", first); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if w.Err() != nil {
		t.Fatalf("worker unusable after a cancelled queued call: %v", w.Err())
	}
	if ctx.Err() != nil {
		if _, err := w.Call(ctx, "fixtures", "echo", 1); !errors.Is(err, ErrCancelled) {
			t.Fatalf("call with a dead context: %v", err)
		}
	}
}

// lockedBuffer is an io.Writer safe for the logger's concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestOutputFlood(t *testing.T) {
	var buf lockedBuffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Trace})
	w := startWorker(t, Options{Logger: log, ID: "flood"})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	if v, err := w.Call(ctx, "fixtures", "noisy", 20000); err != nil || v != int64(20000) {
		t.Fatalf("noisy: %v %v", v, err)
	}
	if v, err := w.Call(ctx, "fixtures", "raw_noise", 2000); err != nil || v != int64(2000) {
		t.Fatalf("raw_noise: %v %v", v, err)
	}
	wg.Wait()
	// Stop returns once the output pipes are read to their end and logged.
	if err := w.Stop(testkit.Context(t)); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"line 19999", "raw line 1999", "to stderr"} {
		if !strings.Contains(s, want) {
			t.Fatalf("output %q missing; log tail: %s", want, tail(s, 500))
		}
	}
	if !strings.Contains(s, "worker=flood") {
		t.Fatal("log lines lack the worker id")
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func TestEvalExec(t *testing.T) {
	w := startWorker(t, Options{AllowEval: true})
	ctx := context.Background()
	if err := w.Exec(ctx, "x = 40\ndef f(y):\n    return x + y\n"); err != nil {
		t.Fatal(err)
	}
	if v, err := w.Eval(ctx, "f(2)"); err != nil || v != int64(42) {
		t.Fatalf("eval: %v %v", v, err)
	}
	w2 := startWorker(t, Options{})
	var pe *PythonError
	if _, err := w2.Eval(ctx, "1"); !errors.As(err, &pe) || pe.Type != "builtins.PermissionError" {
		t.Fatalf("eval without AllowEval: %v", err)
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "reloadme.py")
	os.WriteFile(mod, []byte("def v():\n    return 1\n"), 0o644)
	w := startWorker(t, Options{Paths: []string{dir}})
	ctx := context.Background()
	if v, err := w.Call(ctx, "reloadme", "v"); err != nil || v != int64(1) {
		t.Fatalf("before: %v %v", v, err)
	}
	os.WriteFile(mod, []byte("def v():\n    return 2\n"), 0o644)
	future := time.Now().Add(2 * time.Second) // defeat mtime-granular caching
	os.Chtimes(mod, future, future)
	res, err := w.Reload(ctx, "reloadme")
	if err != nil || len(res) != 1 || res[0].Err != nil || res[0].Module != "reloadme" {
		t.Fatalf("reload: %+v %v", res, err)
	}
	if v, err := w.Call(ctx, "reloadme", "v"); err != nil || v != int64(2) {
		t.Fatalf("after: %v %v", v, err)
	}
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "init")
	startWorker(t, Options{Init: &InitCall{Module: "fixtures", Function: "write_file", Args: []any{path, "hi"}}})
	if b, err := os.ReadFile(path); err != nil || string(b) != "hi" {
		t.Fatalf("init did not run: %q %v", b, err)
	}
	_, err := Start(context.Background(), Options{Interpreter: interp(t), Paths: []string{fixturesDir(t)},
		Init: &InitCall{Module: "fixtures", Function: "fail", Args: []any{"no"}}})
	var pe *PythonError
	if !errors.Is(err, ErrStartFailed) || !errors.As(err, &pe) || pe.Message != "no" {
		t.Fatalf("failing init: %v", err)
	}
}

func TestStartTimeout(t *testing.T) {
	start := time.Now()
	_, err := Start(context.Background(), Options{Interpreter: interp(t), Paths: []string{fixturesDir(t)},
		StartTimeout: 300 * time.Millisecond,
		Init:         &InitCall{Module: "fixtures", Function: "sleep", Args: []any{30}}})
	if !errors.Is(err, ErrStartFailed) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("took %v", d)
	}
}

func TestMessages(t *testing.T) {
	got := make(chan any, 10)
	w := startWorker(t, Options{OnMessage: func(m any) { got <- m }})
	if _, err := w.Call(context.Background(), "fixtures", "send_messages", 3); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if m := testkit.Receive(t, fmt.Sprint("message ", i), got); m != int64(i) {
			t.Fatalf("message %d: %v", i, m)
		}
	}
}

func TestCast(t *testing.T) {
	w := startWorker(t, Options{})
	path := filepath.Join(t.TempDir(), "cast")
	if err := w.Cast(context.Background(), "fixtures", "write_file", path, "cast"); err != nil {
		t.Fatal(err)
	}
	// Calls run in order: once this returns, the cast has run.
	if _, err := w.Call(context.Background(), "operator", "add", 1, 2); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "cast" {
		t.Fatalf("cast did not run: %q", b)
	}
}

func TestStopThenCall(t *testing.T) {
	w := startWorker(t, Options{})
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Call(context.Background(), "operator", "add", 1, 2); !errors.Is(err, ErrStopped) && !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("got %v", err)
	}
	var ee *ExitError
	if !errors.As(w.Err(), &ee) && !errors.Is(w.Err(), ErrStopped) {
		t.Fatalf("Err: %v", w.Err())
	}
	if !reflect.DeepEqual(w.Err() != nil, true) {
		t.Fatal("Err nil after Stop")
	}
}
