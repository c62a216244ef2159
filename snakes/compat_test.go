package snakes

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"

	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/internal/testkit"
)

// The compat profile's tests drive testdata/erlport_wire.py, a stand-in
// for ErlPort's Python side written from the wire reference (ErlPort
// cannot be installed here), through the ordinary Worker API.

// erlportCommand is the command line of the stand-in, as ErlPort would run
// erlport.cli.
func erlportCommand(t testing.TB, packet int, stdio bool) []string {
	t.Helper()
	mode := "--use_stdio"
	if !stdio {
		mode = "--nouse_stdio"
	}
	return []string{interp(t).Path, "-u", filepath.Join(fixturesDir(t), "erlport_wire.py"),
		fmt.Sprintf("--packet=%d", packet), mode}
}

// startErlPort starts a compat worker (packet 4, stdio unless opts.Command
// says otherwise), stopped at the end of the test.
func startErlPort(t testing.TB, opts Options) *Worker {
	t.Helper()
	opts.Profile = ProfileErlPort
	if opts.Command == nil {
		opts.Command = erlportCommand(t, 4, true)
	}
	return mustStart(t, opts)
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The reference's byte examples (erlport-wire.md §5).
const (
	refCall  = "00 00 00 1f 83 68 05 64 00 01 43 61 01 64 00 08 6f 70 65 72 61 74 6f 72 64 00 03 61 64 64 6b 00 02 01 02"
	refReply = "00 00 00 0b 83 68 03 64 00 01 72 61 01 61 03"
)

func TestCompatWireBytesHost(t *testing.T) {
	call := erlterm.Tuple{tagAtom(tagCall), 1, erlterm.Atom("operator"), erlterm.Atom("add"), []any{1, 2}}
	want := unhex(t, refCall)
	for _, packet := range []int{4, 2, 1} {
		c := &erlPort{packet: packet, maxFrame: DefaultMaxFrame}
		if packet < 4 {
			c.maxFrame = 1<<(8*packet) - 1
		}
		got, err := c.appendFrame(compatEncode, nil, call)
		if err != nil {
			t.Fatal(err)
		}
		w := want[4-packet:]
		if !bytes.Equal(got, w) {
			t.Errorf("packet %d: call\n got % x\nwant % x", packet, got, w)
		}
	}
	if n := len(want); n != 35 {
		t.Fatalf("reference call is %d bytes", n)
	}

	// The 15-byte reply routes as {'r', 1, 3}.
	reply := unhex(t, refReply)
	if len(reply) != 15 {
		t.Fatalf("reference reply is %d bytes", len(reply))
	}
	h := parseHeader(reply[4:])
	if h.tag != tagResult || !h.hasID || h.id != 1 || h.arity != 3 {
		t.Fatalf("reply header %+v", h)
	}
	var v any
	if err := decodeAt(erlterm.DecodeOptions{}, reply[4:], h.off, &v); err != nil || v != int64(3) {
		t.Fatalf("reply result %v, %v", v, err)
	}

	// {'M', hello}, host to Python.
	c := &erlPort{packet: 4, maxFrame: DefaultMaxFrame}
	got, err := c.appendFrame(compatEncode, nil, erlterm.Tuple{tagAtom(tagMessage), erlterm.Atom("hello")})
	if err != nil {
		t.Fatal(err)
	}
	if w := unhex(t, "00 00 00 0f 83 68 02 64 00 01 4d 64 00 05 68 65 6c 6c 6f"); !bytes.Equal(got, w) {
		t.Errorf("message\n got % x\nwant % x", got, w)
	}

	// What ErlPort's Python side cannot decode is refused, not sent.
	for _, v := range []any{map[string]any{"a": 1}, erlterm.Atom("ĉ☃"), erlterm.Pid{Node: "a@b"}} {
		if _, err := c.appendFrame(compatEncode, nil, erlterm.Tuple{tagAtom(tagMessage), v}); !errors.Is(err, ErrUnsupported) {
			t.Errorf("%#v: err %v, want ErrUnsupported", v, err)
		}
	}
	// --packet 1 holds at most 255 bytes.
	c1 := &erlPort{packet: 1, maxFrame: 255}
	if _, err := c1.appendFrame(compatEncode, nil, erlterm.Tuple{tagAtom(tagMessage), strings.Repeat("x", 300)}); err == nil {
		t.Error("a 300-byte frame with --packet 1 was encoded")
	}
}

// runWire runs the stand-in with input on its stdin and returns its stdout
// and exit status.
func runWire(t *testing.T, packet int, input []byte) []byte {
	t.Helper()
	args := erlportCommand(t, packet, true)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("erlport_wire.py: %v\n%s", err, stderr.Bytes())
	}
	return out
}

