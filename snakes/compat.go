package snakes

// The compat profile (docs/protocol.md, "Compat profile"): the Worker API
// driving an unmodified ErlPort Python side,
//
//	python -u -m erlport.cli --packet=4 --use_stdio
//
// as /work/shared/reference/erlport-wire.md describes its wire. It is
// erlPort, the Worker's protocol (protocol.go) on this profile, and
// everything that differs from the native profile lives here: the command
// line (fds 0/1 or 3/4), a relay for --packet 1 and 2 (spawned), no
// handshake but a probe call (ready), ErlPort's call frame and
// ErrUnsupported for the rest (appendRequest, post), no cancel frame
// (cancel), its own frames (dispatch: error replies, print frames,
// callbacks with big ids, message-handler errors), and no run order.

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/taipan-go/taipan/erlterm"
)

// Profile selects the protocol a Worker speaks (docs/protocol.md).
type Profile uint8

const (
	// ProfileNative runs taipan's own runtime (python -m taipan.worker):
	// handshake, kwargs, streams, cancel, logs, eval, reload.
	ProfileNative Profile = iota
	// ProfileErlPort drives an unmodified ErlPort Python side started with
	// Options.Command: calls, callbacks, messages and casts only.
	ProfileErlPort
)

func (p Profile) String() string {
	switch p {
	case ProfileNative:
		return "native"
	case ProfileErlPort:
		return "erlport"
	}
	return "Profile(" + strconv.Itoa(int(p)) + ")"
}

// erlPort is the protocol of an unmodified ErlPort Python side
// (protocol.go), with its state for one worker.
type erlPort struct {
	cmdline  []string
	packet   int  // length prefix of every frame: 1, 2 or 4 bytes
	stdio    bool // the protocol is on the child's fds 0/1, else 3/4
	maxFrame int
	enc      erlterm.EncodeOptions // what callers send: compatEncode, pickles refused unless AllowPickle

	mu    sync.Mutex
	casts map[uint64]struct{} // ids of Casts: their replies are dropped

	line []byte // printed text not yet logged; owned by the reader role
}

// compatEncode is how every term for ErlPort's Python side is encoded: it
// decodes BINARY_EXT but not BIT_BINARY_EXT, and latin-1 atoms only as
// ATOM_EXT (UTF8Atoms stays off).
var compatEncode = erlterm.EncodeOptions{BytesAsBinary: true}

// defaultErlPortArgs follow the interpreter in the default command line.
var defaultErlPortArgs = []string{"-u", "-m", "erlport.cli", "--packet=4", "--use_stdio"}

func newErlPort(o Options) (*erlPort, error) {
	cmdline := o.Command
	if len(cmdline) == 0 {
		python, _ := pythonName("")
		if o.Interpreter != nil {
			python = o.Interpreter.Path
		}
		cmdline = append([]string{python}, defaultErlPortArgs...)
	}
	packet, stdio, err := parseErlPortArgs(cmdline[1:])
	if err != nil {
		return nil, err
	}
	maxFrame := o.MaxFrame
	if packet < 4 {
		maxFrame = min(maxFrame, 1<<(8*packet)-1)
	}
	return &erlPort{cmdline: cmdline, packet: packet, stdio: stdio, maxFrame: maxFrame,
		enc: requestEncoding(compatEncode, o.AllowPickle), casts: make(map[uint64]struct{})}, nil
}

// parseErlPortArgs reads the options that the host must agree on from the
// command line, as erlport.cli reads them (ErlPort's Python side learns its
// options only from argv): --packet N / --packet=N (1, 2 or 4; default 4)
// and --use_stdio / --nouse_stdio (default stdio). The last one wins.
func parseErlPortArgs(args []string) (packet int, stdio bool, err error) {
	packet, stdio = 4, true
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case a == "--use_stdio":
			stdio = true
			continue
		case a == "--nouse_stdio":
			stdio = false
			continue
		case a == "--packet" && i+1 < len(args):
			i++
			v = args[i]
		case strings.HasPrefix(a, "--packet="):
			v = strings.TrimPrefix(a, "--packet=")
		default:
			continue
		}
		switch v {
		case "1", "2", "4":
			packet = int(v[0] - '0')
		default:
			return 0, false, fmt.Errorf("snakes: --packet %q in Command: ErlPort takes 1, 2 or 4", v)
		}
	}
	return packet, stdio, nil
}

