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
// (Pdeathsig, and end of file on their request pipe).
//
// # Profiles
//
// Options.Profile picks the protocol. ProfileNative (the default) runs
// taipan's runtime. ProfileErlPort drives an unmodified ErlPort Python side
// (python -u -m erlport.cli --packet=4 --use_stdio) with the same API, less
// what ErlPort lacks: Stream, Eval, Exec, Reload and keyword arguments fail
// with ErrUnsupported (compat.go; docs/protocol.md, "Compat profile").
//
// The package is Linux-first: pipes are made with pipe2, sized with
// F_SETPIPE_SZ, and workers get Pdeathsig.
package snakes
