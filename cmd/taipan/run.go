package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// runOptions is what `taipan run` was asked to do.
type runOptions struct {
	target           string
	module, function string // where target's module ends, as the worker found it
	kwargs           snakes.Kwargs
	raw              bool
	python           string
	paths            []string
	size             int
	pipeline         int
	concurrency      int
	timeout          time.Duration
	unordered        bool
	spread           bool
	progress         string // auto, bar, lines, none
	verbose, quiet   bool
}

// job is one input line; its result is an output line.
type job struct {
	index  int   // position among the calls, from 0
	line   int   // line number in the input, from 1
	args   []any // nil when err is set
	err    error // a line that is not JSON, or not an array under -spread
	out    []byte
	failed bool
}

// runDetails is run's help, after its usage line.
const runDetails = `Maps a Python function over JSON lines, from FILE or stdin, on a pool of
workers: each line is one value, passed as the function's argument (with
-spread, a JSON array spread as its arguments); each result is printed as one
JSON line on stdout, in input order unless -unordered. A failed call prints
{"error": {"line": N, "type": ..., "message": ...}} in its place (type
"json", with "column", for a line that is not valid JSON; "timeout"; or the
Python exception's class) and the line's error on stderr too; the status is 1
when any call failed. A module or function that does not exist fails once,
before any input is read. Blank lines are skipped. What the function prints
goes to stderr (-q hides it).

` + targetHelp + `

Lines are JSON as call's arguments are: integers exact, a float beyond a
float's range an error; with -raw each line is a string as given. -kw
NAME=VALUE adds a keyword argument to every call.

` + outputMapping + `

Examples:
  printf '1\n2\n3\n' | taipan run math.factorial
  taipan run -spread operator.add pairs.jsonl
  taipan run -n 8 -path ./py mymod.score -kw threshold=0.5 items.jsonl`

// runRun implements `taipan run TARGET [FILE]`: it maps a Python
// function over JSON lines on a pool of workers.
func runRun(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	o := runOptions{}
	fs.StringVar(&o.python, "python", "", "the Python interpreter (default: $TAIPAN_PYTHON, else python3)")
	path := fs.String("path", ".", "directories of Python modules to put on sys.path, separated by ':'")
	fs.IntVar(&o.size, "n", runtime.NumCPU(), "how many Python workers the pool keeps")
	fs.IntVar(&o.pipeline, "pipeline", 0, "calls in flight per worker (0: the pool's default)")
	fs.IntVar(&o.concurrency, "c", 0, "calls in flight in all (0: 2 per worker slot)")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long one call may run")
	fs.BoolVar(&o.unordered, "unordered", false, "print results as they come, not in input order")
	fs.BoolVar(&o.spread, "spread", false, "each line is a JSON array spread as positional arguments")
	fs.BoolVar(&o.raw, "raw", false, "each line is a string as given, not JSON")
	var kw multiFlag
	fs.Var(&kw, "kw", "a keyword argument NAME=VALUE for every call (repeatable)")
	fs.StringVar(&o.progress, "progress", "auto", "progress on stderr: auto (a bar when stderr is a terminal), bar, lines, none")
	fs.BoolVar(&o.verbose, "v", false, "log the workers' output and records to stderr")
	fs.BoolVar(&o.quiet, "q", false, "hide what Python prints (print(), warnings)")
	pos, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return needArgs(fs, stderr, "run needs a TARGET and at most one FILE")
	}
	o.target = pos[0]
	if err := checkTarget(o.target); err != nil {
		return err
	}
	if o.raw && o.spread {
		return needArgs(fs, stderr, "-raw and -spread exclude each other: a raw line is one string")
	}
	kwargs, err := parseCallArgs(nil, kw, o.raw)
	if err != nil {
		return err
	}
	o.kwargs = kwargs.kwargs
	switch o.progress {
	case "auto", "bar", "lines", "none":
	default:
		return usageError{fmt.Sprintf("-progress %q: want auto, bar, lines or none", o.progress)}
	}
	if o.size <= 0 || o.pipeline < 0 || o.concurrency < 0 || o.timeout <= 0 {
		return usageError{"-n and -timeout must be positive, -pipeline and -c not negative"}
	}
	if o.paths, err = modulePaths(*path); err != nil {
		return err
	}

	if o.progress == "auto" {
		o.progress = "none"
		if isTerminal(stderr) {
			o.progress = "bar"
		}
	}
	in, total := stdin, -1
	if len(pos) == 2 {
		f, err := os.Open(pos[1])
		if err != nil {
			return err
		}
		defer f.Close()
		if o.progress != "none" { // only the progress needs the total: read the file twice only for it
			if total, err = countLines(f); err != nil {
				return err
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
		}
		in = f
	}
	return mapLines(ctx, o, in, total, stdout, stderr)
}