// command is the ErlPort side's command line: Options.Paths go in front of
// PYTHONPATH (as ErlPort's python_path option does); the environment
// follows Options.EnvPolicy, Env is added.
func (c *erlPort) command(o Options) (*exec.Cmd, bool) {
	cmd := exec.Command(c.cmdline[0], c.cmdline[1:]...)
	cmd.Dir = o.Dir
	cmd.Env = workerEnv(o.hostEnv(), strings.Join(o.Paths, string(os.PathListSeparator)), o.Env)
	return cmd, c.stdio
}

// appendFrame appends term framed for ErlPort: a packet-byte length, then
// ETF encoded with enc (compatEncode, or c.enc for what callers send). A
// term that ErlPort's Python side cannot decode (a map, a pid, a UTF-8
// atom...) is refused with ErrUnsupported rather than sent: it would kill
// the worker.
func (c *erlPort) appendFrame(enc erlterm.EncodeOptions, dst []byte, term any) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)[:start+c.packet]
	out, err := enc.Append(dst, term)
	if err != nil {
		return dst[:start], err
	}
	body := out[start+c.packet:]
	if err := checkErlPortTerm(body); err != nil {
		return dst[:start], err
	}
	n := len(body)
	if n > c.maxFrame {
		return dst[:start], &TooLargeError{Size: n, Limit: c.maxFrame}
	}
	for i := c.packet - 1; i >= 0; i-- {
		out[start+i] = byte(n)
		n >>= 8
	}
	return out, nil
}

// checkErlPortTerm checks that an encoded term (Version first) holds only
// what ErlPort's Python side decodes.
func checkErlPortTerm(b []byte) error {
	if len(b) == 0 || b[0] != erlterm.Version {
		return errors.New("snakes: not an encoded term")
	}
	n, err := erlterm.Walk(b[1:], checkErlPortPart)
	if err == nil && 1+n != len(b) {
		err = errors.New("snakes: trailing bytes after the term")
	}
	return err
}

// checkErlPortPart refuses a term ErlPort's Python side does not decode
// (erlport/erlterms.py): it reads integers, floats, latin-1 atoms (ATOM_EXT
// only), strings, binaries, tuples and lists.
func checkErlPortPart(_ int, h erlterm.Header) error {
	switch h.Tag {
	case erlterm.TagSmallInteger, erlterm.TagInteger, erlterm.TagSmallBig, erlterm.TagLargeBig,
		erlterm.TagNewFloat, erlterm.TagAtom, erlterm.TagNil, erlterm.TagString, erlterm.TagList,
		erlterm.TagBinary, erlterm.TagSmallTuple, erlterm.TagLargeTuple:
		return nil
	}
	return fmt.Errorf("%w: ErlPort's Python side cannot decode %s (%v)", ErrUnsupported, erlPortKind(h.Tag), h.Tag)
}

// erlPortKind says in words what a term ErlPort cannot decode is.
func erlPortKind(t erlterm.Tag) string {
	switch t {
	case erlterm.TagMap:
		return "a map"
	case erlterm.TagSmallAtom, erlterm.TagAtomUTF8, erlterm.TagSmallAtomUTF8:
		return "a UTF-8 or small atom (a non-latin-1 atom)"
	case erlterm.TagBitBinary:
		return "a bitstring"
	case erlterm.TagNewPid, erlterm.TagPid:
		return "a pid"
	case erlterm.TagNewPort, erlterm.TagPort, erlterm.TagV4Port:
		return "a port"
	case erlterm.TagNewerReference, erlterm.TagNewReference, erlterm.TagReference:
		return "a reference"
	case erlterm.TagNewFun, erlterm.TagExport:
		return "a fun"
	case erlterm.TagFloat:
		return "an old float"
	}
	return "this term"
}

func unsupported(what string) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, what)
}

// ready replaces the handshake: ErlPort's side sends nothing when it
// starts, so the worker is ready once it answers a first call: Init (no
// kwargs) when set, else builtins.abs(0). A worker that cannot start
// (erlport not importable, a bad option) thus fails Start with its exit
// status, and a --packet that does not match fails it too.
func (c *erlPort) ready(ctx context.Context, w *Worker) error {
	w.info = map[string]any{"profile": "erlport", "pid": int64(w.pid),
		"packet": int64(c.packet), "stdio": c.stdio, "features": []any{}}
	module, function, args := "builtins", "abs", []any{0}
	if in := w.opts.Init; in != nil {
		if len(in.Kwargs) > 0 {
			return unsupported("keyword arguments in Init")
		}
		module, function, args = in.Module, in.Function, in.Args
	}
	stop := context.AfterFunc(ctx, func() {
		w.killFor(fmt.Errorf("no reply to the start-up call before the start timeout: %w", ctx.Err()))
	})
	defer stop()
	_, err := w.requestSent(context.Background(), nil,
		request{call: plainCall{module: module, function: function, args: argList(args)}, trusted: true})
	return err
}

