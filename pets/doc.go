// Package pets runs named persistent Python workers — Venomous' pets —
// for the state a program keeps in Python between calls: a loaded model, a
// database session, a cache. A pet is one Python process under a name;
// calls go to it by name; its module-level state lives as long as the
// process.
//
// # Supervision: a supervisor per pet
//
// Each pet runs under a supervisor of its own (package supervisor,
// one_for_one, one child: a snakes.WorkerActor), a temporary child of the
// supervisor that holds all the pets (Options.Supervisor — the root's
// "pets" under taipan.Start — or one New starts), so the tree stays
// whole. A crashed pet — killed,
// os._exit, an abandoned call — comes back under the same name as a new
// process, its Init call run again, so its state is rebuilt. Temporary
// pets are not restarted.
//
// Why not one supervisor for all pets (one_for_one with StartChild and
// TerminateChild, or simple_one_for_one)? Restart intensity is counted per
// supervisor: under a shared one, a single pet in a crash loop would use up
// the intensity of all of them and take every pet down with it. With one
// supervisor per pet, a pet that restarts more than its intensity allows
// dies alone: its calls fail at once with a *DeadError (ErrPetDead) that
// unwraps to the *supervisor.IntensityError, the others go on; the
// holding supervisor forgets it without counting it. Each pet may so have
// its own intensity and backoff, on the Clock of Options.
//
// # Control plane on actors, data plane direct
//
// Starts, exits and restarts are the supervisor's business; an event loop
// per pet follows its events and, on each start, asks the worker actor
// once for its *snakes.Worker (GetWorker). Calls do not cross an actor:
// Call finds the pet's current *snakes.Worker under a mutex and calls it
// on the caller's goroutine. Calls to one pet are multiplexed on its pipe
// and run one after the other in the Python process.
//
// # Failure
//
// Pets have the pools' deadline, cancel and kill semantics: a call whose
// context has no deadline gets the pet's CallTimeout (15 s by default); a
// call whose context ends is cancelled, and a running one escalates
// (SIGINT, SIGTERM, SIGKILL to the process group): the process is never
// reused in an unknown state, the supervisor starts a new one. With
// KillOnException a Python exception retires the process too. A call that
// arrives while the pet is restarting waits for the new incarnation,
// bounded by its context; a call in flight when the process died fails with
// the *snakes.ExitError; a call that never reached the process (it was
// being replaced) goes to the next one.
//
// # Reload and restart
//
// Reload reloads modules in every pet (importlib, by snakes.Worker.Reload)
// and reports per pet; Restart replaces every pet's process — the new
// one started first, the old one stopped once the new one serves, so no
// call fails — one pet at a time when rolling. The watcher (package
// watcher) calls both.
//
// docs/pets.md is the user's guide.
package pets