// frame frames an encoded term (131 first) with a packet-byte length.
func frame(packet int, body []byte) []byte {
	out := make([]byte, packet, packet+len(body))
	n := len(body)
	for i := packet - 1; i >= 0; i-- {
		out[i] = byte(n)
		n >>= 8
	}
	return append(out, body...)
}

func TestCompatWireBytesPython(t *testing.T) {
	call := unhex(t, refCall)
	reply := unhex(t, refReply)
	for _, packet := range []int{4, 2, 1} {
		got := runWire(t, packet, call[4-packet:])
		if want := reply[4-packet:]; !bytes.Equal(got, want) {
			t.Errorf("packet %d: reply\n got % x\nwant % x", packet, got, want)
		}
	}

	enc := func(v any) []byte {
		b, err := compatEncode.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// Error reply for operator:truediv(1, 0) with id 2.
	got := runWire(t, 4, frame(4, enc(erlterm.Tuple{erlterm.Atom("C"), 2,
		erlterm.Atom("operator"), erlterm.Atom("truediv"), []any{1, 0}})))
	prefix := unhex(t, `83 68 03 64 00 01 65 61 02 68 04 64 00 06 70 79 74 68 6f 6e
		64 00 1a`+hex.EncodeToString([]byte("builtins.ZeroDivisionError"))+`
		6b 00 10`+hex.EncodeToString([]byte("division by zero"))+`
		68 03 64 00 0f`+hex.EncodeToString([]byte("$erlport.opaque"))+`64 00 06 70 79 74 68 6f 6e 6d`)
	if len(got) < 4+len(prefix)+4+12 || !bytes.Equal(got[4:4+len(prefix)], prefix) {
		t.Fatalf("error reply\n got % x\nwant % x ...", got, prefix)
	}
	if n := int(got[0])<<24 | int(got[1])<<16 | int(got[2])<<8 | int(got[3]); n != len(got)-4 {
		t.Errorf("length %d, frame %d", n, len(got)-4)
	}
	pickle := got[4+len(prefix)+4:]
	if want := unhex(t, "80 02 63 74 72 61 63 65 62 61 63 6b 0a 53 74 61 63 6b 53 75 6d 6d"); !bytes.HasPrefix(pickle, want) {
		t.Errorf("traceback pickle starts % x, want % x", pickle[:len(want)], want)
	}

	// print("hey"): a 'P' frame for "hey", another for "\n", then the reply.
	got = runWire(t, 4, frame(4, enc(erlterm.Tuple{erlterm.Atom("C"), 1,
		erlterm.Atom("erlport_fixtures"), erlterm.Atom("hey"), []any{}})))
	want := append(frame(4, unhex(t, "83 68 02 64 00 01 50 6b 00 03 68 65 79")),
		frame(4, unhex(t, "83 68 02 64 00 01 50 6b 00 01 0a"))...)
	want = append(want, frame(4, unhex(t, "83 68 03 64 00 01 72 61 01 64 00 09 75 6e 64 65 66 69 6e 65 64"))...)
	if !bytes.Equal(got, want) {
		t.Errorf("print\n got % x\nwant % x", got, want)
	}

	// A callback: {'C', uuid4-int, go, identity, [7], 'N'} with a SMALL_BIG
	// id. (At end of input while it waits, the call fails with EOFError,
	// and Python exits 0.)
	got = runWire(t, 4, frame(4, enc(erlterm.Tuple{erlterm.Atom("C"), 1,
		erlterm.Atom("erlport_fixtures"), erlterm.Atom("go_call"), []any{[]byte("identity"), []any{7}}})))
	body := got[4:]
	if n := int(got[0])<<24 | int(got[1])<<16 | int(got[2])<<8 | int(got[3]); n <= len(body) {
		body = body[:n]
	}
	if len(body) < 10 || !bytes.Equal(body[:7], unhex(t, "83 68 06 64 00 01 43")) || body[7] != 0x6e || body[9] != 0 {
		t.Fatalf("callback frame % x", got)
	}
	n := int(body[8])
	if n < 10 || n > 16 {
		t.Errorf("callback id of %d bytes, want a 122-bit integer", n)
	}
	rest := body[10+n:]
	if want := unhex(t, "64 00 02 67 6f 64 00 08 69 64 65 6e 74 69 74 79 6b 00 01 07 64 00 01 4e"); !bytes.Equal(rest, want) {
		t.Errorf("callback rest\n got % x\nwant % x", rest, want)
	}
}

func TestCompatCallValues(t *testing.T) {
	w := startErlPort(t, Options{})
	ctx := context.Background()
	big := mustBig("1180591620717411303424")
	tests := []struct {
		name     string
		module   string
		function string
		args     []any
		want     any
	}{
		{"add", "operator", "add", []any{1, 2}, int64(3)},
		{"negative", "operator", "neg", []any{5}, int64(-5)},
		{"big int", "operator", "mul", []any{int64(1) << 40, 1 << 30}, big},
		{"float", "erlport_fixtures", "echo", []any{1.5}, 1.5},
		{"true", "erlport_fixtures", "echo", []any{true}, true},
		{"None", "erlport_fixtures", "echo", []any{nil}, nil},
		{"atom", "erlport_fixtures", "echo", []any{erlterm.Atom("ok")}, erlterm.Atom("ok")},
		// A Go string travels as a binary: Python gets bytes, and bytes
		// come back as a binary (a Go string again).
		{"string", "erlport_fixtures", "describe", []any{"héllo"}, erlterm.T(erlterm.Atom("bytes"), "héllo")},
		{"bytes", "erlport_fixtures", "describe", []any{[]byte{0, 1, 255}}, erlterm.T(erlterm.Atom("bytes"), "\x00\x01\xff")},
		// str comes back as a charlist.
		{"str", "erlport_fixtures", "upper", []any{"abc"}, []any{int64('A'), int64('B'), int64('C')}},
		{"list", "erlport_fixtures", "echo", []any{[]any{1, "b", nil, 2.5}}, []any{int64(1), "b", nil, 2.5}},
		{"byte list", "erlport_fixtures", "echo", []any{[]any{1, 2, 3}}, []any{int64(1), int64(2), int64(3)}},
		{"empty list", "erlport_fixtures", "echo", []any{[]any{}}, []any{}},
		{"tuple", "erlport_fixtures", "echo", []any{erlterm.T(1, "a", erlterm.T())}, erlterm.T(int64(1), "a", erlterm.T())},
		{"dotted", "builtins", "int.bit_length", []any{255}, int64(8)},
		{"no args", "os", "getpid", nil, int64(w.Pid())},
		{"empty kwargs", "operator", "add", []any{1, 2, Kwargs{}}, int64(3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := w.Call(ctx, tt.module, tt.function, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !erlterm.Equal(got, tt.want) {
				t.Fatalf("got %#v, want %#v", got, tt.want)
			}
		})
	}

	// Charlists decode into Go strings, code points above 255 included.
	var s string
	if err := w.CallInto(ctx, &s, "erlport_fixtures", "upper", "héllo"); err != nil || s != "HÉLLO" {
		t.Errorf("upper: %q, %v", s, err)
	}
	if err := w.CallInto(ctx, &s, "erlport_fixtures", "text", 2); err != nil || s != "ĉxĉx" {
		t.Errorf("text: %q, %v", s, err)
	}
	var b []byte
	if err := w.CallInto(ctx, &b, "erlport_fixtures", "echo", []byte{0, 1, 255}); err != nil || !bytes.Equal(b, []byte{0, 1, 255}) {
		t.Errorf("bytes: %v, %v", b, err)
	}
	if info := w.Info(); info["profile"] != "erlport" || info["pid"] != int64(w.Pid()) {
		t.Errorf("Info %v", info)
	}

	// Concurrent calls pipeline and match their replies.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var n int
			if err := w.CallInto(ctx, &n, "operator", "add", i, 1000); err != nil || n != i+1000 {
				t.Errorf("add(%d): %d, %v", i, n, err)
			}
		}()
	}
	wg.Wait()
}

