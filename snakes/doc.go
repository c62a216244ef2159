// Package snakes runs one Python process (a Worker) and talks to it over
// two pipes in the Erlang External Term Format (docs/protocol.md, native
// profile).
//
// # Architecture: control plane on actors, data plane direct
//
// A WorkerActor (worker_actor.go) owns the process for a protoactor-go
// supervisor: Started starts it, Stopping and Restarting stop it, and the
// process's exit fails the actor so that its supervisor decides. Calls do
// not go through the actor: it hands out the *Worker (GetWorker) and
// callers use the pipes directly, because a request-future hop costs about
// as much as the whole Python round trip.
//
// On the data plane many goroutines share one worker. Requests carry ids
// and replies are matched by id, so calls pipeline. Writes are combined
// (writer.go): a caller that finds another writing queues its frame, and the
// writer writes everything queued. Replies are read with blocking reads on
// the raw fd by a waiting caller (reader.go: leader/follower), which
// dispatches the others' replies and hands the reader role on when its own
// reply is in; a background reader takes over only after the pipe has had
// no waiter for IdleRead. On the sequential path no other goroutine is
// woken.
//
// # Failure
//
// A worker is never reused in an unknown state. A call whose context ends
// is cancelled with an X frame; a call still queued is dropped; a running
// one is interrupted with SIGINT, then SIGTERM and SIGKILL to the process
// group, and the worker is marked broken and stopped (abandon.go). The
// caller's *AbandonError says how far that went. When the process exits,
// every call in flight fails at once with an *ExitError; garbage on the
// reply pipe kills the worker (ErrProtocol). Workers die with the host
// (Pdeathsig, and end of file on their request pipe), and what they
// started dies with them: their process group is killed when they exit,
// and by their reaper when the host dies (lifeline.go); their
// pipes never keep anyone waiting once they are gone (drain.go).
//
// Options.Limits caps a worker's memory, CPU time, descriptors and
// processes (limits.go: rlimits set by the host before the handshake;
// cgroup.go, cgroup_v1.go: a cgroup memory limit of its own where the
// host's cgroup is delegated, v2, or writable, v1); a call over one fails
// with a *LimitError, and a pool replaces the worker. Options.EnvPolicy
// decides which of the host's environment variables it sees (env.go).
//
// # Pools: Pool
//
// A Pool (NewPool) is one pool of workers: Venomous' SnakeManager
// and poolboy's pool. What becomes of its workers is decided by a pure
// state machine (internal/poolstate: one state per worker, events in,
// actions out, tested by table) that the Pool executes. Its control
// plane is actors: the pool's manager actor (pool_actor.go) and, as its
// children, one actor per worker (pool_worker.go: "worker-3" for the
// worker "default-3") that starts its process in a goroutine (never
// inside Receive) and lives as long as it. They are OTP's
// simple_one_for_one with temporary children: protoactor restarts none;
// the machine decides every start, retirement and replacement. The
// manager actor runs the cleaner and slays, and gives
// PoolOptions.OnEvent a supervisor event for each worker's crash
// (supervisor.ChildExited) and failed start (ChildStartFailed). A
// standalone pool's manager actor is at the top of its actor system; a
// Supervised one's is the actor of PoolProps, under its supervisor
// (taipan.Start: taipan/pool:default/worker-3). Its data plane is direct:
// Call takes a worker from the machine under a mutex, calls it on the
// caller's goroutine and gives it back; a Lease (Acquire, TryAcquire,
// With) hands the caller the *Worker itself. No call crosses an
// actor.
//
// Size workers are started by NewPool and kept; MaxOverflow more are
// started on demand and reaped after IdleTTL, least recently used first.
// With no idle worker a caller waits in a FIFO queue bounded by its
// context (a grant and a give-up cannot cross: a waiter that gives up
// after being granted a worker gives it back), MaxWaiters long
// (ErrOverloaded past it; negative MaxWaiters fails fast, yet still starts
// overflow workers); TryAcquire fails at once with ErrPoolFull when no
// worker can be started for it. A worker whose state is unknown (an
// abandoned call, an exit, a lease released as broken, a Python exception
// under KillOnException) is stopped and replaced, never handed out again.
// A Lease and a Session end by one rule (hold.go). A call that never ran
// (its worker died or was stopped first) is re-dispatched, at most
// MaxRedispatch times (then ErrRedispatchBudget); one in flight when its
// worker died fails with the *ExitError. Workers are recycled after
// exactly MaxCalls calls, past MaxAge or above MaxRSS (for these two the
// replacement started first). Stop refuses new calls,
// lets the calls in flight finish until its context ends, then stops the
// workers by escalation and returns once every process has exited.
//
// # Named pools, routing, sessions, futures
//
// Pools (NewPools) is a registry of named Managers, erlang_python's
// shape: a "default" pool sized to the CPUs and an "io" pool that starts
// up to 10 workers on demand unless disabled, plus pools added and
// removed by name; each pool's Worker is completed from the Pools'
// template (Options.Inherit). Route sends a module,
// or one module.function, to a pool (the function's route beats the
// module's, and unrouted calls go to "default"), so Call, Cast, Stream,
// Go and Map name no pool. Pools and routes are copy-on-write behind
// atomic pointers: picking a pool takes no lock and allocates nothing.
// A Session (context affinity) leases one worker so Python state lives
// across its calls; it ends on Close or when its creator's context ends
// (context.AfterFunc, no finalizer), and fails with ErrSessionLost
// rather than move to another worker when its worker dies. Go returns a
// Future any number of goroutines may wait on; Map runs a function over
// inputs concurrently, bounded by the pool's capacity, results in input
// order. docs/pools.md is the user's guide.
//
// # Profiles
//
// Options.Profile picks the protocol. ProfileNative (the default) runs
// taipan's runtime. ProfileErlPort drives an unmodified ErlPort Python side
// (python -u -m erlport.cli --packet=4 --use_stdio) with the same API, less
// what ErlPort lacks: Stream, Eval, Exec, Reload and keyword arguments fail
// with ErrUnsupported (compat.go; docs/protocol.md, "Compat profile").
// Each is an implementation of protocol (protocol.go), the wire protocol
// a Worker speaks, chosen once at Start: the command line, readiness (the
// native handshake, ErlPort's probe call), framing a request or a post,
// what a cancel does, the frames only it has, and the run order. The
// Worker's code calls it and asks no profile question.
//
// # Reading the code
//
// One sequential call reads top-down through these files:
//
//  1. requests.go: Call, callInto (allow.go: admit checks the allowlist),
//     requestSent.
//  2. call.go: register puts the call in flight.
//  3. native.go: the protocol's appendRequest frames it (appendCallFrame;
//     frame.go has the tags), its encoder refusing pickles unless
//     AllowPickle.
//  4. writer.go: sendAwaited queues the frame.
//  5. reader.go: await takes the reader role; readPipe writes the queue
//     (flushBeforeRead and sendBy in writer.go, noteWritten in
//     run_order.go), then reads the reply; dispatch hands it to the
//     protocol, whose route completes the call.
//  6. call.go: result decodes it.
//
// Off that path: abandon.go (a context that ends), worker.go (the
// process's life: Start, spawn, wait, Stop), compat.go (the ErlPort
// protocol).
//
// The package is Linux-first: pipes are made with pipe2, sized with
// F_SETPIPE_SZ, and workers get Pdeathsig.
package snakes
