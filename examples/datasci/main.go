// Command datasci is the classic ErlPort-and-poolboy program: a pool of
// Python workers computing column means over CSV files.
//
//	go run ./examples/datasci
//	TAIPAN_PYTHON=/path/to/python3 go run ./examples/datasci   # another interpreter
//
// A snakes.Pool starts the pool; one call per (file, column group) runs
// concurrently, spread over the workers; the results are printed as a
// table, then the pool's Stats. The Python side (colstats.py) uses pandas
// when the interpreter has it and the standard library otherwise.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/taipan-go/taipan"
	"github.com/taipan-go/taipan/snakes"
)

// job is one pool call: the means of some columns of one file.
type job struct {
	file    string
	columns []string
}

var jobs = []job{
	{"iris.csv", []string{"sepal_length", "sepal_width"}},
	{"iris.csv", []string{"petal_length", "petal_width"}},
	{"penguins.csv", []string{"bill_length_mm", "bill_depth_mm"}},
	{"penguins.csv", []string{"flipper_length_mm"}},
	{"penguins.csv", []string{"body_mass_g"}},
}

// means is what colstats.column_means returns: a dict decoded into a
// struct by its erl tags.
type means struct {
	File   string             `erl:"file"`
	Means  map[string]float64 `erl:"means"`
	Counts map[string]int     `erl:"counts"`
	Pid    int                `erl:"pid"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "datasci:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	dir := taipan.ProgramDir() // this program's directory: its .py module is there
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{})
	if err != nil {
		return err
	}

	// The pool: Size workers started now and kept; FIFO hands out the
	// worker idle the longest, so the calls spread over all of them.
	pool, err := snakes.NewPool(ctx, snakes.PoolOptions{
		Name:   "datasci",
		Size:   3,
		Order:  snakes.FIFO,
		Worker: snakes.Options{Interpreter: interp, Paths: []string{dir}},
	})
	if err != nil {
		return err
	}
	defer pool.Stop(context.Background())

	var backend string
	if err := pool.CallInto(ctx, &backend, "colstats", "backend"); err != nil {
		return err
	}
	fmt.Printf("pool %q: 3 workers, Python %s, backend: %s\n", pool.Name(), interp.Version, backend)
	// Which interpreter ran, and how to choose another: pandas, when it is
	// installed, is installed for one interpreter (a virtual environment).
	fmt.Printf("interpreter: %s (another: TAIPAN_PYTHON=/path/to/python3)\n", interp.Path)
	fmt.Printf("%d calls (file x column group), run concurrently\n\n", len(jobs))

	// One goroutine per call; the pool queues them when every worker is busy.
	results := make([]means, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			path := filepath.Join(dir, "data", j.file)
			errs[i] = pool.CallInto(ctx, &results[i], "colstats", "column_means", path, j.columns)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("%s %v: %w", jobs[i].file, jobs[i].columns, err)
		}
	}

	fmt.Printf("%-14s %-18s %10s %5s %11s\n", "file", "column", "mean", "rows", "worker pid")
	pids := map[int]bool{}
	for i, r := range results {
		for _, c := range jobs[i].columns {
			m, ok := r.Means[c]
			if !ok {
				return fmt.Errorf("%s: no mean for column %s", r.File, c)
			}
			fmt.Printf("%-14s %-18s %10.3f %5d %11d\n", r.File, c, m, r.Counts[c], r.Pid)
		}
		pids[r.Pid] = true
	}

	st := pool.Stats()
	fmt.Printf("\n%d calls ran on %d distinct workers\n", len(jobs), len(pids))
	fmt.Printf("stats: workers=%d idle=%d busy=%d waiting=%d spawned=%d crashes=%d timeouts=%d\n",
		st.Workers, st.Idle, st.Busy, st.Waiting, st.Spawned, st.Crashes, st.Timeouts)
	for _, wi := range sortedList(pool.List()) {
		fmt.Printf("  %s  pid %d  calls=%d  %s\n", wi.ID, wi.Pid, wi.Calls, wi.State)
	}

	if err := pool.Stop(ctx); err != nil {
		return err
	}
	fmt.Println("pool stopped")
	return nil
}

func sortedList(l []snakes.WorkerInfo) []snakes.WorkerInfo {
	sort.Slice(l, func(i, j int) bool { return l[i].ID < l[j].ID })
	return l
}