// mapLines starts the pool, feeds it the input and prints the results and
// the summary.
func mapLines(ctx context.Context, o runOptions, in io.Reader, total int, stdout, stderr io.Writer) error {
	interp, err := resolveInterpreter(ctx, o.python, stderr)
	if err != nil {
		return err
	}
	pool, err := snakes.NewPool(ctx, snakes.PoolOptions{
		Name:        "run",
		Size:        o.size,
		Pipeline:    o.pipeline,
		CallTimeout: o.timeout,
		Worker: snakes.Options{Interpreter: interp, Paths: o.paths,
			Logger: newLogger(o.verbose, o.quiet, stderr), Init: cliInit()},
	})
	if err != nil {
		return err
	}
	defer pool.Stop(context.Background())
	// Once, before any input is read: a missing module or function is
	// one error, not one per line.
	rctx, cancel := context.WithTimeout(ctx, o.timeout)
	o.module, o.function, err = resolveTarget(rctx, pool, o.target)
	cancel()
	if err != nil {
		return explain(err, stderr, hintContext{paths: o.paths, interp: interp})
	}

	// A stdout that fails (a full disk; a closed pipe is SIGPIPE first)
	// stops the reading and the calls: their results could not be printed.
	ctx, stopCalls := context.WithCancel(ctx)
	defer stopCalls()

	inFlight := o.concurrency
	if inFlight == 0 {
		inFlight = 2 * o.size * max(o.pipeline, 1)
	}
	// window bounds the lines read but not yet printed: in order, a slow
	// call holds back the ones after it, and memory must not grow with it.
	window := make(chan struct{}, inFlight*16)
	jobs := make(chan *job)
	done := make(chan *job, inFlight)
	st := &runStats{start: time.Now(), total: total}

	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		readErr <- readJobs(ctx, in, o.spread, o.raw, window, jobs)
	}()
	var wg sync.WaitGroup
	for range inFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				callJob(ctx, pool, o, j)
				done <- j
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()

	stderr = &lockedWriter{w: stderr} // the progress and the errors share it
	stopProgress := startProgress(o.progress, stderr, st)
	clearBar := ""
	if o.progress == "bar" {
		clearBar = "\r\033[K"
	}
	werr := writeResults(stdout, stderr, clearBar, done, window, !o.unordered, st, stopCalls)
	stopProgress()
	rerr := <-readErr
	st.summary(stderr)
	switch {
	case werr != nil:
		return werr
	case rerr != nil:
		return rerr
	case ctx.Err() != nil:
		return ctx.Err()
	}
	if n := st.errorCount(); n > 0 {
		return fmt.Errorf("run: %d of %d calls failed", n, st.callCount())
	}
	return nil
}

// readJobs reads one JSON value per line; blank lines are skipped. A line
// that is not JSON becomes a job that fails, so its error is printed in
// its place.
func readJobs(ctx context.Context, in io.Reader, spread, raw bool, window chan struct{}, jobs chan<- *job) error {
	r := bufio.NewReaderSize(in, 64<<10)
	index := 0
	for line := 1; ; line++ {
		text, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(text)) > 0 {
			j := &job{index: index, line: line}
			index++
			j.args, j.err = parseLine(line, text, spread, raw)
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return nil
			}
			select {
			case jobs <- j:
			case <-ctx.Done():
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("run: reading line %d: %w", line, err)
		}
	}
}