func TestCompatPythonErrors(t *testing.T) {
	w := startErlPort(t, Options{})
	ctx := context.Background()
	_, err := w.Call(ctx, "operator", "truediv", 1, 0)
	var pe *PythonError
	if !errors.As(err, &pe) {
		t.Fatalf("err %v (%T), want *PythonError", err, err)
	}
	if pe.Type != "builtins.ZeroDivisionError" || pe.Message != "division by zero" {
		t.Errorf("got %q %q", pe.Type, pe.Message)
	}
	if !bytes.HasPrefix(pe.PickledTraceback, []byte("\x80\x02ctraceback\nStackSummary")) || len(pe.Traceback) != 0 {
		t.Errorf("traceback %q %v", pe.PickledTraceback, pe.Traceback)
	}

	_, err = w.Call(ctx, "erlport_fixtures", "raise_value_error", "ĉ is bad")
	if !errors.As(err, &pe) || pe.Type != "builtins.ValueError" || pe.Message != "ĉ is bad" {
		t.Errorf("err %v", err)
	}
	_, err = w.Call(ctx, "no_such_module", "f")
	if !errors.As(err, &pe) || pe.Type != "builtins.ModuleNotFoundError" {
		t.Errorf("err %v", err)
	}
	if got, err := w.Call(ctx, "operator", "add", 1, 1); err != nil || got != int64(2) {
		t.Errorf("after errors: %v, %v", got, err)
	}
}

