package main

import (
	"context"
	"io"

	"github.com/taipan-go/taipan/internal/bench"
)

// runBench implements `taipan bench`: every figure of DESIGN.md beside its
// anchor, measured in one run, as a table or as JSON.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	quick := fs.Bool("quick", false, "about a tenth of the iterations (for CI: the figures exist, their precision suffers)")
	python := fs.String("python", "", "the Python interpreter (default: $TAIPAN_PYTHON, else python3)")
	pos, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return needArgs(fs, stderr, "bench takes no arguments")
	}
	figs, err := bench.Run(ctx, bench.Options{Python: *python, Quick: *quick, Progress: stderr})
	if err != nil {
		return err
	}
	if *asJSON {
		return bench.WriteJSON(stdout, figs)
	}
	return bench.WriteTable(stdout, figs)
}
