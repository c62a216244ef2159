package main

import (
	"context"
	"flag"
	"io"
	"strings"
	"time"

	"github.com/taipan-go/taipan/snakes"
)

// callDetails is call's help, after its usage line.
const callDetails = `Calls a Python function once, in one worker, and prints its result as JSON
on stdout. What the function prints goes to stderr (-q hides it).

` + targetHelp + `

Each ARG is a JSON value when it starts like one ({ [ " a digit, or - and a
digit) or is true, false or null; then it must be valid JSON (a mistake is an
error, not a string). Integers stay exact however big (a float literal is a
float; one beyond a float's range, 1e400, is an error). Any other ARG is a
string as written: taipan call str.upper hello. NAME=VALUE, NAME a Python
identifier, is a keyword argument (sep=", " or indent=2), and so is each
-kw NAME=VALUE. To pass a string that looks like JSON or holds '=', quote it
as JSON ('"a=b"', '"2024-01-01"') or use -raw: every ARG then is a string
as given, and NAME=VALUE too.

` + outputMapping + `

Examples:
  taipan call operator.add 12345678901234567890 1
  taipan call len '[1,2,3]'
  taipan call bytes.fromhex ff00
  taipan call datetime.date.today
  taipan call json.dumps '{"a":[1,2]}' indent=2
  taipan call -path ./py mymod.f 1 2 -v`

// runCall implements `taipan call TARGET [ARG...] [NAME=VALUE...]`: one
// worker, one call, the result printed as JSON.
func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("call")
	python := fs.String("python", "", "the Python interpreter (default: $TAIPAN_PYTHON, else python3)")
	path := fs.String("path", ".", "directories of Python modules to put on sys.path, separated by ':'")
	timeout := fs.Duration("timeout", 30*time.Second, "how long the call may run")
	raw := fs.Bool("raw", false, "every ARG is a string as given (no JSON, no NAME=VALUE)")
	var kw multiFlag
	fs.Var(&kw, "kw", "a keyword argument NAME=VALUE (repeatable)")
	verbose := fs.Bool("v", false, "log the worker's output and records to stderr")
	quiet := fs.Bool("q", false, "hide what Python prints (print(), warnings)")
	pos, err := parseFlags(fs, args, stdout, stderr)
	if err != nil {
		return err
	}
	if len(pos) < 1 {
		return needArgs(fs, stderr, "call needs a TARGET (a function: len, operator.add, mymod.f)")
	}
	target := pos[0]
	if err := checkTarget(target); err != nil {
		return err
	}
	cargs, err := parseCallArgs(pos[1:], kw, *raw)
	if err != nil {
		return err
	}
	paths, err := modulePaths(*path)
	if err != nil {
		return err
	}

	interp, err := resolveInterpreter(ctx, *python, stderr)
	if err != nil {
		return err
	}
	w, err := snakes.Start(ctx, snakes.Options{Interpreter: interp, Paths: paths,
		Logger: newLogger(*verbose, *quiet, stderr), Init: cliInit()})
	if err != nil {
		return err
	}
	defer w.Stop(context.Background())
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	h := hintContext{paths: paths, interp: interp}
	module, function, err := resolveTarget(ctx, w, target)
	if err != nil {
		return explain(err, stderr, h)
	}
	result, err := w.Call(ctx, module, function, cargs.list()...)
	if err != nil {
		return explain(err, stderr, h)
	}
	out, err := jsonLine(jsonValue(result))
	if err != nil {
		return err
	}
	_, err = stdout.Write(out)
	return err
}

// cliInit installs, in each worker, the encoder that makes every result
// printable (taipan.cli.setup).
func cliInit() *snakes.InitCall {
	return &snakes.InitCall{Module: "taipan.cli", Function: "setup"}
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, " ") }

// Set implements flag.Value.
func (m *multiFlag) Set(s string) error {
	*m = append(*m, s)
	return nil
}

var _ flag.Value = (*multiFlag)(nil)
