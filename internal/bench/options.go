package bench

import (
	"io"
	"time"
)

// Options tunes Run. The zero value is the full suite (about a minute on
// 2 cores) with python3 from PATH and no progress messages.
type Options struct {
	// Python is the interpreter (default: snakes.ResolveInterpreter's,
	// $TAIPAN_PYTHON else python3).
	Python string
	// Quick runs about a tenth of the iterations: for CI, where the
	// figures only need to exist.
	Quick bool
	// Progress, when set, gets one line per figure as it starts.
	Progress io.Writer
}

// sizes are the iteration counts of one run.
type sizes struct {
	sequential int           // sequential calls (and raw echoes)
	pool       int           // calls through the pool
	inFlight   int           // calls with 4 in flight
	starts     int           // worker starts (and bare python starts)
	callbacks  int           // callbacks (and plain calls)
	echoes     int           // 1 MiB echoes
	codecTime  time.Duration // per Go codec measurement
	erlN       int           // Erlang codec calls per round
	pyCodec    time.Duration // per Python codec repeat
}

func (o Options) sizes() sizes {
	if o.Quick {
		return sizes{sequential: 2000, pool: 4000, inFlight: 4000, starts: 3, callbacks: 500, echoes: 20,
			codecTime: 30 * time.Millisecond, erlN: 20000, pyCodec: 20 * time.Millisecond}
	}
	return sizes{sequential: 20000, pool: 60000, inFlight: 60000, starts: 15, callbacks: 5000, echoes: 300,
		codecTime: 300 * time.Millisecond, erlN: 200000, pyCodec: 200 * time.Millisecond}
}
