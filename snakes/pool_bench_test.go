package snakes

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/taipan-go/taipan/internal/rawecho"
	"github.com/taipan-go/taipan/snakes/internal/poolstate"
)

func benchPool(b *testing.B, opts PoolOptions) *Pool {
	p := startPool(b, opts)
	for range 2 * opts.Size { // warm the imports of every worker
		p.Call(context.Background(), "operator", "add", 1, 2)
	}
	return p
}

// runCallers runs n calls of call spread over k goroutines and returns the
// time taken.
func runCallers(b *testing.B, k, n int, call func(g int) error) time.Duration {
	var wg sync.WaitGroup
	per := (n + k - 1) / k
	start := time.Now()
	for g := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range per {
				if err := call(g); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkPool2Callers2VsRawEcho: a pool of 2 with 2 concurrent callers
// against 2 raw Go↔Python echo processes driven by one goroutine each
// (a perfect pool of 2 with no protocol), in alternating blocks of the
// same run. ratio is pool calls/s ÷ raw echo calls/s (goal ≥ 0.9).
// spin-ratio is the same against 2 echoes that poll their pipes for
// DefaultSpin as the workers do: the honest anchor for polling workers.
func BenchmarkPool2Callers2VsRawEcho(b *testing.B) {
	p := benchPool(b, PoolOptions{Size: 2})
	echoes := []*rawecho.Echo{startRawEcho(b, 0), startRawEcho(b, 0)}
	spinning := []*rawecho.Echo{startRawEcho(b, DefaultSpin), startRawEcho(b, DefaultSpin)}
	f := addFrame(b)
	ctx := context.Background()
	var poolT, echoT, spinT time.Duration
	const block = 1000
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		echoT += runCallers(b, 2, n, func(g int) error { return echoes[g].RoundTrip(f) })
		spinT += runCallers(b, 2, n, func(g int) error { return spinning[g].RoundTrip(f) })
		poolT += runCallers(b, 2, n, func(int) error {
			_, err := p.Call(ctx, "operator", "add", 1, 2)
			return err
		})
		if b.Failed() { // runCallers reported an error
			b.FailNow()
		}
	}
	b.ReportMetric(float64(b.N)/poolT.Seconds(), "pool-calls/s")
	b.ReportMetric(float64(b.N)/echoT.Seconds(), "echo-calls/s")
	b.ReportMetric(echoT.Seconds()/poolT.Seconds(), "ratio")
	b.ReportMetric(float64(b.N)/spinT.Seconds(), "spin-echo-calls/s")
	b.ReportMetric(spinT.Seconds()/poolT.Seconds(), "spin-ratio")
}

// BenchmarkPool2Callers8: a pool of 2 with 8 concurrent callers (goal
// ≥ 114k calls/s, 2× ErlPort's 57k), one call per worker at a time and
// with several in flight per worker.
func BenchmarkPool2Callers8(b *testing.B) {
	for _, pipeline := range []int{1, 2, 4, 8} {
		b.Run("pipeline"+itoa(pipeline), func(b *testing.B) {
			p := benchPool(b, PoolOptions{Size: 2, Pipeline: pipeline})
			ctx := context.Background()
			b.ResetTimer()
			d := runCallers(b, 8, b.N, func(int) error {
				_, err := p.Call(ctx, "operator", "add", 1, 2)
				return err
			})
			b.ReportMetric(float64(b.N)/d.Seconds(), "calls/s")
		})
	}
}

// BenchmarkManagerOverhead: sequential calls through a pool of 1 against
// calls to a Worker directly, alternating blocks in the same run; extra-µs
// is the Pool's cost per call (goal ≤ 2 µs). Noisy: a call is ~30 µs.
func BenchmarkManagerOverhead(b *testing.B) {
	p := benchPool(b, PoolOptions{Size: 1})
	w := benchWorker(b, Options{})
	ctx := context.Background()
	directT, poolT := alternate(b,
		func() { w.Call(ctx, "operator", "add", 1, 2) },
		func() { p.Call(ctx, "operator", "add", 1, 2) })
	b.ReportMetric(float64(poolT.Nanoseconds())/float64(b.N)/1000, "pool-µs")
	b.ReportMetric(float64(directT.Nanoseconds())/float64(b.N)/1000, "direct-µs")
	b.ReportMetric(float64((poolT-directT).Nanoseconds())/float64(b.N)/1000, "extra-µs")
}

// BenchmarkManagerDataPlane is the Pool's own cost per call, without
// Python: the per-call timeout context, taking a worker and giving it back.
func BenchmarkManagerDataPlane(b *testing.B) {
	p := benchPool(b, PoolOptions{Size: 1})
	dctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	for _, bc := range []struct {
		name string
		ctx  context.Context
	}{{"default-timeout", context.Background()}, {"deadline-given", dctx}} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				cctx, cancel := p.callContext(bc.ctx)
				m, err := p.acquire(cctx, poolstate.Shared, true)
				if err != nil {
					b.Fatal(err)
				}
				p.release(m, 1, false)
				if cancel != nil {
					cancel()
				}
			}
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
