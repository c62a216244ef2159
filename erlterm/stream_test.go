package erlterm

import (
	"bytes"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"testing/iotest"
)

// frame prefixes term with its length in packet bytes.
func frame(packet int, term []byte) []byte {
	out := make([]byte, packet, packet+len(term))
	putLength(out, packet, len(term))
	return append(out, term...)
}

func streamValues() []any {
	return []any{
		Tuple{Atom("C"), 1, Atom("operator"), Atom("add"), []any{1, 2}},
		Tuple{Atom("r"), int64(1), int64(3)},
		"a binary",
		[]byte{0, 1, 2},
		map[string]any{"k": []any{1.5, Atom("v"), nil}},
		int64(-1 << 40),
		[]any{},
		nil,
		true,
		Map{{Key: Tuple{1}, Value: "x"}},
	}
}

func TestStreamRoundTrip(t *testing.T) {
	for _, packet := range []int{1, 2, 4} {
		for _, transport := range []string{"buffer", "pipe", "one byte reads"} {
			t.Run(transport+"/packet"+string(rune('0'+packet)), func(t *testing.T) {
				values := streamValues()
				opts := StreamOptions{Packet: packet}
				var r io.Reader
				errc := make(chan error, 1)
				switch transport {
				case "pipe":
					pr, pw := io.Pipe()
					r = pr
					go func() {
						enc := NewEncoder(pw, opts)
						for _, v := range values {
							if err := enc.Encode(v); err != nil {
								pw.CloseWithError(err)
								errc <- err
								return
							}
						}
						errc <- pw.Close()
					}()
				default:
					var buf bytes.Buffer
					enc := NewEncoder(&buf, opts)
					for _, v := range values {
						if err := enc.Encode(v); err != nil {
							t.Fatal(err)
						}
					}
					errc <- nil
					r = &buf
					if transport == "one byte reads" {
						r = iotest.OneByteReader(&buf)
					}
				}
				dec := NewDecoder(r, opts)
				for i, want := range values {
					var got any
					if err := dec.Decode(&got); err != nil {
						t.Fatalf("value %d: %v", i, err)
					}
					if !Equal(got, want) {
						t.Fatalf("value %d: got %#v, want %#v", i, got, want)
					}
				}
				var extra any
				if err := dec.Decode(&extra); err != io.EOF {
					t.Fatalf("after the last frame: got %v, want io.EOF", err)
				}
				if err := <-errc; err != nil {
					t.Fatalf("encoder: %v", err)
				}
			})
		}
	}
}

func TestStreamTypedDecode(t *testing.T) {
	type call struct {
		Op   Atom  `erl:"op,atom"`
		Args []int `erl:"args"`
	}
	var buf bytes.Buffer
	enc := NewEncoder(&buf, StreamOptions{Packet: 2})
	in := []call{{"add", []int{1, 2}}, {"neg", []int{300}}, {"nop", nil}}
	for _, c := range in {
		if err := enc.Encode(c); err != nil {
			t.Fatal(err)
		}
	}
	dec := NewDecoder(&buf, StreamOptions{Packet: 2})
	for i, want := range in {
		var got call
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if got.Op != want.Op || len(got.Args) != len(want.Args) || (len(want.Args) > 0 && got.Args[0] != want.Args[0]) {
			t.Fatalf("call %d: got %+v, want %+v", i, got, want)
		}
	}
}

// ErlPort's documented frames: the call {'C', 1, operator, add, [1,2]}
// and the reply {r, 1, 3}.
var (
	erlportCall = []byte{0x83, 0x68, 0x05, 0x64, 0x00, 0x01, 0x43, 0x61, 0x01, 0x64, 0x00, 0x08, 0x6f, 0x70, 0x65,
		0x72, 0x61, 0x74, 0x6f, 0x72, 0x64, 0x00, 0x03, 0x61, 0x64, 0x64, 0x6b, 0x00, 0x02, 0x01, 0x02}
	erlportReply = []byte{0x83, 0x68, 0x03, 0x64, 0x00, 0x01, 0x72, 0x61, 0x01, 0x61, 0x03}
)

