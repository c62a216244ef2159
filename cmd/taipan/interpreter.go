package main

import (
	"context"
	"errors"
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/snakes"
)

// resolveInterpreter resolves python for a command, warning on stderr
// when the runtime cache had to be restored: a user of the CLI hears that
// something wrote into the cache even without -v. An interpreter that
// cannot be used comes with the ways to choose another; other failures (a
// cache others could write, whose error says its own fix) without.
func resolveInterpreter(ctx context.Context, python string, stderr io.Writer) (*snakes.Interpreter, error) {
	in, err := snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{
		Python: python,
		Logger: hclog.New(&hclog.LoggerOptions{Name: "taipan", Output: stderr, Level: hclog.Warn}),
	})
	if errors.Is(err, snakes.ErrNoInterpreter) {
		return nil, withHint(err, "choose the interpreter with -python /path/to/python3, or set TAIPAN_PYTHON")
	}
	return in, err
}
