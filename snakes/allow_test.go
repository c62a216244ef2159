package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAllowlistRule(t *testing.T) {
	a, err := newAllowlist([]string{"operator", "fixtures.echo", "os.path", "datetime.date.today"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		module, function string
		allowed          bool
	}{
		{"operator", "add", true},
		{"operator", "add.__call__", false}, // a module entry does not reach through attributes
		{"fixtures", "echo", true},
		{"fixtures", "add", false},
		{"fixtures", "os.system", false},
		{"os.path", "join", true}, // "os.path" is a module...
		{"os", "path", true},      // ...and function path of os
		{"os", "system", false},
		{"os", "path.join", false},
		{"datetime", "date.today", true}, // a dotted entry allows that path only
		{"datetime.date", "today", true},
		{"datetime", "date", false},
		{"datetime", "date.fromtimestamp", false},
		{"datetime.date.today", "x", true},
		{"builtins", "eval", false},
		{"", "operator", false},
		{"operato", "r.add", false},
	}
	for _, tt := range tests {
		err := a.check(tt.module, tt.function)
		if tt.allowed != (err == nil) {
			t.Errorf("%s + %s: got %v, want allowed=%v", tt.module, tt.function, err, tt.allowed)
		}
		var ne *NotAllowedError
		if err != nil && (!errors.Is(err, ErrNotAllowed) || !errors.As(err, &ne) || ne.Module != tt.module || ne.Function != tt.function) {
			t.Errorf("%s + %s: error %v", tt.module, tt.function, err)
		}
	}
	if allocs := testing.AllocsPerRun(100, func() { a.check("operator", "add") }); allocs != 0 {
		t.Errorf("an allowed check allocates %v times", allocs)
	}
	if a, err := newAllowlist(nil); a != nil || err != nil {
		t.Errorf("no list: %v, %v", a, err)
	}
	for _, bad := range []string{"", ".os", "os.", "os..path"} {
		var oe *OptionError
		if _, err := newAllowlist([]string{"operator", bad}); !errors.Is(err, ErrInvalidOptions) || !errors.As(err, &oe) ||
			oe.Option != "Allow" || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("entry %q: %v", bad, err)
		}
	}
}

// TestAllowlistRefuses: under an allowlist, os.system (the case)
// is refused before anything is sent, whatever the request, and the worker
// serves on; what is allowed runs; Init is the program's own and is not
// checked.
func TestAllowlistRefuses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startWorker(t, Options{Allow: []string{"operator", "fixtures.echo"},
		Init: &InitCall{Module: "fixtures", Function: "add", Args: []any{1, 2}}})
	ctx := context.Background()
	refused := func(what string, err error, module, function string) {
		t.Helper()
		var ne *NotAllowedError
		if !errors.Is(err, ErrNotAllowed) || !errors.As(err, &ne) || ne.Module != module || ne.Function != function {
			t.Fatalf("%s: got %v, want a NotAllowedError for %s.%s", what, err, module, function)
		}
		if errors.Is(err, ErrNotRun) {
			t.Fatalf("%s: a refusal must not be re-dispatched: %v", what, err)
		}
	}
	_, err := w.Call(ctx, "os", "system", "mkdir "+dir)
	refused("Call", err, "os", "system")
	if !strings.Contains(err.Error(), `"os.system" or "os"`) {
		t.Errorf("the error does not say how to allow it: %v", err)
	}
	_, err = w.Call(ctx, "os", "system", "mkdir "+dir, Kwargs{})
	refused("Call with kwargs", err, "os", "system")
	refused("Cast", w.Cast(ctx, "os", "system", "mkdir "+dir), "os", "system")
	for _, err := range w.Stream(ctx, "os", "system", "mkdir "+dir) {
		refused("Stream", err, "os", "system")
	}
	_, err = w.Call(ctx, "fixtures", "os.system", "mkdir "+dir)
	refused("a dotted function under a module entry", err, "fixtures", "os.system")
	_, err = w.Call(ctx, "fixtures", "add", 1, 2)
	refused("another function of an allowed module.function", err, "fixtures", "add")

	if v, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("operator.add: %v, %v", v, err)
	}
	if v, err := w.Call(ctx, "fixtures", "echo", "x"); err != nil || v != "x" {
		t.Fatalf("fixtures.echo: %v, %v", v, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("os.system ran: %v", err)
	}
	if err := w.Err(); err != nil {
		t.Fatalf("the worker stopped: %v", err)
	}
}