// appendRequest frames a call as ErlPort has them, {'C', Id, Module,
// Function, Args} with atoms for Module and Function; it has no other
// request, nor keyword arguments.
func (c *erlPort) appendRequest(dst []byte, id uint64, r request) ([]byte, error) {
	module, function, args := r.call.module, r.call.function, any(r.call.args)
	if r.term != nil {
		var tag byte
		if a, ok := r.term[0].(erlterm.Atom); ok && len(a) == 1 {
			tag = a[0]
		}
		switch tag {
		case tagCall:
		case tagKwCall:
			if kw, _ := r.term[5].(map[string]any); len(kw) > 0 {
				return dst, unsupported("keyword arguments")
			}
		case tagStream:
			return dst, unsupported("Stream")
		case tagEval:
			return dst, unsupported("Eval and Exec")
		case tagReload:
			return dst, unsupported("Reload")
		default:
			return dst, unsupported("request " + string(rune(tag)))
		}
		module, function, args = text(r.term[2]), text(r.term[3]), r.term[4]
	}
	enc := c.enc
	if r.trusted {
		enc = compatEncode
	}
	frame, err := c.appendFrame(enc, dst, erlterm.Tuple{tagAtom(tagCall), id,
		erlterm.Atom(module), erlterm.Atom(function), args})
	if err != nil {
		return frame, fmt.Errorf("snakes: encoding the call: %w", err)
	}
	return frame, nil
}

// post: a Cast is a call whose reply is dropped (an error reply is
// logged), a Send is {'M', Message}.
func (c *erlPort) post(w *Worker, t erlterm.Tuple, deadline time.Time) error {
	var term erlterm.Tuple
	var castID uint64
	switch {
	case isAtom(t[0], string(rune(tagCast))):
		if kw, _ := t[4].(map[string]any); len(kw) > 0 {
			return unsupported("keyword arguments")
		}
		w.mu.Lock()
		w.nextID++
		castID = w.nextID
		w.mu.Unlock()
		term = erlterm.Tuple{tagAtom(tagCall), castID, erlterm.Atom(text(t[1])), erlterm.Atom(text(t[2])), t[3]}
	case isAtom(t[0], string(rune(tagMessage))):
		term = t
	default:
		return unsupported(fmt.Sprint(t[0]))
	}
	frame, err := c.appendFrame(c.enc, nil, term)
	if err != nil {
		return fmt.Errorf("snakes: encoding: %w", err)
	}
	if castID != 0 {
		c.mu.Lock()
		c.casts[castID] = struct{}{}
		c.mu.Unlock()
	}
	err = w.sendBy(frame, deadline)
	if err != nil && castID != 0 {
		c.takeCast(castID)
	}
	return notRun(err)
}

// ErlPort keeps no run order (run_order.go): no request is known not to
// have run when the process dies.
func (*erlPort) noteWritten(*Worker, []byte)             {}
func (*erlPort) unnoteWritten(*Worker, []byte, int)      {}
func (*erlPort) neverRanLocked(*Worker) func(*call) fate { return ranOrUnknown }

func ranOrUnknown(*call) fate { return mayHaveRun }

// cancel: ErlPort has no cancel frame; the escalation goes straight to
// signals.
func (*erlPort) cancel(*Worker, *call) bool { return false }

// takeCast reports whether id is a Cast's, forgetting it.
func (c *erlPort) takeCast(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.casts[id]
	delete(c.casts, id)
	return ok
}