func TestErlPortFrames(t *testing.T) {
	call := Tuple{Atom("C"), 1, Atom("operator"), Atom("add"), []any{1, 2}}
	cases := []struct {
		packet      int
		call, reply []byte
	}{
		{4, append([]byte{0x00, 0x00, 0x00, 0x1f}, erlportCall...), append([]byte{0x00, 0x00, 0x00, 0x0b}, erlportReply...)},
		{2, append([]byte{0x00, 0x1f}, erlportCall...), append([]byte{0x00, 0x0b}, erlportReply...)},
		{1, append([]byte{0x1f}, erlportCall...), append([]byte{0x0b}, erlportReply...)},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		if err := NewEncoder(&buf, StreamOptions{Packet: c.packet}).Encode(call); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), c.call) {
			t.Errorf("packet %d call:\n got % x\nwant % x", c.packet, buf.Bytes(), c.call)
		}
		var reply any
		dec := NewDecoder(bytes.NewReader(c.reply), StreamOptions{Packet: c.packet})
		if err := dec.Decode(&reply); err != nil {
			t.Fatalf("packet %d reply: %v", c.packet, err)
		}
		want := Tuple{Atom("r"), int64(1), int64(3)}
		got, ok := reply.(Tuple)
		if !ok || len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("packet %d reply: got %#v, want %#v", c.packet, reply, want)
		}
		if err := dec.Decode(&reply); err != io.EOF {
			t.Errorf("packet %d: after the reply got %v, want io.EOF", c.packet, err)
		}
		// The call frame decodes back to the call.
		var back any
		if err := NewDecoder(bytes.NewReader(c.call), StreamOptions{Packet: c.packet}).Decode(&back); err != nil || !Equal(back, call) {
			t.Errorf("packet %d: call frame decodes to %#v (%v)", c.packet, back, err)
		}
	}
	// The zero StreamOptions is packet 4.
	var buf bytes.Buffer
	if err := NewEncoder(&buf, StreamOptions{}).Encode(call); err != nil || !bytes.Equal(buf.Bytes(), cases[0].call) {
		t.Errorf("zero options: got % x (%v)", buf.Bytes(), err)
	}
}

func TestEncoderFrameTooLarge(t *testing.T) {
	cases := []struct {
		name string
		opts StreamOptions
		v    any
	}{
		{"MaxFrameSize 16", StreamOptions{Packet: 4, MaxFrameSize: 16}, strings.Repeat("x", 100)},
		{"packet 1 caps at 255", StreamOptions{Packet: 1}, strings.Repeat("x", 251)},
		{"packet 2 caps at 65535", StreamOptions{Packet: 2}, strings.Repeat("x", 65531)},
		{"MaxFrameSize above the packet cap", StreamOptions{Packet: 1, MaxFrameSize: 1 << 20}, strings.Repeat("x", 300)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			enc := NewEncoder(&buf, c.opts)
			if err := enc.Encode("ok"); err != nil {
				t.Fatal(err)
			}
			before := buf.Len()
			err := enc.Encode(c.v)
			var fe *FrameError
			if !errors.Is(err, ErrTooLarge) || !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *FrameError with ErrTooLarge", err)
			}
			if fe.Frame != 1 || fe.Offset != int64(before) {
				t.Fatalf("FrameError at frame %d offset %d, want 1 and %d", fe.Frame, fe.Offset, before)
			}
			if buf.Len() != before {
				t.Fatalf("a refused frame wrote %d bytes", buf.Len()-before)
			}
			if err := enc.WriteFrame(bytes.Repeat([]byte{1}, 1<<16)); !errors.Is(err, ErrTooLarge) {
				t.Fatalf("WriteFrame: got %v, want ErrTooLarge", err)
			}
			// The encoder goes on.
			if err := enc.Encode("after"); err != nil {
				t.Fatal(err)
			}
			dec := NewDecoder(&buf, c.opts)
			var a, b any
			if dec.Decode(&a) != nil || dec.Decode(&b) != nil || a != "ok" || b != "after" {
				t.Fatalf("stream after a refused frame: %v %v", a, b)
			}
		})
	}
	// Just at the limit is fine.
	var buf bytes.Buffer
	if err := NewEncoder(&buf, StreamOptions{Packet: 1}).Encode(strings.Repeat("x", 249)); err != nil {
		t.Fatalf("255-byte frame with packet 1: %v", err)
	}
	if buf.Len() != 256 || buf.Bytes()[0] != 255 {
		t.Fatalf("255-byte frame: % x", buf.Bytes()[:2])
	}
}

