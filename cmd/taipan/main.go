// Command taipan runs Python from Go and measures how fast it does so.
//
//	taipan call MODULE.FUNC ARGS...   call a Python function, print the result as JSON
//	taipan run MODULE.FUNC [FILE]     map a function over JSON lines on a pool of workers
//	taipan structs [-o F] DIR TYPE... generate Python dataclasses from Go struct types
//	taipan doctor                     check the interpreter, the runtime cache and the limits
//	taipan bench [-json] [-quick]     print each figure beside its anchor
//	taipan version                    print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
)

// version is set at release time with -ldflags "-X main.version=…".
var version = "devel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "taipan:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `usage: taipan <command> [flags]

commands:
  call      call a Python function: taipan call MODULE.FUNC [ARG...] (ARGs are JSON)
  run       map a function over JSON lines on a pool: taipan run MODULE.FUNC [FILE]
  structs   generate Python dataclasses from Go structs: taipan structs [-o FILE] DIR TYPE...
  doctor    check the interpreter, the runtime cache and the system limits
  bench     measure taipan's figures beside their anchors (-json, -quick)
  version   print the version
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command"}
	}
	switch args[0] {
	case "call":
		return runCall(ctx, args[1:], stdout, stderr)
	case "run":
		return runRun(ctx, args[1:], stdin, stdout, stderr)
	case "structs":
		return runStructs(ctx, args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "taipan", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("taipan "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}
