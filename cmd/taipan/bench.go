package main

import (
	"context"
	"fmt"
	"io"

	"github.com/taipan-go/taipan/internal/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	fmt.Fprintln(stderr, "measuring the ETF codec against Erlang (about 20 s)…")
	figs, err := bench.Codec(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return bench.WriteJSON(stdout, figs)
	}
	return bench.WriteTable(stdout, figs)
}