// dispatch takes the frames whose handling differs from the native
// profile's and leaves the rest (results, messages) to the native router,
// route.
func (c *erlPort) dispatch(w *Worker, f []byte, h frameHeader, self *call, owned bool) bool {
	if len(f) > 1 && erlterm.Tag(f[1]) == erlterm.TagCompressed { // --compressed N: inflate, route again
		plain, err := erlterm.Inflate(f, w.decode.MaxDecompressedSize)
		if err != nil {
			w.violation(errProtocolf("undecodable compressed frame: %v", err))
			return false
		}
		return w.dispatch(plain, nil, true)
	}
	if h.tag != 'P' && len(c.line) > 0 {
		c.flushLine(w)
	}
	switch {
	case h.tag == 'P' && h.arity == 2: // {'P', Chars}: print()
		var chars any
		if err := decodeAt(w.decode, f, h.off, &chars); err != nil {
			w.violation(errProtocolf("undecodable print frame: %v", err))
			return false
		}
		c.print(w, charlistText(chars))
		return true

	case (h.tag == tagResult || h.tag == tagError) && h.hasID && h.arity == 3:
		if c.takeCast(h.id) {
			if h.tag == tagError {
				var t any
				if err := decodeAt(w.decode, f, h.off, &t); err == nil {
					w.log.Error("cast failed", "error", compatError(t))
				}
			}
			return true
		}
		if h.tag == tagResult {
			return w.route(f, h, self, owned)
		}
		var t any
		if err := decodeAt(w.decode, f, h.off, &t); err != nil {
			w.violation(errProtocolf("undecodable error reply: %v", err))
			return false
		}
		perr := compatError(t)
		w.mu.Lock()
		if call := w.calls[h.id]; call != nil && call.kind == kindCall {
			call.err = perr
			w.complete(call)
		}
		w.mu.Unlock()
		return true

	case h.tag == tagError && h.arity == 2: // {'e', Error}: the message handler raised
		var t any
		if err := decodeAt(w.decode, f, h.off, &t); err != nil {
			w.violation(errProtocolf("undecodable error: %v", err))
			return false
		}
		err := compatError(t)
		w.log.Error("the ErlPort message handler raised: stopping the worker", "error", err)
		// ErlPort stops the instance ({message_handler_error, Error}).
		w.killFor(fmt.Errorf("snakes: the ErlPort message handler raised: %w", err))
		return true

	case h.tag == tagCall || h.tag == tagUnknown:
		// Callbacks carry 122-bit ids, which parseHeader does not take.
		var v any
		if err := w.decode.Unmarshal(f, &v); err != nil {
			w.violation(errProtocolf("undecodable frame: %v", err))
			return false
		}
		if t, ok := v.(erlterm.Tuple); ok && len(t) == 6 && isAtom(t[0], "C") {
			w.wg.Add(1)
			go c.callback(w, t)
			return true
		}
		w.log.Warn("unexpected frame from the worker", "term", v)
		return true
	}
	return w.route(f, h, self, owned)
}

// print logs what Python printed, line by line ('P' frames carry each
// write() on its own: print("a", "b") is four frames). A line not yet
// ended is logged when a frame of another kind arrives.
func (c *erlPort) print(w *Worker, s string) {
	c.line = append(c.line, s...)
	start := 0
	for i := start; i < len(c.line); i++ {
		if c.line[i] == '\n' {
			w.log.Info(string(c.line[start:i]), "stream", "stdout")
			start = i + 1
		}
	}
	c.line = append(c.line[:0], c.line[start:]...)
	if len(c.line) > 64<<10 {
		c.flushLine(w)
	}
}

func (c *erlPort) flushLine(w *Worker) {
	w.log.Info(string(c.line), "stream", "stdout")
	c.line = c.line[:0]
}

// compatError converts ErlPort's error term
// {python, 'module.Class', Message::charlist, Traceback} into a
// *PythonError. On Python ≥ 3.5 the traceback is a pickled StackSummary
// ({'$erlport.opaque', python, Pickle}): its bytes are kept, undecoded, in
// PickledTraceback. A Python 2-era list of {File, Line, Function, Text}
// (innermost first) becomes Traceback (innermost last).
func compatError(t any) error {
	tup, ok := t.(erlterm.Tuple)
	if !ok || len(tup) != 4 || !isAtom(tup[0], "python") {
		return &PythonError{Type: "unknown", Message: fmt.Sprint(t)}
	}
	e := &PythonError{Type: charlistText(tup[1]), Message: charlistText(tup[2])}
	switch tb := tup[3].(type) {
	case erlterm.Opaque:
		e.PickledTraceback = tb.Data
	case []any:
		for i := len(tb) - 1; i >= 0; i-- {
			ft, ok := tb[i].(erlterm.Tuple)
			if !ok || len(ft) != 4 {
				continue
			}
			line, _ := ft[1].(int64)
			e.Traceback = append(e.Traceback, TracebackFrame{File: charlistText(ft[0]),
				Line: int(line), Function: charlistText(ft[2]), Text: charlistText(ft[3])})
		}
	}
	return e
}

