package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one of taipan's commands, as its usage shows it.
type command struct {
	name     string
	synopsis string // what follows "usage: taipan NAME"
	summary  string // one line, for the list of commands
	details  string // what the command does and its arguments, before the flags
}

// commands lists taipan's commands in the order the top-level usage shows
// them.
func commands() []command {
	return []command{
		{name: "call", synopsis: "[flags] TARGET [ARG...] [NAME=VALUE...]", summary: "call a Python function once, print its result as JSON", details: callDetails},
		{name: "run", synopsis: "[flags] TARGET [FILE]", summary: "map a Python function over JSON lines on a pool of workers", details: runDetails},
		{name: "structs", synopsis: "[flags] DIR|FILE.go TYPE...", summary: "generate Python dataclasses from Go struct types", details: structsDetails},
		{name: "doctor", synopsis: "[flags]", summary: "check the interpreter, the runtime cache and the system limits", details: doctorDetails},
		{name: "bench", synopsis: "[flags]", summary: "measure taipan's figures beside their anchors", details: benchDetails},
		{name: "version", synopsis: "", summary: "print the version"},
		{name: "help", synopsis: "[COMMAND]", summary: "print the usage of taipan or of a command"},
	}
}

func findCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

const (
	structsDetails = `Generates Python dataclasses from Go struct types of a package directory (or
of one .go file), with the structs they refer to, so that both sides share one
definition of a record. The module goes to stdout, or to the -o file.`

	doctorDetails = `Checks the interpreter (-python, else $TAIPAN_PYTHON, else python3 on PATH),
its version, taipan's runtime cache and the limits on open files and
processes; prints one line per check, with what to do for each problem. Exits
1 when a check failed.`

	benchDetails = `Measures every performance figure of taipan's design brief in one run and
prints each beside its anchor (ErlPort's figure, or the note saying why there
is none), as a table or, with -json, as JSON.`
)

// topUsage prints taipan's own usage.
func topUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: taipan COMMAND [flags] [ARG...]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s  %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
'taipan help COMMAND' or 'taipan COMMAND -h' prints a command's usage.
Flags may come before or after the arguments; after -- everything is an
argument.

environment:
  TAIPAN_PYTHON  the Python interpreter when -python is not given (default python3)
`)
}

// commandUsage prints a command's usage: its synopsis, what it does and its
// flags.
func commandUsage(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: taipan %s %s\n", c.name, c.synopsis)
	if c.details != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.details))
	}
	if fs != nil && hasFlags(fs) {
		fmt.Fprint(w, "\nflags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// errHelpShown says that a command printed its usage because it was asked
// to (-h, -help, taipan help CMD): run returns nil for it.
var errHelpShown = errors.New("help shown")

// newFlagSet returns the flag set of a command: it prints nothing itself
// (parseFlags does, on the right stream) and never exits.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("taipan "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's flags wherever they are among its
// arguments (the flag package stops at the first argument) and returns the
// arguments. "--" ends the flags; an argument that reads as a negative
// number ("-1", "-2.5") is an argument, not a flag. -h and -help print the
// usage on stdout and return errHelpShown; a bad flag prints the error and
// the usage on stderr and returns a usageError.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, error) {
	name := strings.TrimPrefix(fs.Name(), "taipan ")
	c, _ := findCommand(name)
	var pos []string
	for len(args) > 0 {
		if isNegativeNumber(args[0]) {
			pos = append(pos, args[0])
			args = args[1:]
			continue
		}
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			commandUsage(stdout, c, fs)
			return nil, errHelpShown
		}
		if err != nil {
			fmt.Fprintf(stderr, "taipan %s: %v\n", name, err)
			commandUsage(stderr, c, fs)
			return nil, usageError{fmt.Sprintf("%s: %v (see 'taipan help %s')", name, err, name)}
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return pos, nil
}

// isNegativeNumber tells whether s reads as a negative number: taipan has
// no flag named by a digit.
func isNegativeNumber(s string) bool {
	return len(s) >= 2 && s[0] == '-' && (s[1] >= '0' && s[1] <= '9' || s[1] == '.')
}

// needArgs is the usage error of a command given too few or too many
// arguments: the usage on stderr, the reason as the error.
func needArgs(fs *flag.FlagSet, stderr io.Writer, reason string) error {
	name := strings.TrimPrefix(fs.Name(), "taipan ")
	c, _ := findCommand(name)
	commandUsage(stderr, c, fs)
	return usageError{reason}
}