func TestDecoderFrameTooLarge(t *testing.T) {
	good, _ := Marshal("ok")
	for _, packet := range []int{1, 2, 4} {
		// A frame of 100 bytes against a limit of 16.
		stream := append(frame(packet, good), frame(packet, append(bytes.Clone(good[:1]), make([]byte, 99)...))...)
		stream = append(stream, frame(packet, good)...)
		dec := NewDecoder(bytes.NewReader(stream), StreamOptions{Packet: packet, MaxFrameSize: 16})
		var v any
		if err := dec.Decode(&v); err != nil || v != "ok" {
			t.Fatalf("packet %d: first frame: %v %v", packet, v, err)
		}
		err := dec.Decode(&v)
		var fe *FrameError
		if !errors.Is(err, ErrTooLarge) || !errors.As(err, &fe) {
			t.Fatalf("packet %d: got %v, want *FrameError with ErrTooLarge", packet, err)
		}
		if fe.Frame != 1 || fe.Offset != int64(packet+len(good)) {
			t.Fatalf("packet %d: FrameError frame %d offset %d, want 1 and %d", packet, fe.Frame, fe.Offset, packet+len(good))
		}
		// The stream is out of step after a refused length: it stays refused.
		if err := dec.Decode(&v); !errors.Is(err, ErrTooLarge) {
			t.Fatalf("packet %d: after a refused frame: %v", packet, err)
		}
	}
	// A 4 GB length is refused before anything is read or allocated.
	hostile := []byte{0xff, 0xff, 0xff, 0xff, 131}
	var err error
	got := allocBytes(func() {
		var v any
		err = NewDecoder(bytes.NewReader(hostile), StreamOptions{}).Decode(&v)
	})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("4 GB frame: %v", err)
	}
	if got > 16<<10 {
		t.Fatalf("4 GB frame header allocated %d bytes", got)
	}
	// A 60 MB length within the limit, backed by 10 bytes: the buffer
	// grows as bytes arrive, so this ends in io.ErrUnexpectedEOF cheaply.
	lying := append([]byte{0x03, 0xc0, 0x00, 0x00}, 131, 109, 0, 0, 0, 1, 'x', 0, 0, 0)
	got = allocBytes(func() {
		var v any
		err = NewDecoder(bytes.NewReader(lying), StreamOptions{}).Decode(&v)
	})
	if err != io.ErrUnexpectedEOF {
		t.Fatalf("60 MB frame of 10 bytes: got %v, want io.ErrUnexpectedEOF", err)
	}
	if got > 256<<10 {
		t.Fatalf("60 MB frame of 10 bytes allocated %d bytes", got)
	}
}