// TestAllowlistPythonSide: a request that gets past the host's check (sent
// here without it) is refused by the runtime, which got the list in
// hello, before it imports anything.
func TestAllowlistPythonSide(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "owned")
	w := startWorker(t, Options{Allow: []string{"operator", "fixtures"}})
	ctx := context.Background()
	for _, c := range []plainCall{
		{module: "os", function: "system", args: []any{"mkdir " + dir}},
		{module: "fixtures", function: "os.system", args: []any{"mkdir " + dir}},
	} {
		_, err := w.requestSent(ctx, nil, request{call: c})
		var pe *PythonError
		if !errors.As(err, &pe) || pe.Type != "builtins.PermissionError" || !strings.Contains(pe.Message, c.module+"."+c.function+" is not allowed") {
			t.Fatalf("%s.%s: got %v, want the runtime's PermissionError", c.module, c.function, err)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("os.system ran: %v", err)
	}
	if v, err := w.Call(ctx, "fixtures", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("fixtures.add: %v, %v", v, err)
	}
}

// TestAllowlistLeavesEvalToAllowEval: Eval and Exec are gated by
// AllowEval alone; an allowlist neither enables nor blocks them.
func TestAllowlistLeavesEvalToAllowEval(t *testing.T) {
	ctx := context.Background()
	w := startWorker(t, Options{Allow: []string{"operator"}})
	var pe *PythonError
	if _, err := w.Eval(ctx, "1+1"); !errors.As(err, &pe) || pe.Type != "builtins.PermissionError" {
		t.Fatalf("Eval without AllowEval: %v", err)
	}
	w = startWorker(t, Options{Allow: []string{"operator"}, AllowEval: true})
	if v, err := w.Eval(ctx, "1+1"); err != nil || v != int64(2) {
		t.Fatalf("Eval with AllowEval: %v, %v", v, err)
	}
}

func TestAllowlistInvalidEntry(t *testing.T) {
	_, err := Start(context.Background(), Options{Interpreter: interp(t), Allow: []string{"os..system"}})
	if !errors.Is(err, ErrStartFailed) || !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("Start: %v", err)
	}
	_, err = NewPool(context.Background(), PoolOptions{Size: 1, Worker: Options{Interpreter: interp(t), Allow: []string{""}}})
	if !errors.Is(err, ErrInvalidOptions) {
		t.Fatalf("NewPool: %v", err)
	}
}

// TestAllowlistPool: a pool's workers take Worker.Allow; a refused call is
// not re-dispatched and its worker is not retired.
func TestAllowlistPool(t *testing.T) {
	p := startPool(t, PoolOptions{Size: 1, Worker: Options{Allow: []string{"operator"}}})
	ctx := context.Background()
	before := pidsOf(p)
	if _, err := p.Call(ctx, "os", "system", "true"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("pool call: %v", err)
	}
	if err := p.Cast(ctx, "os", "system", "true"); !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("pool cast: %v", err)
	}
	if v, err := p.Call(ctx, "operator", "add", 1, 2); err != nil || v != int64(3) {
		t.Fatalf("operator.add: %v, %v", v, err)
	}
	if st := p.Stats(); st.Redispatched != 0 {
		t.Fatalf("refused calls re-dispatched: %+v", st)
	}
	if after := pidsOf(p); len(after) != 1 || after[0] != before[0] {
		t.Fatalf("workers %v, then %v", before, after)
	}
}

// BenchmarkAllowlistCheck is the allowlist's cost on every request (an
// allowed one: the common case).
func BenchmarkAllowlistCheck(b *testing.B) {
	a, err := newAllowlist([]string{"fixtures", "operator", "myapp.api", "datetime.date.today"})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if a.check("operator", "add") != nil {
			b.Fatal("refused")
		}
	}
}
