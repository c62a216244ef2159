package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/go-hclog"
)

// newLogger is the workers' logger. With verbose, every record and output
// line is logged on stderr. Otherwise what Python writes to its stdout and
// stderr (print(), C code, subprocesses) is copied to stderr as it is, and
// the records of Python's logging at WARNING and above as their message, as
// a Python program shows them; quiet hides both.
func newLogger(verbose, quiet bool, stderr io.Writer) hclog.Logger {
	if verbose {
		return hclog.New(&hclog.LoggerOptions{Name: "taipan", Output: stderr, Level: hclog.Debug})
	}
	l := hclog.NewInterceptLogger(&hclog.LoggerOptions{Name: "taipan", Output: io.Discard, Level: hclog.Off})
	if !quiet {
		l.RegisterSink(&outputSink{w: stderr})
	}
	return l
}

// outputSink writes the workers' output lines and Python's warnings, bare.
type outputSink struct {
	mu sync.Mutex
	w  io.Writer
}

// Accept implements hclog.SinkAdapter.
func (s *outputSink) Accept(_ string, level hclog.Level, msg string, args ...any) {
	var logger string
	var output bool
	for i := 0; i+1 < len(args); i += 2 {
		switch args[i] {
		case "logger": // a record from Python: print() lines come as loggers stdout and stderr
			logger, _ = args[i+1].(string)
		case "stream": // a line written to the process's fd 1 or 2
			output = true
		}
	}
	if !output && logger != "stdout" && logger != "stderr" && (logger == "" || level < hclog.Warn) {
		return // the host's own records, and Python's below WARNING
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(s.w, msg)
}
