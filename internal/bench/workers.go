package bench

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/taipan-go/taipan/internal/rawecho"
	"github.com/taipan-go/taipan/snakes"
)

// env is what the worker figures share.
type env struct {
	interp *snakes.Interpreter
	paths  []string
	n      sizes
}

func (e *env) startWorker(ctx context.Context) (*snakes.Worker, error) {
	w, err := snakes.Start(ctx, snakes.Options{Interpreter: e.interp, Paths: e.paths})
	if err != nil {
		return nil, err
	}
	if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil { // warm the imports
		w.Stop(context.Background())
		return nil, err
	}
	return w, nil
}

// sequential: operator.add(1, 2) one call at a time against the raw echo
// of the same frame, in alternating blocks of one run.
func (e *env) sequential(ctx context.Context) ([]Figure, error) {
	w, err := e.startWorker(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Stop(context.Background())
	echo, err := rawecho.Start(e.interp.Path, 0) // blocking: the historical anchor
	if err != nil {
		return nil, err
	}
	defer echo.Close()
	// The workers poll their pipes (snakes.DefaultSpin): an echo that polls
	// the same way is the anchor that gives them no head start.
	polling, err := rawecho.Start(e.interp.Path, snakes.DefaultSpin)
	if err != nil {
		return nil, err
	}
	defer polling.Close()
	frame, err := rawecho.AddFrame()
	if err != nil {
		return nil, err
	}
	var callT, echoT, pollT time.Duration
	const block = 500
	for done := 0; done < e.n.sequential; done += block {
		t0 := time.Now()
		for range block {
			if err := echo.RoundTrip(frame); err != nil {
				return nil, err
			}
		}
		t1 := time.Now()
		for range block {
			if err := polling.RoundTrip(frame); err != nil {
				return nil, err
			}
		}
		t2 := time.Now()
		for range block {
			if _, err := w.Call(ctx, "operator", "add", 1, 2); err != nil {
				return nil, err
			}
		}
		callT += time.Since(t2)
		pollT += t2.Sub(t1)
		echoT += t1.Sub(t0)
	}
	n := float64(blocks(e.n.sequential, block) * block)
	ours, raw, rawPoll := float64(callT.Nanoseconds())/n, float64(echoT.Nanoseconds())/n, float64(pollT.Nanoseconds())/n
	return []Figure{
		newFigure("sequential call operator.add(1,2)", ours, "raw Go↔Python pipe echo", raw, "ns", 1.15, true),
		newFigure("sequential call operator.add(1,2)", ours, "raw pipe echo polling as the workers do", rawPoll, "ns", 1.15, true),
		info(quoted(newFigure("sequential call operator.add(1,2)", ours, "ErlPort (quoted)", ErlPortSequentialNs, "ns", 0, true))),
	}, nil
}

func blocks(n, block int) int { return (n + block - 1) / block }

// callers runs n calls of call over k goroutines; it returns calls/s.
func callers(k, n int, call func(g int) error) (float64, error) {
	var wg sync.WaitGroup
	per := (n + k - 1) / k
	errs := make(chan error, k)
	start := time.Now()
	for g := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if err := call(g); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	d := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return float64(per*k) / d.Seconds(), nil
}

// pool: a pool of 2 workers with 8 concurrent callers, at the pool's
// default pipeline (one call per worker) and with 4 in flight per worker,
// against ErlPort's quoted figure and 2 raw echo processes driven flat out.
func (e *env) pool(ctx context.Context) ([]Figure, error) {
	frame, err := rawecho.AddFrame()
	if err != nil {
		return nil, err
	}
	echoes := make([]*rawecho.Echo, 2)
	for i := range echoes {
		if echoes[i], err = rawecho.Start(e.interp.Path, 0); err != nil {
			return nil, err
		}
		defer echoes[i].Close()
	}
	raw, err := callers(2, e.n.pool, func(g int) error { return echoes[g].RoundTrip(frame) })
	if err != nil {
		return nil, err
	}
	var figs []Figure
	for _, pipeline := range []int{snakes.DefaultPipeline, 4} {
		p, err := snakes.NewPool(ctx, snakes.PoolOptions{Size: 2, Pipeline: pipeline,
			Worker: snakes.Options{Interpreter: e.interp, Paths: e.paths}})
		if err != nil {
			return nil, err
		}
		for range 4 {
			p.Call(ctx, "operator", "add", 1, 2)
		}
		ours, err := callers(8, e.n.pool, func(int) error {
			_, err := p.Call(ctx, "operator", "add", 1, 2)
			return err
		})
		p.Stop(context.Background())
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("pool of 2, 8 callers, pipeline %d", pipeline)
		figs = append(figs,
			quoted(newFigure(name, ours, "ErlPort, 4 callers (quoted)", ErlPortPoolCallsPerSec, "calls/s", 2, false)),
			info(newFigure(name, ours, "2 raw echo processes", raw, "calls/s", 0, false)))
	}
	return figs, nil
}

// inFlight: one worker, 4 callers multiplexed on its pipe.
func (e *env) inFlight(ctx context.Context) ([]Figure, error) {
	w, err := e.startWorker(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Stop(context.Background())
	ours, err := callers(4, e.n.inFlight, func(int) error {
		_, err := w.Call(ctx, "operator", "add", 1, 2)
		return err
	})
	if err != nil {
		return nil, err
	}
	return []Figure{quoted(newFigure("one worker, 4 calls in flight", ours, "ErlPort (quoted)", ErlPortInFlightCallsPerSec, "calls/s", 2, false))}, nil
}

// start: a worker's start to its first reply against a bare
// `python -c pass`, alternating, the median of each.
func (e *env) start(ctx context.Context) ([]Figure, error) {
	var ours, bare []float64
	for range e.n.starts {
		t0 := time.Now()
		if err := exec.CommandContext(ctx, e.interp.Path, "-c", "pass").Run(); err != nil {
			return nil, err
		}
		bare = append(bare, ms(time.Since(t0)))
		t1 := time.Now()
		w, err := snakes.Start(ctx, snakes.Options{Interpreter: e.interp, Paths: e.paths})
		if err != nil {
			return nil, err
		}
		_, err = w.Call(ctx, "operator", "add", 1, 2)
		ours = append(ours, ms(time.Since(t1)))
		w.Stop(context.Background())
		if err != nil {
			return nil, err
		}
	}
	o, b := median(ours), median(bare)
	return []Figure{
		newFigure("start to first reply", o, "bare `python -c pass`", b, "ms", 1.3, true),
		info(quoted(newFigure("start to first reply", o, "ErlPort, Debian python (quoted)", ErlPortStartMs, "ms", 0, true))),
	}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// callback: Python → Go → Python inside a call, against a plain call of
// the same shape, alternating blocks.
func (e *env) callback(ctx context.Context) ([]Figure, error) {
	w, err := e.startWorker(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Stop(context.Background())
	w.RegisterFunc("ident", func(_ context.Context, args []any) (any, error) { return args[0], nil })
	if _, err := w.Call(ctx, fixturesModule, "call_go", "ident", 1); err != nil {
		return nil, err
	}
	var plainT, cbT time.Duration
	const block = 250
	for done := 0; done < e.n.callbacks; done += block {
		t0 := time.Now()
		for range block {
			if _, err := w.Call(ctx, fixturesModule, "echo", 1); err != nil {
				return nil, err
			}
		}
		t1 := time.Now()
		for range block {
			if _, err := w.Call(ctx, fixturesModule, "call_go", "ident", 1); err != nil {
				return nil, err
			}
		}
		cbT += time.Since(t1)
		plainT += t1.Sub(t0)
	}
	n := float64(blocks(e.n.callbacks, block) * block)
	ours, plain := float64(cbT.Nanoseconds())/n, float64(plainT.Nanoseconds())/n
	return []Figure{
		newFigure("callback Python → Go → Python", ours, "plain call", plain, "ns", 1.5, true),
		info(quoted(newFigure("callback Python → Go → Python", ours, "ErlPort (quoted)", ErlPortCallbackNs, "ns", 0, true))),
	}, nil
}

// echo1MiB: a 1 MiB binary to Python and back.
func (e *env) echo1MiB(ctx context.Context) ([]Figure, error) {
	w, err := e.startWorker(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Stop(context.Background())
	payload := make([]byte, 1<<20)
	if _, err := w.Call(ctx, fixturesModule, "echo", payload); err != nil {
		return nil, err
	}
	start := time.Now()
	for range e.n.echoes {
		if _, err := w.Call(ctx, fixturesModule, "echo", payload); err != nil {
			return nil, err
		}
	}
	mbps := float64(e.n.echoes) * float64(len(payload)) / 1e6 / time.Since(start).Seconds()
	return []Figure{quoted(newFigure("1 MB echo", mbps, "ErlPort (quoted)", ErlPortEchoMBps, "MB/s", 2, false))}, nil
}
