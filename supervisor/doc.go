// Package supervisor is OTP supervision on protoactor-go: strategies
// (one_for_one, one_for_all, rest_for_one, simple_one_for_one), restart
// types (permanent, transient, temporary), restart intensity, per-child
// exponential backoff with jitter, ordered start and reverse-order stop
// with per-child shutdown timeouts, and typed events.
//
// # Why not protoactor's own strategies
//
// protoactor-go's supervisor strategies restart or stop the failing child
// in place and, past their limit, only stop it: the supervisor goes on as
// if nothing happened. OTP's answer is different and better for a pool of
// Python processes: past the restart intensity the supervisor itself gives
// up — stops its children in order and exits with a reason — and its
// parent decides, so that a persistent fault climbs the tree until some
// level can deal with it (or the program stops) instead of looping.
//
// # Contract apart from engine
//
// The decisions live in Machine, a pure state machine: given the children
// and an event (a child exited with a reason at time t, a child failed to
// start) it returns Actions — stop these in this order, forget these,
// start these in this order after this delay, or give up with this error.
// It does no I/O and reads no clock, so every strategy × restart type ×
// reason, the intensity window and the backoff are tested exhaustively
// without processes. The engine (an actor, engine.go) spawns the children
// from their props, learns of their failures and exits, and carries the
// Actions out; Start wraps it in a small Go handle (Supervisor).
//
// # Engine rules
//
//   - A child is never restarted in place: a restart is a fresh spawn from
//     ChildSpec.Props, after the backoff.
//   - Children start one after the other: the next is spawned once the
//     previous one's Started handler has returned (a nested supervisor,
//     once all its own children have).
//   - Nothing blocks inside Receive while the supervisor runs: delays and
//     shutdown timeouts are timers that send the actor a message. Only the
//     supervisor's own Stopping waits — on futures of its own — because
//     protoactor stops the remaining children all at once when it returns.
//   - A supervisor gives up by panicking with its reason (an
//     *IntensityError): that is how a protoactor actor tells its parent it
//     failed, and the parent's strategy decides. Supervisors made by Start
//     have a guardian that stops them; Err then says why.
//   - A goroutine cannot be killed. A child that does not stop within its
//     Shutdown is reported (ChildShutdownTimeout, ShutdownTimeoutError)
//     and the supervisor goes on with the others; it cannot itself finish
//     stopping until that child does.
//
// Events (ChildStarted, ChildExited, ChildRestarted, IntensityExceeded...)
// go to Spec.OnEvent and to Spec.Logger (hclog). Time comes from
// Spec.Clock and jitter from Spec.Jitter, so tests can fix both.
//
// docs/supervision.md is the user's guide.
package supervisor
