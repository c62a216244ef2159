package main

import (
	"context"
	"io"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/snakes"
)

// resolveInterpreter resolves python for a command, warning on stderr
// when the runtime cache had to be restored: a user of the CLI hears that
// something wrote into the cache even without -v.
func resolveInterpreter(ctx context.Context, python string, stderr io.Writer) (*snakes.Interpreter, error) {
	return snakes.ResolveInterpreter(ctx, snakes.InterpreterOptions{
		Python: python,
		Logger: hclog.New(&hclog.LoggerOptions{Name: "taipan", Output: stderr, Level: hclog.Warn}),
	})
}
