// Package watcher hot-reloads Python code: it watches the module paths of
// running workers with fsnotify and, when .py files change, reloads the
// changed modules in every worker (or restarts the workers), then reports
// what became of each worker.
//
// The philosophy is the development loop's: save a file, and the next call
// runs the new code, in every worker, with nothing restarted that need
// not be. So:
//
//   - Everything under each module path is watched, recursively,
//     directories created later included; caches, byte code, editor
//     temporary files and dotfiles are ignored (Ignored).
//   - Events are debounced per file (an editor's save is several writes,
//     a git checkout many files): a file is ready once it has been quiet
//     for Options.Debounce, and a batch waits up to one more Debounce for
//     the other files still changing, so that one save or one checkout is
//     one reload.
//   - Each file is mapped to its module name (ModulesOf: pkg/__init__.py
//     is pkg, pkg/sub/m.py is pkg.sub.m). With StrategyReload the modules
//     are reloaded in place (importlib: the module, its already imported
//     submodules, then the modules that import it, in dependency order);
//     with StrategyRestart the workers are replaced, one at a time.
//   - A module that fails to reload (a syntax error in the file just
//     saved) keeps its old code: the workers go on serving, and the Report
//     says why, per worker. A deleted file is reported the same way.
//
// The Watcher reaches whatever implements Target: a pool
// (*snakes.Pool), a set of pools (*snakes.Pools), the pets, a whole
// system. Its shape is a supervised service's: New, then Serve(ctx) until
// ctx ends.
package watcher