func TestCompatPrintLogged(t *testing.T) {
	var buf lockedBuffer
	log := hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Trace})
	w := startErlPort(t, Options{Logger: log})
	if _, err := w.Call(context.Background(), "erlport_fixtures", "shout", "x ĉ"); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"hello from python: x ĉ", "partial"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "unexpected frame") {
		t.Errorf("log:\n%s", out)
	}
}

func TestCompatCallbacks(t *testing.T) {
	var w *Worker
	w = startErlPort(t, Options{Funcs: map[string]Func{
		"go.double": func(ctx context.Context, args []any) (any, error) {
			return args[0].(int64) * 2, nil
		},
	}})
	w.RegisterFunc("go.fail", func(ctx context.Context, args []any) (any, error) {
		return nil, errors.New("no luck")
	})
	w.RegisterFunc("go.nested", func(ctx context.Context, args []any) (any, error) {
		// Go -> Python -> Go -> Python: Python serves this call while it
		// waits for the callback's reply.
		return w.Call(ctx, "operator", "add", args[0], 1)
	})
	w.RegisterFunc("go.map", func(ctx context.Context, args []any) (any, error) {
		return map[string]any{"a": 1}, nil
	})
	ctx := context.Background()
	if got, err := w.Call(ctx, "erlport_fixtures", "go_call", "double", []any{21}); err != nil || got != int64(42) {
		t.Errorf("double: %v, %v", got, err)
	}
	if got, err := w.Call(ctx, "erlport_fixtures", "go_call", "nested", []any{41}); err != nil || got != int64(42) {
		t.Errorf("nested: %v, %v", got, err)
	}
	for name, want := range map[string]string{
		"fail": "no luck",
		"nope": "no such Go function: go.nope",
		"map":  "cannot decode a map",
	} {
		got, err := w.Call(ctx, "erlport_fixtures", "go_call_error", name, []any{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// CallError's (language, type, value, stacktrace).
		tup, ok := got.(erlterm.Tuple)
		if !ok || len(tup) != 4 || tup[0] != erlterm.Atom("erlang") || tup[1] != erlterm.Atom("error") ||
			!strings.Contains(text(tup[2]), want) || !erlterm.Equal(tup[3], []any{}) {
			t.Errorf("%s: got %#v, want {erlang, error, ..%s.., []}", name, got, want)
		}
	}
}

func TestCompatDeadlineSignals(t *testing.T) {
	running := make(chan struct{})
	w := startErlPort(t, Options{CancelGrace: 10 * time.Second, Funcs: map[string]Func{
		"go.running": func(context.Context, []any) (any, error) { close(running); return nil, nil },
	}})
	// The deadline passes once the call runs (it called go.running): a
	// real short one could pass, and the SIGINT come, while ErlPort's side
	// still waited for the request, where KeyboardInterrupt kills it.
	ctx := newExpiringContext()
	res := make(chan error, 1)
	go func() {
		_, err := w.Call(ctx, "erlport_fixtures", "go_call_then_sleep", "running", 30)
		res <- err
	}()
	testkit.Receive(t, "the call to run", running)
	start := time.Now()
	ctx.expire()
	err := testkit.Receive(t, "the call's release", res)
	elapsed := time.Since(start)
	var ae *AbandonError
	if !errors.As(err, &ae) || !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v (%T), want an *AbandonError for ErrTimeout", err, err)
	}
	// No cancel frame (ErlPort's side would die of it) and no CancelGrace:
	// SIGINT at once, KeyboardInterrupt answers the call.
	<-ae.Settled()
	stage, final := ae.Outcome()
	var pe *PythonError
	if stage != "interrupted (SIGINT)" || !errors.As(final, &pe) || pe.Type != "builtins.KeyboardInterrupt" {
		t.Errorf("stage %q, final %v", stage, final)
	}
	if errors.As(err, &pe) {
		t.Errorf("the caller's error %v matches *PythonError: a timeout must not", err)
	}
	if elapsed > 3*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if _, err := w.Call(context.Background(), "operator", "add", 1, 2); !errors.Is(err, ErrStopped) && !errors.Is(err, ErrWorkerExited) {
		t.Errorf("a call to the broken worker: %v", err)
	}
}

func TestCompatStopEOF(t *testing.T) {
	exit := make(chan error, 1)
	w := startErlPort(t, Options{OnExit: func(err error) { exit <- err }})
	if err := w.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	var ee *ExitError
	if err := <-exit; !errors.As(err, &ee) || ee.Code != 0 || ee.Signal != 0 {
		t.Fatalf("exit %v, want status 0 on end of file", err)
	}
}

func TestCompatPacketsAndFds(t *testing.T) {
	for _, tc := range []struct {
		packet     int
		stdio      bool
		compressed bool
	}{{1, true, false}, {2, true, false}, {4, true, false}, {1, false, false}, {2, false, false}, {4, false, false},
		{2, true, true}, {4, true, true}} {
		t.Run(fmt.Sprintf("packet%d-stdio=%v-compressed=%v", tc.packet, tc.stdio, tc.compressed), func(t *testing.T) {
			var buf lockedBuffer
			cmd := erlportCommand(t, tc.packet, tc.stdio)
			if tc.compressed {
				cmd = append(cmd, "--compressed=9")
			}
			w := startErlPort(t, Options{Command: cmd,
				Logger: hclog.New(&hclog.LoggerOptions{Output: &buf})})
			ctx := context.Background()
			if got, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || got != int64(3) {
				t.Fatalf("add: %v, %v", got, err)
			}
			var s string
			if err := w.CallInto(ctx, &s, "erlport_fixtures", "upper", "abc"); err != nil || s != "ABC" {
				t.Errorf("upper: %q, %v", s, err)
			}
			size := map[int]int{1: 200, 2: 60000, 4: 1 << 20}[tc.packet]
			big := strings.Repeat("x", size)
			if got, err := w.Call(ctx, "erlport_fixtures", "echo", big); err != nil || got != big {
				t.Errorf("echo of %d bytes: %v", size, err)
			}
			if tc.packet < 4 {
				over := strings.Repeat("x", 1<<(8*tc.packet))
				if _, err := w.Call(ctx, "erlport_fixtures", "echo", over); err == nil {
					t.Errorf("a frame over the --packet %d limit was sent", tc.packet)
				}
			}
			if _, err := w.Call(ctx, "erlport_fixtures", "shout", "p"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "hello from python: p") {
				t.Errorf("log:\n%s", buf.String())
			}
			var wg sync.WaitGroup
			for i := range 10 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var n int
					if err := w.CallInto(ctx, &n, "operator", "add", i, 1); err != nil || n != i+1 {
						t.Errorf("add(%d): %d, %v", i, n, err)
					}
				}()
			}
			wg.Wait()
		})
	}
}