func TestDecoderBadFrameInTheMiddle(t *testing.T) {
	one, _ := Marshal(1)
	two, _ := Marshal(2)
	three, _ := Marshal(3)
	bad := []struct {
		name     string
		term     []byte
		sentinel error
		offset   int // of the *SyntaxError inside the frame; -1 for a type error
	}{
		{"unknown tag", []byte{131, 0}, ErrUnknownTag, 1},
		{"wrong version", []byte{130, 97, 1}, ErrVersion, 0},
		{"trailing data", []byte{131, 97, 1, 97, 2}, ErrTrailingData, 3},
		{"truncated term", []byte{131, 104, 2, 97, 1}, ErrTruncated, 5},
		{"empty frame", nil, ErrTruncated, 0},
		{"NaN", cat(131, 70, be64f(math.NaN())), ErrInvalid, 1},
		{"does not fit int", []byte{131, 109, 0, 0, 0, 1, 'x'}, ErrTypeMismatch, -1},
	}
	for _, packet := range []int{1, 2, 4} {
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				stream := append(frame(packet, one), frame(packet, b.term)...)
				stream = append(stream, frame(packet, two)...)
				stream = append(stream, frame(packet, b.term)...)
				stream = append(stream, frame(packet, three)...)
				dec := NewDecoder(bytes.NewReader(stream), StreamOptions{Packet: packet})
				// Syntax errors are checked decoding into any, the type
				// error decoding into an int.
				decode := func() (int64, error) {
					if b.offset < 0 {
						var i int
						err := dec.Decode(&i)
						return int64(i), err
					}
					var x any
					err := dec.Decode(&x)
					i, _ := x.(int64)
					return i, err
				}
				if v, err := decode(); err != nil || v != 1 {
					t.Fatalf("frame 0: %d %v", v, err)
				}
				check := func(frameNo int, offset int) {
					t.Helper()
					_, err := decode()
					var fe *FrameError
					if !errors.As(err, &fe) || !errors.Is(err, b.sentinel) {
						t.Fatalf("frame %d: got %v, want *FrameError wrapping %v", frameNo, err, b.sentinel)
					}
					if fe.Frame != int64(frameNo) || fe.Offset != int64(offset) {
						t.Fatalf("frame %d: FrameError says frame %d offset %d, want offset %d", frameNo, fe.Frame, fe.Offset, offset)
					}
					if b.offset >= 0 {
						var se *SyntaxError
						if !errors.As(err, &se) || se.Offset != b.offset {
							t.Fatalf("frame %d: got %v, want a *SyntaxError at %d", frameNo, err, b.offset)
						}
					} else {
						var te *UnmarshalTypeError
						if !errors.As(err, &te) {
							t.Fatalf("frame %d: got %v, want an *UnmarshalTypeError", frameNo, err)
						}
					}
				}
				check(1, packet+len(one))
				if v, err := decode(); err != nil || v != 2 {
					t.Fatalf("frame after the bad one: %d %v", v, err)
				}
				check(3, 3*packet+len(one)+len(b.term)+len(two))
				if v, err := decode(); err != nil || v != 3 {
					t.Fatalf("last frame: %d %v", v, err)
				}
				if _, err := decode(); err != io.EOF {
					t.Fatalf("end: got %v, want io.EOF", err)
				}
			})
		}
	}
}

func TestDecoderEOF(t *testing.T) {
	term, _ := Marshal("hello")
	for _, packet := range []int{1, 2, 4} {
		full := frame(packet, term)
		for n := 0; n <= len(full); n++ {
			dec := NewDecoder(bytes.NewReader(full[:n]), StreamOptions{Packet: packet})
			var v any
			err := dec.Decode(&v)
			switch {
			case n == 0:
				if err != io.EOF {
					t.Errorf("packet %d, empty stream: got %v, want io.EOF", packet, err)
				}
			case n < len(full):
				if err != io.ErrUnexpectedEOF {
					t.Errorf("packet %d, cut at %d: got %v, want io.ErrUnexpectedEOF", packet, n, err)
				}
			default:
				if err != nil || v != "hello" {
					t.Errorf("packet %d, whole frame: %v %v", packet, v, err)
				}
				if err := dec.Decode(&v); err != io.EOF {
					t.Errorf("packet %d, after the frame: got %v, want io.EOF", packet, err)
				}
			}
		}
	}
	// A reader failing with its own error passes it on.
	boom := errors.New("boom")
	dec := NewDecoder(iotest.ErrReader(boom), StreamOptions{})
	var v any
	if err := dec.Decode(&v); !errors.Is(err, boom) {
		t.Fatalf("reader error: got %v", err)
	}
}

func TestStreamBadPacket(t *testing.T) {
	for _, p := range []int{3, 5, 8, -1} {
		var buf bytes.Buffer
		if err := NewEncoder(&buf, StreamOptions{Packet: p}).Encode(1); !errors.Is(err, ErrInvalid) {
			t.Errorf("Encoder packet %d: got %v, want ErrInvalid", p, err)
		}
		if buf.Len() != 0 {
			t.Errorf("Encoder packet %d wrote %d bytes", p, buf.Len())
		}
		var v any
		if err := NewDecoder(bytes.NewReader([]byte{0, 0, 0, 2, 131, 106}), StreamOptions{Packet: p}).Decode(&v); !errors.Is(err, ErrInvalid) {
			t.Errorf("Decoder packet %d: got %v, want ErrInvalid", p, err)
		}
	}
}