// charlistText renders a decoded term as text: a list of character codes
// (how ErlPort sends str) as its characters, binaries and atoms as
// themselves.
func charlistText(v any) string {
	l, ok := v.([]any)
	if !ok {
		return text(v)
	}
	var b strings.Builder
	for _, x := range l {
		r, ok := x.(int64)
		if !ok {
			return fmt.Sprint(v)
		}
		b.WriteRune(rune(r))
	}
	return b.String()
}

// callback serves {'C', Id, Module, Function, Args, Context} from
// ErlPort's side, as runCallback does on the native profile, but echoes
// the id whatever its size (ErlPort's are 122-bit) and answers a failure in
// ErlPort's shape, {'e', Id, {erlang, error, Reason, []}}, Reason the error
// text as a binary: Python raises erlport.erlang.CallError, whose value is
// Reason.
func (c *erlPort) callback(w *Worker, t erlterm.Tuple) {
	defer w.wg.Done()
	id := t[1]
	switch id.(type) {
	case int64, *big.Int:
	default:
		w.log.Warn("callback with an id that is not an integer", "id", id)
		return
	}
	var answered atomic.Bool
	answer := func(result any, err error) {
		if !answered.CompareAndSwap(false, true) {
			return
		}
		var reply []byte
		if err == nil {
			if reply, err = c.appendFrame(c.enc, nil, erlterm.Tuple{tagAtom(tagResult), id, result}); err != nil {
				err = fmt.Errorf("encoding the result: %w", pickleRefused(err, "", funcName(t)))
			}
		}
		if err != nil {
			reason := err.Error()
			for {
				var eerr error
				reply, eerr = c.appendFrame(compatEncode, nil, erlterm.Tuple{tagAtom(tagError), id,
					erlterm.Tuple{erlterm.Atom("erlang"), erlterm.Atom("error"), reason, []any{}}})
				if eerr == nil || len(reason) <= 16 {
					break
				}
				reason = reason[:len(reason)/2] // a small --packet: shorten
			}
		}
		if serr := w.send(reply); serr != nil {
			w.log.Debug("callback reply not sent", "error", serr)
		}
	}
	w.invokeFunc(t, answer)
}

// spawned puts a relay between the child's reply pipe and the reader when
// --packet is 1 or 2: it re-frames each frame with the 4-byte length the
// reader expects, so that the reader stays profile-agnostic.
func (c *erlPort) spawned(w *Worker) error {
	if c.packet == 4 {
		return nil
	}
	return w.startRelay(c.packet)
}

// startRelay starts the relay of a --packet of 1 or 2 bytes.
func (w *Worker) startRelay(packet int) error {
	var p [2]int
	if err := syscall.Pipe2(p[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	setPipeSize(p[1])
	// The relay's input waits in Go's poller, so that it can be cut once
	// the process is gone (drain.go).
	if err := syscall.SetNonblock(w.rfd, true); err != nil {
		syscall.Close(p[0])
		syscall.Close(p[1])
		return err
	}
	w.drain.relay = newCutReader(os.NewFile(uintptr(w.rfd), "erlport-replies"))
	w.drain.streams = append(w.drain.streams, w.drain.relay)
	w.rfd = p[0]
	w.wg.Add(1)
	go w.relay(w.drain.relay, p[1], packet)
	return nil
}

// relay copies frames from src (packet-byte lengths) to dst (4-byte
// lengths) until src ends (the child exited) or dst breaks (the reader
// gave up), then closes both: the reader sees the end of file.
func (w *Worker) relay(in *cutReader, dst, packet int) {
	defer w.wg.Done()
	out := os.NewFile(uintptr(dst), "erlport-relay")
	defer in.Close()
	defer out.Close()
	r := bufio.NewReaderSize(in, 64<<10)
	bw := bufio.NewWriterSize(out, 64<<10)
	length := func(b []byte) int {
		n := 0
		for _, x := range b[:packet] {
			n = n<<8 | int(x)
		}
		return n
	}
	hdr := make([]byte, packet)
	var frame [4]byte
	for {
		if _, err := io.ReadFull(r, hdr); err != nil {
			bw.Flush()
			return
		}
		n := length(hdr)
		binary.BigEndian.PutUint32(frame[:], uint32(n))
		bw.Write(frame[:])
		if _, err := io.CopyN(bw, r, int64(n)); err != nil {
			bw.Flush() // a truncated frame: the reader sees it end early
			return
		}
		// Write out unless the next frame is already here in full.
		if r.Buffered() >= packet {
			if b, _ := r.Peek(packet); r.Buffered() >= packet+length(b) {
				continue
			}
		}
		if err := bw.Flush(); err != nil {
			return
		}
	}
}
