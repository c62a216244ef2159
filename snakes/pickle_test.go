package snakes

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
)

// mkdirPickle is a pickle whose loading runs os.mkdir(path): the shape of
// a pickle exploit, with a side effect a test can look for.
func mkdirPickle(path string) erlterm.Opaque {
	return erlterm.Opaque{Language: "python", Data: []byte("cos\nmkdir\n(S'" + path + "'\ntR.")}
}

// TestPickleRefusedByDefault: a request holding a pickled Python object
// is refused before it is sent, however the object is wrapped, and the
// worker serves on.
func TestPickleRefusedByDefault(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	op := mkdirPickle(dir)
	raw, err := erlterm.Marshal([]any{1, erlterm.Tuple{erlterm.Atom("$erlport.opaque"), erlterm.Atom("python"), op.Data}})
	if err != nil {
		t.Fatal(err)
	}
	w := startWorker(t, Options{})
	ctx := context.Background()
	refused := func(what string, err error, module, function string) {
		t.Helper()
		var pe *PickleRefusedError
		if !errors.Is(err, ErrPickleRefused) || !errors.Is(err, erlterm.ErrOpaqueRefused) || !errors.As(err, &pe) ||
			pe.Module != module || pe.Function != function {
			t.Fatalf("%s: got %v, want a PickleRefusedError for %q.%q", what, err, module, function)
		}
		if errors.Is(err, ErrNotRun) {
			t.Fatalf("%s: a refusal must not be re-dispatched: %v", what, err)
		}
	}
	for name, arg := range map[string]any{
		"an Opaque":        op,
		"inside a map":     map[string]any{"k": []any{op}},
		"a Tuple":          erlterm.Tuple{erlterm.Atom("$erlport.opaque"), erlterm.Atom("python"), op.Data},
		"inside a RawTerm": erlterm.RawTerm(raw[1:]),
	} {
		_, err := w.Call(ctx, "fixtures", "echo", arg)
		refused("Call with "+name, err, "fixtures", "echo")
	}
	_, err = w.Call(ctx, "fixtures", "kw", 1, Kwargs{"b": op})
	refused("kwargs", err, "fixtures", "kw")
	refused("Cast", w.Cast(ctx, "fixtures", "echo", op), "fixtures", "echo")
	refused("Send", w.Send(ctx, op), "", "")
	for _, err := range w.Stream(ctx, "fixtures", "echo", op) {
		refused("Stream", err, "fixtures", "echo")
	}
	if !strings.Contains(err.Error(), "AllowPickle") {
		t.Errorf("the error does not say how to allow it: %v", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the pickle was loaded: %v", err)
	}
	// Other opaque objects are data, not code.
	other := erlterm.Opaque{Language: "ruby", Data: []byte("x")}
	if v, err := w.Call(ctx, "fixtures", "echo", other); err != nil || !erlterm.Equal(v, other) {
		t.Fatalf("a ruby opaque: %#v, %v", v, err)
	}
	if err := w.Err(); err != nil {
		t.Fatalf("the worker stopped: %v", err)
	}
}

// TestPickleAllowed: with AllowPickle the object reaches Python.
func TestPickleAllowed(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startWorker(t, Options{AllowPickle: true})
	if _, err := w.Call(context.Background(), "fixtures", "echo", mkdirPickle(dir)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		t.Fatalf("the pickle was not loaded: %v", err)
	}
}

// TestPicklePythonSide: a pickle that gets past the host's check (its
// encoder told here not to look) is refused by the runtime, which hello
// told not to unpickle; the worker serves on.
func TestPicklePythonSide(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startWorker(t, Options{})
	w.proto.(*native).enc.RefuseOpaque = nil // before any call: nothing runs concurrently
	ctx := context.Background()
	_, err := w.Call(ctx, "fixtures", "echo", mkdirPickle(dir))
	var pe *PythonError
	if !errors.As(err, &pe) || pe.Type != "taipan.PickleRefused" || !strings.Contains(pe.Message, "AllowPickle") {
		t.Fatalf("got %v, want the runtime's PickleRefused", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the pickle was loaded: %v", err)
	}
	if v, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("after the refusal: %v, %v", v, err)
	}
}

// TestPickleCallbackResult: a Go function's result holding a pickle is
// not sent to Python either: the Python caller gets the refusal.
func TestPickleCallbackResult(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startWorker(t, Options{Funcs: map[string]Func{
		"give": func(context.Context, []any) (any, error) { return mkdirPickle(dir), nil },
	}})
	_, err := w.Call(context.Background(), "fixtures", "call_go", "give")
	var pe *PythonError
	if !errors.As(err, &pe) || pe.Type != "taipan.HostError" || !strings.Contains(pe.Message, "pickled Python object refused") {
		t.Fatalf("got %v, want a HostError saying the pickle was refused", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("the pickle was loaded: %v", err)
	}
}

// TestResultsNeverUnpickled: an object Python pickles on its way out stays
// an Opaque in Go, whatever its pickle would do when loaded (the Go side
// has no unpickler).
func TestResultsNeverUnpickled(t *testing.T) {
	w := startWorker(t, Options{})
	v, err := w.Call(context.Background(), "fixtures", "make_thing", 42)
	op, ok := v.(erlterm.Opaque)
	if err != nil || !ok || op.Language != "python" || len(op.Data) == 0 {
		t.Fatalf("got %#v, %v; want the pickle as an erlterm.Opaque", v, err)
	}
}

// TestErlPortProfileChecks: on the compat profile, whose Python side
// checks nothing, the host's checks are the only line: they hold there
// too, and the probe call (the program's own) is not checked.
func TestErlPortProfileChecks(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startErlPort(t, Options{Allow: []string{"erlport_fixtures.echo"}})
	ctx := context.Background()
	if _, err := w.Call(ctx, "os", "system", "mkdir "+dir); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("os.system: %v", err)
	}
	if _, err := w.Call(ctx, "erlport_fixtures", "echo", mkdirPickle(dir)); !errors.Is(err, ErrPickleRefused) {
		t.Fatalf("a pickle: %v", err)
	}
	if v, err := w.Call(ctx, "erlport_fixtures", "echo", 7); err != nil || v != int64(7) {
		t.Fatalf("echo: %v, %v", v, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("something ran: %v", err)
	}
}
