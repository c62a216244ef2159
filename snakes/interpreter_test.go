package snakes

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/internal/testkit"
	"github.com/taipan-go/taipan/python"
)

// TestResolveInterpreterRestoresTamperedRuntime tampers with the runtime
// in a cache as issue 12 did — a compiled file carrying its source's mtime
// and size but more code, the source itself, or a module added where the
// worker imports from — and starts a worker after
// the next ResolveInterpreter: the added code never runs, the restore is
// said at warn and in Interpreter.Restored.
func TestResolveInterpreterRestoresTamperedRuntime(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, in *Interpreter, extra string) string // returns the name to be restored
	}{
		{"compiled file", func(t *testing.T, in *Interpreter, extra string) string {
			pyc := testkit.TamperPyc(t, in.Path, filepath.Join(in.RuntimeDir, "taipan", "errors.py"), extra)
			rel, _ := filepath.Rel(in.RuntimeDir, pyc)
			return filepath.ToSlash(rel)
		}},
		{"source", func(t *testing.T, in *Interpreter, extra string) string {
			p := filepath.Join(in.RuntimeDir, "taipan", "errors.py")
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteString("\n" + extra + "\n"); err != nil {
				t.Fatal(err)
			}
			return "taipan/errors.py"
		}},
		// The runtime is first on the worker's sys.path, and site imports
		// sitecustomize from there.
		{"module added", func(t *testing.T, in *Interpreter, extra string) string {
			if err := os.WriteFile(filepath.Join(in.RuntimeDir, "sitecustomize.py"), []byte(extra+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return "sitecustomize.py"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testkit.Context(t)
			cache := t.TempDir()
			in, err := ResolveInterpreter(ctx, InterpreterOptions{CacheDir: cache})
			if err != nil {
				t.Fatal(err)
			}
			if len(in.Restored) != 0 {
				t.Fatalf("a fresh cache reported restored: %v", in.Restored)
			}
			marker := filepath.Join(t.TempDir(), "ran")
			name := tt.tamper(t, in, "open('"+marker+"', 'w').write('tampered')")

			var logs bytes.Buffer
			in, err = ResolveInterpreter(ctx, InterpreterOptions{CacheDir: cache,
				Logger: hclog.New(&hclog.LoggerOptions{Output: &logs, Level: hclog.Warn})})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(in.Restored, func(d python.Damage) bool { return d.Name == name }) {
				t.Fatalf("Restored %v, want %s among them", in.Restored, name)
			}
			if !strings.Contains(logs.String(), "[WARN]") || !strings.Contains(logs.String(), name) {
				t.Fatalf("no warning naming %s:\n%s", name, logs.String())
			}
			w := mustStart(t, Options{Interpreter: in})
			if got, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || got != int64(3) {
				t.Fatalf("call: %v %v", got, err)
			}
			if _, err := os.Stat(marker); err == nil {
				t.Fatal("the tampered runtime ran in the worker")
			}
		})
	}
}

// TestResolveInterpreterRefusesUnsafeCache: a cache directory others can
// write into is refused before anything runs from it.
func TestResolveInterpreterRefusesUnsafeCache(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cache, 0o770); err != nil {
		t.Fatal(err)
	}
	_, err := ResolveInterpreter(context.Background(), InterpreterOptions{CacheDir: cache})
	var ce *python.CacheError
	if !errors.Is(err, python.ErrCacheUnsafe) || !errors.As(err, &ce) || ce.Path != cache {
		t.Fatalf("a group-writable cache: %v", err)
	}
}