func TestCompatUnsupported(t *testing.T) {
	w := startErlPort(t, Options{})
	ctx := context.Background()
	for name, err := range map[string]error{
		"kwargs": func() error { _, err := w.Call(ctx, "operator", "add", 1, Kwargs{"b": 2}); return err }(),
		"eval":   func() error { _, err := w.Eval(ctx, "1"); return err }(),
		"exec":   w.Exec(ctx, "x = 1"),
		"reload": func() error { _, err := w.Reload(ctx, "json"); return err }(),
		"cast":   w.Cast(context.Background(), "erlport_fixtures", "record", 1, Kwargs{"a": 1}),
		"map":    func() error { _, err := w.Call(ctx, "erlport_fixtures", "echo", map[string]any{"a": 1}); return err }(),
		"atom":   func() error { _, err := w.Call(ctx, "erlport_fixtures", "echo", erlterm.Atom("☃")); return err }(),
		"stream": func() error {
			for _, err := range w.Stream(ctx, "builtins", "range", 3) {
				return err
			}
			return nil
		}(),
	} {
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: err %v, want ErrUnsupported", name, err)
		}
	}
	if got, err := w.Call(ctx, "operator", "add", 1, 2); err != nil || got != int64(3) {
		t.Errorf("after refusals: %v, %v", got, err)
	}
}