// writeRecorder records each Write call.
type writeRecorder struct {
	writes [][]byte
	err    error
}

func (w *writeRecorder) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.writes = append(w.writes, bytes.Clone(p))
	return len(p), nil
}

func TestEncoderWrites(t *testing.T) {
	var w writeRecorder
	enc := NewEncoder(&w, StreamOptions{Packet: 2})
	if err := enc.Encode(Tuple{Atom("ok"), "x"}); err != nil {
		t.Fatal(err)
	}
	// An unencodable value writes nothing and leaves the encoder usable.
	if err := enc.Encode(math.NaN()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("NaN: got %v, want ErrInvalid", err)
	}
	if err := enc.Encode(make(chan int)); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("chan: got %v, want ErrUnsupportedType", err)
	}
	if err := enc.WriteFrame(erlportReply); err != nil {
		t.Fatal(err)
	}
	if len(w.writes) != 2 {
		t.Fatalf("%d Write calls for 2 frames", len(w.writes))
	}
	want0 := frame(2, mustMarshal(t, Tuple{Atom("ok"), "x"}))
	if !bytes.Equal(w.writes[0], want0) || !bytes.Equal(w.writes[1], frame(2, erlportReply)) {
		t.Fatalf("frames written:\n% x\n% x", w.writes[0], w.writes[1])
	}
	// A failing writer's error comes back.
	boom := errors.New("boom")
	w.err = boom
	if err := enc.Encode(1); !errors.Is(err, boom) {
		t.Fatalf("writer error: got %v", err)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadFrame(t *testing.T) {
	a, b := mustMarshal(t, "first"), mustMarshal(t, "second")
	stream := append(frame(4, a), frame(4, b)...)
	dec := NewDecoder(bytes.NewReader(stream), StreamOptions{})
	f1, err := dec.ReadFrame()
	if err != nil || !bytes.Equal(f1, a) {
		t.Fatalf("ReadFrame: % x %v", f1, err)
	}
	f2, err := dec.ReadFrame()
	if err != nil || !bytes.Equal(f2, b) {
		t.Fatalf("ReadFrame: % x %v", f2, err)
	}
	if _, err := dec.ReadFrame(); err != io.EOF {
		t.Fatalf("ReadFrame at the end: %v", err)
	}
	// Frames bigger than the first read chunk arrive whole.
	big := mustMarshal(t, strings.Repeat("y", 200<<10))
	dec = NewDecoder(iotest.HalfReader(bytes.NewReader(frame(4, big))), StreamOptions{})
	var s string
	if err := dec.Decode(&s); err != nil || len(s) != 200<<10 {
		t.Fatalf("big frame: %d %v", len(s), err)
	}
}

// TestStreamDecodeOptions: the Decode options apply inside the frames.
func TestStreamDecodeOptions(t *testing.T) {
	term := mustMarshal(t, map[string]any{"a": 1})
	dec := NewDecoder(bytes.NewReader(frame(4, term)), StreamOptions{Decode: DecodeOptions{OrderedMaps: true}})
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v.(Map); !ok {
		t.Fatalf("OrderedMaps in a stream gave %T", v)
	}
	deep := nested(5, []byte{104, 1}, []byte{106}, nil)
	dec = NewDecoder(bytes.NewReader(frame(4, deep)), StreamOptions{Decode: DecodeOptions{MaxDepth: 4}})
	if err := dec.Decode(&v); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("MaxDepth in a stream: %v", err)
	}
	var buf bytes.Buffer
	if err := NewEncoder(&buf, StreamOptions{Encode: EncodeOptions{UTF8Atoms: true}}).Encode(Atom("a")); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), []byte{0, 0, 0, 4, 131, 119, 1, 'a'}) {
		t.Fatalf("UTF8Atoms in a stream: % x", buf.Bytes())
	}
}
