package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/snakes"
)

// targetHelp is the help's account of TARGET.
const targetHelp = `TARGET is a Python function by its dotted name: a builtin (len, abs,
bytes.fromhex, str.upper), a module's function (operator.add, os.path.join,
mymod.f with mymod.py in a -path directory), or an attribute path from a
module (datetime.date.today). The longest prefix that is a module is the
module and the rest is looked up attribute by attribute, never through
another module; a builtin's name wins over a module of the same name
(builtins.NAME names the builtin explicitly).`

// checkTarget refuses a TARGET that is not a dotted Python name before any
// worker starts.
func checkTarget(name string) error {
	for _, p := range strings.Split(name, ".") {
		if !isIdentifier(p) {
			return usageError{fmt.Sprintf("TARGET %q: %v (want FUNCTION, MODULE.FUNCTION or MODULE.ATTR.FUNCTION)", name, ErrBadTarget)}
		}
	}
	return nil
}

// caller is a worker or a pool.
type caller interface {
	Call(ctx context.Context, module, function string, args ...any) (any, error)
}

// resolveTarget asks a worker where name's module ends and whether the
// function is there (taipan.cli.target): one round trip, before any call,
// so that a missing module or function fails once.
func resolveTarget(ctx context.Context, c caller, name string) (module, function string, err error) {
	r, err := c.Call(ctx, "taipan.cli", "target", name)
	if err != nil {
		return "", "", err
	}
	if t, ok := r.(erlterm.Tuple); ok && len(t) == 2 {
		module, ok1 := t[0].(string)
		function, ok2 := t[1].(string)
		if ok1 && ok2 {
			return module, function, nil
		}
	}
	return "", "", fmt.Errorf("taipan.cli.target(%q) answered %v, want (module, function): %w", name, r, snakes.ErrProtocol)
}
