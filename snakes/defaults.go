package snakes

import "time"

// The interpreter ResolveInterpreter runs when InterpreterOptions.Python
// is empty: $TAIPAN_PYTHON when set, else DefaultPython.
const (
	// EnvPython names the environment variable that chooses the Python
	// interpreter (a name looked up in PATH or a path) for every pool,
	// pet and worker that does not name one: taipan.Start, NewPools,
	// NewPool, Start, the pets, the taipan command and the examples.
	EnvPython = "TAIPAN_PYTHON"
	// DefaultPython is the interpreter when neither the options nor
	// $TAIPAN_PYTHON name one.
	DefaultPython = "python3"
)

// Defaults for the zero values of Options. They live here, in one place, so
// that the documented numbers and the code cannot drift apart.
const (
	// DefaultStartTimeout bounds Start: process start, imports and the
	// hello handshake (including the init call).
	DefaultStartTimeout = 10 * time.Second

	// DefaultCancelGrace is how long a call whose context ended may take to
	// answer the X (cancel) frame before the worker is interrupted with
	// SIGINT. A queued call or a stream answers X at once; a running plain
	// call cannot, so this is short: long enough for a call that was about
	// to finish, short enough that a caller is not kept waiting.
	DefaultCancelGrace = 100 * time.Millisecond

	// DefaultSignalGrace is how long each signal (SIGINT, then SIGTERM) is
	// given before the next, stronger one. SIGINT raises KeyboardInterrupt
	// in the running call; Python exits on SIGTERM at its next bytecode.
	DefaultSignalGrace = 100 * time.Millisecond

	// DefaultStopGrace is how long Stop waits, after closing the request
	// pipe, for Python to exit on its own (end of file) before signalling.
	DefaultStopGrace = 2 * time.Second

	// DefaultCallbackTimeout bounds one Python → Go callback; a callback
	// that runs longer is answered with an error so Python never waits
	// forever.
	DefaultCallbackTimeout = 30 * time.Second

	// DefaultMaxFrame is the largest frame either side may send (64 MiB),
	// as in docs/protocol.md.
	DefaultMaxFrame = 64 << 20

	// DefaultStreamCredit is how many stream items Python may send ahead
	// of the consumer. Memory held by a stream is bounded by this many
	// items; more credit is granted as the consumer pulls.
	DefaultStreamCredit = 64

	// DefaultIdleRead is how long the worker's pipe must stay without a
	// waiting caller before the background reader takes over reading it
	// (to deliver logs, messages and callbacks that arrive between calls).
	// Callers read their own replies; a background reader that held the
	// pipe during a burst of calls would add a goroutine hop to each.
	DefaultIdleRead = time.Millisecond

	// DefaultSpin is how long a pipe reader polls before it sleeps (see
	// spin.go): a wake-up from sleep costs 10–15 µs in the VMs measured, a
	// polled read ~1 µs. The budget adapts: it shrinks to nothing when
	// polls keep finding nothing, so an idle or slow worker does not burn
	// a core.
	DefaultSpin = 50 * time.Microsecond

	// pipeBufferSize is the capacity asked for both pipes (F_SETPIPE_SZ):
	// large payloads move in fewer wake-ups (1 MiB echo ~0.7 → ~1.9 GB/s).
	pipeBufferSize = 1 << 20

	// readChunk is the read buffer of the reply pipe: one read takes many
	// replies at once.
	readChunk = 64 << 10

	// bigFrame is the size above which a reply gets a buffer of its own
	// instead of growing the shared read buffer.
	bigFrame = 1 << 20

	// keepBigFrame bounds the big frame buffers a worker keeps for reuse
	// (one for requests, one for replies). Fresh memory is expensive:
	// the page faults on a fresh 1 MiB cost more than moving it through
	// the pipes, and Go's scavenger hands freed pages back to the kernel.
	keepBigFrame = 8 << 20

	// deferredFrameMax is the largest request frame queued for the
	// reader to write (sendAwaited); bigger ones are written at once,
	// without a copy.
	deferredFrameMax = 64 << 10

	// maxYields bounds how many times the reader yields, before it
	// writes the queued requests and reads, to callers it woke that have
	// not sent their next request yet.
	maxYields = 64

	// exitDrainTimeout bounds how long the reader waits for the exit
	// status once the reply pipe reached end of file.
	exitDrainTimeout = 2 * time.Second
)
