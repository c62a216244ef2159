// Package poolstate is the pool's member lifecycle as a pure state
// machine: the decisions of a snakes.Pool (which worker a caller gets,
// when a worker starts, retires, is recycled, reaped or replaced, when a
// waiter is served or failed, when the pool fails) without the processes.
//
// It lives under snakes/internal because it is the pool's brain and
// nothing else's: snakes.Pool is its only executor, and its API may
// change with it. It is a package of its own so that a newcomer reads the
// pool's rules in one place, apart from pipes, signals and actors, and so
// that they are tested by table (machine_test.go) as supervisor.Machine
// is: no process, no clock (every event that needs the time carries it),
// no goroutine, no I/O.
//
// Each member of the pool is in one State:
//
//	Starting ──Started──▶ Idle ◀──Release──▶ Busy (pool calls)
//	    │                  │  ◀──Release──▶ Leased (a Lease or a Session)
//	StartFailed            └──Retire (idle)──────────────▶ Stopping ──Exited──▶ Gone
//	    │        Busy/Leased ──Retire──▶ Retiring ──last Release──▶ Stopping
//	    ▼        Idle/Busy/Leased/Retiring ──Exited──▶ Gone
//	   Gone
//
// A member retires (broken, recycled, reaped, slain, the pool failing or
// stopping) by taking no new work: at once when it is free, after its
// calls or its lease otherwise. The exit of a member that was not retiring
// or stopping is a crash, counted against the restart intensity. A start
// begun before the pool failed never joins it, revived or not: the worker
// stops once started (its actor went with the pool's failed incarnation),
// and a revived pool starts its own.
//
// The Machine takes events — Open, Acquire and Wait, Cancel, Release,
// Started, StartFailed, Exited, Tick, Recycle, Slay, Stop, Cut, Fail,
// Revive, RetryRefill — and returns the Actions its executor carries out:
// spawn a worker, stop or kill one, grant a waiter a member or fail it,
// schedule a refill, report a crash or the pool's failure. The returned
// slice is the Machine's own buffer, valid until the next event: taking an
// idle member and giving it back (Acquire, Release) allocate nothing, so
// the executor may call them on the caller's goroutine under its mutex.
// A Machine is not safe for concurrent use: the executor serialises the
// events (snakes.Pool holds its mutex).
package poolstate