// parseLine reads a line's JSON value (a string with raw) as the call's
// arguments.
func parseLine(line int, text []byte, spread, raw bool) ([]any, error) {
	if raw {
		return []any{strings.TrimRight(string(text), "\r\n")}, nil
	}
	v, err := decodeJSON(fmt.Sprintf("line %d", line), strings.TrimRight(string(text), "\r\n"))
	if err != nil {
		return nil, err
	}
	if !spread {
		return []any{v}, nil
	}
	args, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("-spread wants a JSON array, got %s", bytes.TrimSpace(text))
	}
	return args, nil
}

// callJob makes the call and renders its output line.
func callJob(ctx context.Context, pool *snakes.Pool, o runOptions, j *job) {
	if j.err == nil && ctx.Err() != nil {
		j.err = ctx.Err()
	}
	if j.err == nil {
		cctx, cancel := context.WithTimeout(ctx, o.timeout)
		var result any
		result, j.err = pool.Call(cctx, o.module, o.function, callArgs{args: j.args, kwargs: o.kwargs}.list()...)
		cancel()
		if j.err == nil {
			j.out, j.err = jsonLine(jsonValue(result))
		}
	}
	if j.err != nil {
		j.failed = true
		j.out = errorLine(j.line, j.err)
	}
}

// errorLine is the {"error": ...} line printed in place of a failed
// call's result, newline included.
func errorLine(line int, err error) []byte {
	e := map[string]any{"line": line, "message": err.Error()}
	var pe *snakes.PythonError
	var je *JSONError
	switch {
	case errors.As(err, &pe):
		e["type"], e["message"] = pe.Type, pe.Message
	case errors.As(err, &je):
		e["type"] = "json"
		if je.Column > 0 {
			e["column"] = je.Column
		}
	case errors.Is(err, snakes.ErrTimeout):
		e["type"] = "timeout"
	}
	b, _ := jsonLine(map[string]any{"error": e}) // only strings and ints: cannot fail
	return b
}

// writeResults prints each result, in input order unless ordered is
// false, and the failed calls' errors on stderr too (after clearBar, which
// erases a progress bar). When stdout fails it calls stop and drains the
// results still to come.
func writeResults(stdout, stderr io.Writer, clearBar string, done <-chan *job, window <-chan struct{}, ordered bool, st *runStats, stop func()) error {
	w := bufio.NewWriterSize(stdout, 64<<10)
	pending := map[int]*job{}
	next := 0
	var werr error
	emit := func(j *job) {
		if werr == nil {
			_, werr = w.Write(j.out)
		}
		if j.failed && werr == nil { // once stdout failed, the calls stopped: no line per cancelled call
			var je *JSONError
			if errors.As(j.err, &je) { // it names its line
				fmt.Fprintf(stderr, "%s%s\n", clearBar, je.Error())
			} else {
				fmt.Fprintf(stderr, "%sline %d: %s\n", clearBar, j.line, strings.TrimSpace(errString(j.err)))
			}
		}
		st.add(j.failed)
		<-window
	}
	for j := range done {
		if !ordered {
			emit(j)
		} else {
			pending[j.index] = j
			for p, ok := pending[next]; ok; p, ok = pending[next] {
				delete(pending, next)
				next++
				emit(p)
			}
		}
		if len(done) == 0 && werr == nil {
			werr = w.Flush() // nothing else ready: let a reader of stdout see what we have
		}
		if werr != nil {
			stop()
		}
	}
	if werr == nil {
		werr = w.Flush()
	}
	return werr
}

// errString is a failed call's error as stderr says it: a Python
// exception the way call reports it (builtins unnamed); the JSON line
// keeps the qualified type, which a program matches on.
func errString(err error) string {
	var pe *snakes.PythonError
	if errors.As(err, &pe) {
		return (&pythonError{pe: pe}).Error()
	}
	return err.Error()
}

// countLines counts the non-blank lines of r, for the progress bar.
func countLines(r io.Reader) (int, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	n := 0
	for {
		text, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(text)) > 0 {
			n++
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// isTerminal tells whether w is a terminal (a character device), without a
// dependency on x/term.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// lockedWriter serialises writes from the progress and the results.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
