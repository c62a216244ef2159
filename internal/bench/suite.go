package bench

import (
	"context"
	"fmt"
	"os"

	"github.com/taipan-go/taipan/snakes"
)

// Run measures every figure of DESIGN.md's "What fast means" table, each
// beside its anchor, in one run: the sequential call against a raw
// Go↔Python pipe echo, the pools and in-flight calls against ErlPort's
// quoted figures (and raw echo processes), start-up against a bare
// `python -c pass`, a callback against a plain call, the 1 MB echo, the Go
// codec against Erlang's (when erl is installed; otherwise those figures
// carry a note and no anchor) and the Python codec.
func Run(ctx context.Context, opts Options) ([]Figure, error) {
	interp, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{Python: opts.Python})
	if err != nil {
		return nil, err
	}
	dir, err := writeFixtures()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	e := &env{interp: interp, paths: []string{dir}, n: opts.sizes()}
	steps := []struct {
		name    string
		measure func(context.Context) ([]Figure, error)
	}{
		{"sequential calls", e.sequential},
		{"pool of 2, 8 callers", e.pool},
		{"one worker, 4 in flight", e.inFlight},
		{"start to first reply", e.start},
		{"callbacks", e.callback},
		{"1 MB echo", e.echo1MiB},
		{"ETF codec against Erlang", func(ctx context.Context) ([]Figure, error) { return Codec(ctx, e.n.codecTime, e.n.erlN) }},
		{"Python codec", e.pyCodec},
	}
	var figs []Figure
	for _, s := range steps {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "measuring %s…\n", s.name)
		}
		f, err := s.measure(ctx)
		if err != nil {
			return figs, fmt.Errorf("bench: %s: %w", s.name, err)
		}
		figs = append(figs, f...)
	}
	return figs, nil
}
