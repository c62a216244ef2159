package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/snakes"
)

// runCall implements `taipan call MODULE.FUNC ARGS...`: one worker, one
// call, the result printed as JSON.
func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("call", stderr)
	python := fs.String("python", "python3", "the Python interpreter")
	path := fs.String("path", ".", "directories to add to sys.path, separated by ':'")
	timeout := fs.Duration("timeout", 30*time.Second, "how long the call may run")
	verbose := fs.Bool("v", false, "log the worker's output and records to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: taipan call [flags] MODULE.FUNC [ARG...]   (each ARG is JSON; a bare word is a string)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() < 1 {
		fs.Usage()
		return usageError{"call needs MODULE.FUNC"}
	}
	module, function, ok := splitTarget(fs.Arg(0))
	if !ok {
		return usageError{fmt.Sprintf("%q is not MODULE.FUNC", fs.Arg(0))}
	}
	callArgs := make([]any, 0, fs.NArg()-1)
	for _, a := range fs.Args()[1:] {
		callArgs = append(callArgs, parseArg(a))
	}

	interp, err := resolveInterpreter(ctx, *python, stderr)
	if err != nil {
		return err
	}
	logger := hclog.NewNullLogger()
	if *verbose {
		logger = hclog.New(&hclog.LoggerOptions{Name: "taipan", Output: stderr, Level: hclog.Debug})
	}
	w, err := snakes.Start(ctx, snakes.Options{Interpreter: interp, Paths: strings.Split(*path, ":"), Logger: logger})
	if err != nil {
		return err
	}
	defer w.Stop(context.Background())
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	result, err := w.Call(ctx, module, function, callArgs...)
	var pe *snakes.PythonError
	if errors.As(err, &pe) && pe.Type == "builtins.ModuleNotFoundError" {
		// "str.upper", "dict.fromkeys": a builtin type, not a module.
		if r, err2 := w.Call(ctx, "builtins", fs.Arg(0), callArgs...); err2 == nil {
			result, err = r, nil
		}
	}
	if err != nil {
		if errors.As(err, &pe) {
			fmt.Fprintln(stderr, strings.TrimRight(pe.FormatTraceback(), "\n"))
		}
		return err
	}
	enc := json.NewEncoder(stdout)
	return enc.Encode(jsonValue(result))
}

// splitTarget splits "pkg.mod.func" at its last dot.
func splitTarget(s string) (module, function string, ok bool) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// parseArg reads one command-line argument as JSON, keeping integers exact
// (json.Number, not float64); anything that is not JSON is a string, so
// that `taipan call str.upper hello` works without quotes.
func parseArg(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return s
	}
	return fromJSON(v)
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case []any:
		for i := range x {
			x[i] = fromJSON(x[i])
		}
		return x
	case map[string]any:
		for k := range x {
			x[k] = fromJSON(x[k])
		}
		return x
	}
	return v
}

// jsonValue turns a decoded term into something encoding/json can print:
// atoms and binaries as strings, tuples as arrays, big integers as
// numbers, map keys as text.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x
	case []byte:
		return string(x)
	case erlterm.Atom:
		return string(x)
	case *big.Int:
		return json.Number(x.String())
	case []any:
		return jsonList(x)
	case erlterm.Tuple:
		return jsonList(x)
	case erlterm.ImproperList:
		return map[string]any{"elems": jsonList(x.Elems), "tail": jsonValue(x.Tail)}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[jsonKey(k)] = jsonValue(e)
		}
		return out
	case erlterm.Map:
		out := make(map[string]any, len(x))
		for _, kv := range x {
			out[jsonKey(kv.Key)] = jsonValue(kv.Value)
		}
		return out
	}
	return fmt.Sprintf("%v", v) // pids, references, funs, opaque objects
}

func jsonList(l []any) []any {
	out := make([]any, len(l))
	for i := range l {
		out[i] = jsonValue(l[i])
	}
	return out
}

// jsonKey writes a map key as JSON object keys must be: text.
func jsonKey(k any) string {
	switch x := jsonValue(k).(type) {
	case string:
		return x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
