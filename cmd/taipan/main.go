// Command taipan runs Python from Go and measures how fast it does so.
//
//	taipan call TARGET [ARG...] [NAME=VALUE...]  call a Python function, print the result as JSON
//	taipan run TARGET [FILE]             map a function over JSON lines on a pool of workers
//	taipan structs [-o F] DIR TYPE...    generate Python dataclasses from Go struct types
//	taipan doctor                        check the interpreter, the runtime cache and the limits
//	taipan bench [-json] [-quick]        print each figure beside its anchor
//	taipan version                       print the version
//	taipan help [COMMAND]                print the usage of taipan or of a command
//
// Flags may come anywhere among the arguments; `taipan help CMD` and
// `taipan CMD -h` print a command's usage (usage.go).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// version is set at release time with -ldflags "-X main.version=…".
var version = "devel"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		printError(os.Stderr, err)
		var usage usageError
		if errors.As(err, &usage) || errors.Is(err, ErrBadPath) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// printError prints the error on one line, and its hint, if any, on the
// lines after.
func printError(w io.Writer, err error) {
	fmt.Fprintln(w, "taipan:", err)
	var h *hintedError
	if errors.As(err, &h) {
		fmt.Fprintln(w, "hint: "+strings.ReplaceAll(h.hint, "\n", "\n      "))
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdin, stdout, stderr)
	if errors.Is(err, errHelpShown) {
		return nil
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		topUsage(stderr)
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
		fs := newFlagSet("version")
		pos, err := parseFlags(fs, args[1:], stdout, stderr)
		if err != nil {
			return err
		}
		if len(pos) > 0 {
			return needArgs(fs, stderr, "version takes no arguments")
		}
		fmt.Fprintln(stdout, "taipan", version)
		return nil
	case "help", "-h", "-help", "--help":
		if len(args) < 2 || args[0] != "help" {
			topUsage(stdout)
			return nil
		}
		if args[1] == "help" {
			c, _ := findCommand("help")
			commandUsage(stdout, c, nil)
			return nil
		}
		if _, ok := findCommand(args[1]); !ok || len(args) > 2 {
			topUsage(stderr)
			return usageError{fmt.Sprintf("help: no command %q", strings.Join(args[1:], " "))}
		}
		return dispatch(ctx, []string{args[1], "-h"}, stdin, stdout, stderr)
	}
	topUsage(stderr)
	return usageError{fmt.Sprintf("unknown command %q (see 'taipan help')", args[0])}
}
