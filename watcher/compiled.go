package watcher

import (
	"os"
	"path/filepath"
	"strings"
)

// dropCompiled removes the compiled files (__pycache__/NAME.TAG.pyc, any
// interpreter tag or optimisation level) of each changed Python source.
//
// Python takes a .pyc as current when the source's size and whole-second
// modification time match the ones it recorded: an edit that keeps the
// size, saved within the second of the compile (a generator, a formatter,
// a quick fix of one digit), would otherwise bring the old code back in
// every fresh worker of a restart, with the report saying it succeeded.
// A file that cannot be removed is left to Python, as before.
func dropCompiled(files []string) {
	for _, f := range files {
		name, ok := strings.CutSuffix(filepath.Base(f), ".py")
		if !ok || name == "" {
			continue
		}
		cache := filepath.Join(filepath.Dir(f), "__pycache__")
		entries, err := os.ReadDir(cache)
		if err != nil {
			continue
		}
		for _, e := range entries {
			// A module's name has no dot: NAME. starts its files alone.
			if n := e.Name(); strings.HasPrefix(n, name+".") && strings.HasSuffix(n, ".pyc") && e.Type().IsRegular() {
				os.Remove(filepath.Join(cache, n))
			}
		}
	}
}
