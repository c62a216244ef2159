// Package actors bootstraps the protoactor-go actor system that taipan's
// actors (supervisors, workers, pools) run in.
//
// Two things protoactor does by default are wrong for a library:
//
//   - It logs through log/slog with a handler that prints colored text on
//     stderr. NewSystem gives it a slog handler that writes to the host's
//     hclog.Logger (NewSlogHandler, usable for any slog user); with no
//     logger configured nothing is printed at all.
//   - ActorSystem.Shutdown only closes a channel: every actor keeps
//     running, and with them the Python processes they own. System.Stop
//     stops every top-level actor, the most recently spawned first, each
//     with its children (a supervisor stops its own in reverse start
//     order), waits for them until its context's deadline, and says which
//     actors were still alive if some were.
//
// Options are one struct whose zero value works; defaults.go names the
// defaults. The package keeps no global state: two Systems are
// independent.
package actors
