package snakes

import (
	"bytes"
	"unicode/utf8"
)

// The worker's raw stdout and stderr (C code, subprocesses, os.write) are
// logged line by line. A line of any length is logged, in pieces of at most
// outputPiece bytes: each piece of a cut line carries part (1, 2, ...) and
// more (false on the last piece). Nothing the worker writes makes the host
// stop reading: the pipe is read until the process is gone (see drain.go).

// outputPiece is the longest message logged for one line of output.
const outputPiece = 64 << 10

// outputChunk is the size of one read of an output pipe.
const outputChunk = 64 << 10

// logOutput forwards the process's raw stdout or stderr to the logger.
func (w *Worker) logOutput(r *cutReader, stream string) {
	defer w.wg.Done()
	defer r.Close()
	log := w.log.Info
	if stream == "stderr" {
		log = w.log.Warn
	}
	emit := func(line []byte, part int, more bool) {
		if part == 0 {
			log(string(line), "stream", stream)
		} else {
			log(string(line), "stream", stream, "part", part, "more", more)
		}
	}
	s := lineSplitter{max: outputPiece}
	buf := make([]byte, outputChunk)
	for {
		n, err := r.Read(buf)
		s.feed(buf[:n], emit)
		if err != nil {
			break
		}
	}
	s.end(emit)
}

// lineSplitter cuts a byte stream into lines, and lines longer than max
// into pieces. emit gets each line (without its "\n" or "\r\n") with part
// 0, or each piece with its number (from 1) and whether more follow.
type lineSplitter struct {
	max     int
	pending []byte // the unfinished line's bytes not emitted yet (its own buffer)
	part    int    // pieces of the current line emitted so far
}

// feed splits b; what is left of an unfinished line waits for the next.
func (s *lineSplitter) feed(b []byte, emit func(line []byte, part int, more bool)) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i]
		}
		if len(s.pending) > 0 {
			s.pending = append(s.pending, line...)
			line = s.pending
		}
		rest := s.cut(line, emit)
		if i < 0 {
			s.pending = append(s.pending[:0], rest...) // at most max bytes
			return
		}
		s.finish(rest, emit)
		b = b[i+1:]
	}
}

// end emits an unfinished last line.
func (s *lineSplitter) end(emit func(line []byte, part int, more bool)) {
	if len(s.pending) > 0 || s.part > 0 {
		s.finish(s.pending, emit)
	}
}

// cut emits pieces of the line while it is longer than max, and returns
// the rest.
func (s *lineSplitter) cut(line []byte, emit func(line []byte, part int, more bool)) []byte {
	for len(line) > s.max {
		n := pieceLen(line, s.max)
		s.part++
		emit(line[:n], s.part, true)
		line = line[n:]
	}
	return line
}

// pieceLen is where to cut a line longer than max: at max, or before the
// UTF-8 sequence that the cut would split (invalid UTF-8 is cut at max).
func pieceLen(line []byte, max int) int {
	for k := 0; k < utf8.UTFMax && k < max; k++ {
		if utf8.RuneStart(line[max-k]) {
			return max - k
		}
	}
	return max
}

// finish emits the last piece of a line (or the whole line) and starts a
// new one.
func (s *lineSplitter) finish(line []byte, emit func(line []byte, part int, more bool)) {
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if s.part > 0 {
		emit(line, s.part+1, false)
	} else {
		emit(line, 0, false)
	}
	s.pending, s.part = s.pending[:0], 0
}