// TestCompatCheckTerm: the terms ErlPort's Python side decodes pass the
// check, each kind it does not is refused with ErrUnsupported and named,
// and bytes that are no term are refused too.
func TestCompatCheckTerm(t *testing.T) {
	enc := func(v any) []byte {
		b, err := compatEncode.Append(nil, v)
		if err != nil {
			t.Fatalf("encoding %#v: %v", v, err)
		}
		return b
	}
	fine := []any{1, -70000, uint64(1) << 63, 1.5, erlterm.Atom("ok"), nil, "text", []byte{1, 2},
		[]int{104, 105}, []any{}, []any{1, []any{"x"}}, erlterm.Tuple{1, erlterm.Tuple{}}, make(erlterm.Tuple, 300),
		erlterm.ImproperList{Elems: []any{1}, Tail: 2}}
	for _, v := range fine {
		if err := checkErlPortTerm(enc(v)); err != nil {
			t.Errorf("%#v: %v", v, err)
		}
	}
	refused := []struct {
		v    any
		kind string
	}{
		{map[string]any{"a": 1}, "a map"},
		{erlterm.Atom("ĉ☃"), "a UTF-8 or small atom"},
		{erlterm.BitString{Bytes: []byte{0x80}, Bits: 1}, "a bitstring"},
		{erlterm.Pid{Node: "a@b"}, "a pid"},
		{erlterm.Port{Node: "a@b"}, "a port"},
		{erlterm.Ref{Node: "a@b", ID: []uint32{1}}, "a reference"},
		{erlterm.Export{Module: "m", Function: "f"}, "a fun"},
		{[]any{1, erlterm.Tuple{map[string]any{}}}, "a map"}, // deep inside
	}
	for _, tt := range refused {
		err := checkErlPortTerm(enc(tt.v))
		if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "cannot decode "+tt.kind) {
			t.Errorf("%#v: %v, want ErrUnsupported naming %s", tt.v, err, tt.kind)
		}
	}
	tuple := enc(erlterm.Tuple{1, 2})
	for name, b := range map[string][]byte{
		"empty": nil, "no version": tuple[1:], "cut short": tuple[:len(tuple)-1],
		"bytes after the term": append(tuple, 0), "compressed": {erlterm.Version, byte(erlterm.TagCompressed), 0, 0, 0, 1},
	} {
		if err := checkErlPortTerm(b); err == nil || errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v, want an error other than ErrUnsupported", name, err)
		}
	}
}

func TestCompatCastAndMessages(t *testing.T) {
	msgs := make(chan any, 4)
	var buf lockedBuffer
	w := startErlPort(t, Options{OnMessage: func(m any) { msgs <- m },
		Logger: hclog.New(&hclog.LoggerOptions{Output: &buf})})
	ctx := context.Background()
	if err := w.Cast(context.Background(), "erlport_fixtures", "record", 5); err != nil {
		t.Fatal(err)
	}
	if err := w.Cast(context.Background(), "operator", "truediv", 1, 0); err != nil {
		t.Fatal(err)
	}
	if got, err := w.Call(ctx, "erlport_fixtures", "recorded"); err != nil || !erlterm.Equal(got, []any{int64(5)}) {
		t.Errorf("recorded: %v, %v", got, err)
	}
	if !strings.Contains(buf.String(), "ZeroDivisionError") {
		t.Errorf("the failed cast is not logged:\n%s", buf.String())
	}

	// Host -> Python messages go to the handler the Python code set.
	if _, err := w.Call(ctx, "erlport_fixtures", "install_handler"); err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), "m1"); err != nil {
		t.Fatal(err)
	}
	if got, err := w.Call(ctx, "erlport_fixtures", "messages"); err != nil || !erlterm.Equal(got, []any{"m1"}) {
		t.Errorf("messages: %v, %v", got, err)
	}

	// Python -> host casts reach OnMessage.
	if _, err := w.Call(ctx, "erlport_fixtures", "cast_back", "hi"); err != nil {
		t.Fatal(err)
	}
	if m := testkit.Receive(t, "the cast back", msgs); m != "hi" {
		t.Errorf("message %#v", m)
	}
}

