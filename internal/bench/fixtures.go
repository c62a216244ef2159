package bench

import (
	"os"
	"path/filepath"
)

// fixturesPy is the module the worker figures call: an echo, and a
// callback into Go.
const fixturesPy = `
import taipan

def echo(x):
    return x

def call_go(name, x):
    return taipan.host.call(name, x)
`

// writeFixtures writes fixturesPy as taipan_bench_fixtures.py into a new
// temporary directory, which the caller removes.
func writeFixtures() (string, error) {
	dir, err := os.MkdirTemp("", "taipan-bench-")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "taipan_bench_fixtures.py"), []byte(fixturesPy), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

const fixturesModule = "taipan_bench_fixtures"
