// Command hotreload is a development loop: a pool of Python workers runs
// a module while the module's file is edited, and a watcher reloads the
// new code into every worker as soon as the file is saved:
//
//	go run ./examples/hotreload
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/hotreload   # another interpreter
//
// It copies greet.py (next to this file, embedded) to a temporary
// directory, starts a pool of 2 workers over it and a watcher, then edits
// the copy three times: a change (every worker runs it at once), a syntax
// error (every worker keeps the old code, and the report says why), and a
// fix. The repository's greet.py is never touched.
package main

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/taipan-go/taipan/snakes"
	"github.com/taipan-go/taipan/watcher"
)

//go:embed greet.py
var greetV1 string

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hotreload:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	dir, err := os.MkdirTemp("", "hotreload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "greet.py")
	if err := os.WriteFile(file, []byte(greetV1), 0o644); err != nil {
		return err
	}

	pool, err := snakes.NewPool(ctx, snakes.PoolOptions{Name: "dev", Size: 2,
		Worker: snakes.Options{Paths: []string{dir}}})
	if err != nil {
		return err
	}
	defer pool.Stop(context.Background())

	// The watcher hands each batch's report to the hook; the loop below
	// waits for them.
	reports := make(chan watcher.Report, 10)
	w, err := watcher.New(watcher.Options{
		Paths:    []string{dir},
		Target:   pool,
		Debounce: 100 * time.Millisecond, // snappy for a demo; the default is 500 ms
		OnReport: func(r watcher.Report) { reports <- r },
	})
	if err != nil {
		return err
	}
	wctx, stopWatching := context.WithCancel(ctx)
	defer stopWatching() // on the early returns too
	served := make(chan error, 1)
	go func() { served <- w.Serve(wctx) }()
	select {
	case <-w.Ready():
	case err := <-served:
		return err
	}
	fmt.Println(`pool "dev": 2 workers; watching greet.py (debounce 100ms)`)

	if err := show(ctx, pool, "before"); err != nil {
		return err
	}
	edits := []struct {
		what string
		text string
	}{
		{"edit 1: Bonjour, version 2", version(greetV1, "Bonjour", 2)},
		{"edit 2: a syntax error", version(greetV1, "Bonjour", 2) + "\ndef broken(:\n    pass\n"},
		{"edit 3: fixed, Hola, version 3", version(greetV1, "Hola", 3)},
	}
	for _, e := range edits {
		fmt.Println(e.what)
		if err := save(file, e.text); err != nil {
			return err
		}
		select {
		case r := <-reports:
			printReport(r)
		case <-ctx.Done():
			return errors.New("no reload report")
		}
		if err := show(ctx, pool, "after"); err != nil {
			return err
		}
	}

	stopWatching()
	if err := <-served; err != nil {
		return err
	}
	fmt.Println("watcher stopped")
	if err := pool.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("pool stopped")
	return nil
}

// save writes text to file as many editors save: into a temporary file
// beside it (a dot file, which the watcher ignores), renamed over it, so
// that the watcher sees the whole new file in one event. A write in place
// truncates first: a save slower than the debounce would get a reload of
// the truncated file before the one of the edit.
func save(file, text string) error {
	f, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".*")
	if err != nil {
		return err
	}
	_, err = f.WriteString(text)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(f.Name(), file)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// version rewrites the module's greeting and version.
func version(src, greeting string, v int) string {
	src = strings.Replace(src, `GREETING = "Hello"`, fmt.Sprintf("GREETING = %q", greeting), 1)
	return strings.Replace(src, "VERSION = 1", fmt.Sprintf("VERSION = %d", v), 1)
}

// show calls greet.hello on every worker of the pool (each one leased, all
// at once) and prints what they say.
func show(ctx context.Context, pool *snakes.Pool, when string) error {
	var said []string
	for range 2 {
		l, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer l.Release()
		var s string
		if err := l.CallInto(ctx, &s, "greet", "hello", "Gopher"); err != nil {
			return err
		}
		said = append(said, s)
	}
	slices.Sort(said)
	said = slices.Compact(said)
	fmt.Printf("%s: every worker says %q\n", when, strings.Join(said, `" or "`))
	return nil
}

// printReport prints a report without its timings and process ids, so
// that the output is the same on every run.
func printReport(r watcher.Report) {
	ok, failed, skipped := r.Counts()
	fmt.Printf("%s %v: %d reloaded, %d failed, %d skipped\n", r.Strategy, r.Modules, ok, failed, skipped)
	workers := slices.Clone(r.Workers)
	slices.SortFunc(workers, func(a, b snakes.WorkerReload) int { return strings.Compare(a.Worker, b.Worker) })
	for _, wr := range workers {
		line := fmt.Sprintf("  %s: %s", wr.Worker, wr.Status)
		var pe *snakes.PythonError
		if errors.As(wr.Err, &pe) {
			line += fmt.Sprintf(", keeps the old code: %s: %s", pe.Type, pe.Message)
		}
		fmt.Println(line)
	}
}