func TestCompatMessageHandlerErrorStops(t *testing.T) {
	exit := make(chan error, 1)
	w := startErlPort(t, Options{OnExit: func(err error) { exit <- err }})
	if _, err := w.Call(context.Background(), "erlport_fixtures", "install_failing_handler"); err != nil {
		t.Fatal(err)
	}
	if err := w.Send(context.Background(), "boom"); err != nil {
		t.Fatal(err)
	}
	if err := testkit.Receive(t, "the worker to be stopped", exit); !strings.Contains(err.Error(), "message handler raised") || !strings.Contains(err.Error(), "handler failed") {
		t.Errorf("exit %v", err)
	}
}

func TestCompatStartFailures(t *testing.T) {
	ctx := context.Background()
	_, err := Start(ctx, Options{Profile: ProfileErlPort,
		Command: []string{interp(t).Path, "-c", "import sys; sys.exit(3)"}})
	var ee *ExitError
	if !errors.Is(err, ErrStartFailed) || !errors.As(err, &ee) || ee.Code != 3 {
		t.Errorf("exiting side: %v", err)
	}
	_, err = Start(ctx, Options{Profile: ProfileErlPort,
		Command: []string{interp(t).Path, "-u", "x.py", "--packet=3"}})
	if !errors.Is(err, ErrStartFailed) {
		t.Errorf("--packet=3: %v", err)
	}
	// A side that never answers fails Start at StartTimeout.
	_, err = Start(ctx, Options{Profile: ProfileErlPort, StartTimeout: 300 * time.Millisecond,
		Command: []string{interp(t).Path, "-c", "import time; time.sleep(30)"}})
	if !errors.Is(err, ErrStartFailed) {
		t.Errorf("silent side: %v", err)
	}
	// Init replaces the probe call.
	w := startErlPort(t, Options{Init: &InitCall{Module: "erlport_fixtures", Function: "record", Args: []any{"init"}}})
	if got, err := w.Call(ctx, "erlport_fixtures", "recorded"); err != nil || !erlterm.Equal(got, []any{"init"}) {
		t.Errorf("recorded: %v, %v", got, err)
	}
}

// TestCompatRequestWriteHonoursDeadline: on the ErlPort profile too, a big
// request to a worker that does not read (it runs a long call) gives up
// at its caller's deadline instead of waiting for the pipe (it used to
// return after the running call): the worker is killed (part of the frame
// is in its pipe) and the call never ran.
func TestCompatRequestWriteHonoursDeadline(t *testing.T) {
	running := make(chan struct{})
	w := startErlPort(t, Options{Funcs: map[string]Func{
		"go.running": func(context.Context, []any) (any, error) { close(running); return nil, nil },
	}})
	busy := make(chan error, 1)
	go func() {
		_, err := w.Call(context.Background(), "erlport_fixtures", "go_call_then_sleep", "running", 20)
		busy <- err
	}()
	testkit.Receive(t, "the long call to start", running)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	start := time.Now()
	_, err := w.Call(ctx, "erlport_fixtures", "echo", make([]byte, 4<<20))
	took := time.Since(start)
	cancel()
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNotRun) {
		t.Fatalf("%v, want ErrTimeout, DeadlineExceeded and ErrNotRun", err)
	}
	if took > 10*time.Second {
		t.Fatalf("the write gave up after %v", took)
	}
	if err := testkit.Receive(t, "the worker left with half a frame in its pipe to be killed", busy); !errors.Is(err, ErrWorkerExited) {
		t.Fatalf("the running call: %v, want the exit of the killed worker", err)
	}
}
