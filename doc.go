// Package taipan runs Python code from Go in supervised pools of Python
// worker processes.
//
// Start wires everything a program needs into one *System: the actor
// system (protoactor-go, logging through hclog), a root supervisor (OTP
// semantics: package supervisor), the named pools with their routing table
// (package snakes: a "default" pool sized to the CPUs and an "io" pool),
// the named long-lived "pet" workers (package pets) and, when asked, the
// hot-reload watcher (package watcher). The zero Options just work: the
// interpreter named by $TAIPAN_PYTHON, else the python3 found on PATH
// (resolved once to its real executable), the calling program's directory
// as the module path, pools sized to the machine. Options.Python,
// Options.Paths and Options.Worker apply to every pool and pet unless it
// sets the field itself (snakes.Options.Inherit).
//
//	sys, err := taipan.Start(ctx, taipan.Options{})
//	defer sys.Stop(context.Background())
//	v, err := sys.Call(ctx, "mymod", "predict", features)
//
// # The tree
//
// The root supervisor ("taipan", one_for_one) has a child per pool
// ("pool:NAME"), one holding the pets ("pets": one supervisor per pet),
// the watcher when hot reload is on, and the program's own children
// (Options.Children), in that order; docs/supervision.md draws it, and a
// test holds the drawing to the live actor listing. Each pool's actor
// has one child per worker ("taipan/pool:default/worker-3"), which starts
// the worker's process and lives as long as it. A pool handles a single
// worker's crash itself (it replaces the worker) and tells Options.OnEvent
// (supervisor.ChildExited, Supervisor "pool:default"); past its restart
// intensity the pool fails, and the root supervisor restarts it: the same
// pool, fresh workers, callers keeping their handle. A pet that crashes
// past its own intensity dies alone. Past the root's own intensity the
// system fails: Done is closed and Err says why, and the program decides.
//
// # Control plane and data plane
//
// Calls do not go through actors: System.Call picks the pool by route and
// calls a worker on the caller's goroutine. Actors decide who starts,
// who restarts, who is reaped, who is reloaded.
//
// Each piece is usable alone — erlterm (the codec), snakes (a worker, a
// pool, named pools), pets, watcher, supervisor — and this package only
// wires them. docs/ is the user's guide.
package taipan
