package erlterm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"math/big"
	"os"
	"slices"
	"testing"
)

// seedTerms lists hand-written encodings that together use every tag the
// decoder knows (and a few it must refuse), so that fuzzing starts from
// inputs that reach every branch.
func seedTerms() [][]byte {
	b := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	u32 := func(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }
	f64 := func(f float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)) }
	atomNode := []byte{100, 0, 13, 'n', 'o', 'n', 'o', 'd', 'e', '@', 'n', 'o', 'h', 'o', 's', 't'}
	floatText := make([]byte, 31)
	copy(floatText, "1.50000000000000000000e+00")
	seeds := [][]byte{
		{131, 97, 42},                                              // SMALL_INTEGER
		{131, 98, 0xff, 0xff, 0xff, 0xd6},                          // INTEGER -42
		b([]byte{131, 70}, f64(3.25)),                              // NEW_FLOAT
		b([]byte{131, 99}, floatText),                              // FLOAT (text)
		{131, 100, 0, 2, 'o', 'k'},                                 // ATOM
		{131, 115, 2, 'h', 'i'},                                    // SMALL_ATOM
		{131, 118, 0, 2, 0xce, 0xbb},                               // ATOM_UTF8 λ
		{131, 119, 2, 0xce, 0xbb},                                  // SMALL_ATOM_UTF8 λ
		{131, 100, 0, 1, 0xe9},                                     // latin-1 atom é
		{131, 106},                                                 // NIL
		{131, 107, 0, 3, 1, 2, 3},                                  // STRING
		{131, 108, 0, 0, 0, 2, 97, 1, 97, 2, 106},                  // LIST
		{131, 108, 0, 0, 0, 1, 97, 1, 97, 2},                       // improper list
		{131, 108, 0, 0, 0, 1, 97, 1, 108, 0, 0, 0, 1, 97, 2, 106}, // [1|[2]]
		{131, 104, 2, 97, 1, 97, 2},                                // SMALL_TUPLE
		{131, 105, 0, 0, 0, 1, 106},                                // LARGE_TUPLE
		{131, 104, 0},                                              // {}
		{131, 116, 0, 0, 0, 1, 109, 0, 0, 0, 1, 'a', 97, 1},        // MAP binary key
		{131, 116, 0, 0, 0, 1, 100, 0, 1, 'a', 97, 1},              // MAP atom key
		{131, 116, 0, 0, 0, 1, 104, 1, 97, 1, 97, 1},               // MAP tuple key
		{131, 116, 0, 0, 0, 2, 109, 0, 0, 0, 1, 'a', 97, 1, 97, 7, 97, 2},
		{131, 116, 0, 0, 0, 0},                                                          // #{}
		{131, 109, 0, 0, 0, 3, 'a', 'b', 'c'},                                           // BINARY
		{131, 77, 0, 0, 0, 2, 3, 0xff, 0xe0},                                            // BIT_BINARY 3 bits
		{131, 77, 0, 0, 0, 2, 8, 0xff, 0xe0},                                            // BIT_BINARY whole bytes
		{131, 77, 0, 0, 0, 0, 0},                                                        // empty bitstring
		{131, 110, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},                                     // SMALL_BIG 2^64
		{131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80},                                     // SMALL_BIG -2^63
		{131, 111, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},                            // LARGE_BIG
		b([]byte{131, 103}, atomNode, u32(1), u32(2), []byte{3}),                        // PID
		b([]byte{131, 88}, atomNode, u32(1), u32(2), u32(3)),                            // NEW_PID
		b([]byte{131, 102}, atomNode, u32(1), []byte{2}),                                // PORT
		b([]byte{131, 89}, atomNode, u32(1), u32(2)),                                    // NEW_PORT
		b([]byte{131, 120}, atomNode, u32(0), u32(1), u32(2)),                           // V4_PORT
		b([]byte{131, 101}, atomNode, u32(7), []byte{1}),                                // REFERENCE
		b([]byte{131, 114, 0, 3}, atomNode, []byte{1}, u32(1), u32(2), u32(3)),          // NEW_REFERENCE
		b([]byte{131, 90, 0, 2}, atomNode, u32(1), u32(2), u32(3)),                      // NEWER_REFERENCE
		{131, 113, 100, 0, 5, 'l', 'i', 's', 't', 's', 100, 0, 3, 'm', 'a', 'p', 97, 2}, // EXPORT
		{131, 104, 3, 100, 0, 15, '$', 'e', 'r', 'l', 'p', 'o', 'r', 't', '.', 'o', 'p', 'a', 'q', 'u', 'e',
			100, 0, 6, 'p', 'y', 't', 'h', 'o', 'n', 109, 0, 0, 0, 2, 0x80, 0x04}, // ErlPort opaque
		{131, 82, 0},              // ATOM_CACHE_REF (refused)
		{131, 121, 0, 0, 0, 0, 0}, // LOCAL (refused)
		{131, 117, 0, 0, 0, 0},    // old FUN (refused)
		{131, 80, 0, 0, 0, 1, 0},  // COMPRESSED, broken
		{131, 200},                // unknown tag
		{130, 97, 1},              // bad version
		{},
	}
	// A NEW_FUN built by the encoder, with one free variable.
	fun := Fun{Arity: 2, Index: 3, Module: "erl_eval", OldIndex: 4, OldUniq: 5,
		Pid: Pid{Node: "nonode@nohost", ID: 1, Serial: 2, Creation: 3}, FreeVars: []any{int64(1), Atom("x")}}
	fun.Uniq[0] = 0xaa
	// Representative values, through the encoder (plain and compressed).
	values := []any{
		fun,
		Tuple{Atom("C"), 1, Atom("operator"), Atom("add"), []any{1, 2}},
		map[string]any{"a": 1, "b": []any{1.5, "x", Atom("y")}, "c": map[any]any{Atom("k"): Tuple{}}},
		Map{{Key: Tuple{1, 2}, Value: "t"}, {Key: []any{1}, Value: nil}},
		ImproperList{Elems: []any{1, 2}, Tail: 3},
		BitString{Bytes: []byte{0xf0}, Bits: 4},
		[]byte("bytes"),
		new(big.Int).Lsh(big.NewInt(1), 2100),
		Ref{Node: "n@h", Creation: 1, ID: []uint32{1, 2, 3, 4, 5}},
		Port{Node: "n@h", ID: 1 << 40, Creation: 1},
		Export{Module: "m", Function: "f", Arity: 1},
		Opaque{Language: "python", Data: []byte{1, 2}},
		Atom("ünïcödé"), Atom("λx"),
		struct {
			A int
			B string `erl:"b,atom"`
		}{1, "s"},
		RawTerm{97, 1},
		[]any{[]any{[]any{}}},
	}
	for _, v := range values {
		for _, o := range []EncodeOptions{{}, {UTF8Atoms: true, BytesAsBinary: true}} {
			if data, err := o.Marshal(v); err == nil {
				seeds = append(seeds, data)
			}
		}
	}
	// The amplification cases of the bounded decoder: a chain of list
	// tails one past MaxDepth, and compressed terms whose declared size
	// is over the budget, is under what the stream holds, or is more than
	// the stream could ever hold (each small, so that mutations stay fast).
	tails := []byte{131}
	for range DefaultMaxDepth + 1 {
		tails = append(tails, 108, 0, 0, 0, 1, 97, 1)
	}
	seeds = append(seeds, append(slices.Clone(tails), 106), append(slices.Clone(tails[:len(tails)-7*(DefaultMaxDepth/2)]), 97, 2))
	zeros := zlibOf(append([]byte{109, 0, 0, 0x3f, 0xfb}, make([]byte, 0x3ffb)...)) // a 16 KiB binary
	seeds = append(seeds,
		b([]byte{131, 80}, u32(DefaultMaxDecompressedSize+1), zeros),
		b([]byte{131, 80}, u32(100), zeros),
		b([]byte{131, 80}, u32(16<<10), zeros),
		b([]byte{131, 80}, u32(1<<30), zeros[:20]))
	repeated := slices.Repeat([]any{"repeat repeat repeat"}, 40)
	if data, err := (EncodeOptions{Compression: 6}).Marshal(repeated); err == nil {
		seeds = append(seeds, data)
	}
	for _, name := range []string{"testdata/reference_term.etf", "testdata/reference_proplist.etf"} {
		if data, err := os.ReadFile(name); err == nil {
			seeds = append(seeds, data)
			if c, err := (EncodeOptions{Compression: 9}).Append(nil, RawTerm(data[1:])); err == nil {
				seeds = append(seeds, c)
			}
		}
	}
	return seeds
}

// TestSeedTermsCoverEveryTag makes sure the seed corpus keeps reaching
// every tag, so that the fuzz targets' starting point cannot silently rot.
func TestSeedTermsCoverEveryTag(t *testing.T) {
	seen := map[byte]bool{}
	for _, s := range seedTerms() {
		if len(s) > 1 {
			seen[s[1]] = true
		}
	}
	for _, tag := range []byte{tagCompressed, tagNewFloat, tagBitBinary, tagAtomCacheRef, tagNewPid,
		tagNewPort, tagNewerReference, tagSmallInteger, tagInteger, tagFloat, tagAtom, tagReference,
		tagPort, tagPid, tagSmallTuple, tagLargeTuple, tagNil, tagString, tagList, tagBinary, tagSmallBig,
		tagLargeBig, tagNewFun, tagExport, tagNewReference, tagSmallAtom, tagMap, tagFun, tagAtomUTF8,
		tagSmallAtomUTF8, tagV4Port, tagLocal} {
		if !seen[tag] {
			t.Errorf("no seed starts with tag %d", tag)
		}
	}
	if len(seedTerms()) < 60 {
		t.Errorf("only %d seeds", len(seedTerms()))
	}
}

// checkTypedError fails unless err wraps one of the package's sentinels
// through one of its error types.
func checkTypedError(t *testing.T, err error) {
	t.Helper()
	var se *SyntaxError
	var te *UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		if se.Err == nil || se.Offset < 0 {
			t.Fatalf("SyntaxError without sentinel or with negative offset: %#v", se)
		}
		for _, s := range []error{ErrTruncated, ErrVersion, ErrUnknownTag, ErrDistributionOnly, ErrInvalid,
			ErrTrailingData, ErrTooDeep, ErrTooLarge} {
			if errors.Is(err, s) {
				return
			}
		}
		t.Fatalf("SyntaxError wraps no sentinel: %v", err)
	case errors.As(err, &te):
		if !errors.Is(err, ErrTypeMismatch) {
			t.Fatalf("UnmarshalTypeError is not ErrTypeMismatch: %v", err)
		}
	default:
		t.Fatalf("untyped error %T: %v", err, err)
	}
}

// FuzzDecode decodes arbitrary bytes into `any`. It must never panic; a
// term that decodes must re-encode, and decode again to an Equal value.
// The options that change only the Go representation (ZeroCopy,
// OrderedMaps) must accept and refuse the same inputs.
func FuzzDecode(f *testing.F) {
	for _, s := range seedTerms() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		var v any
		err := noPanic(t, DecodeOptions{}, data, &v)
		if !bytes.Equal(orig, data) {
			t.Fatalf("Unmarshal modified its input")
		}
		var v2 any
		err2 := noPanic(t, DecodeOptions{ZeroCopy: true, OrderedMaps: true}, data, &v2)
		if err == errPanicked || err2 == errPanicked {
			return
		}
		if (err == nil) != (err2 == nil) {
			t.Fatalf("default decode err=%v but ZeroCopy+OrderedMaps decode err=%v", err, err2)
		}
		if err != nil {
			checkTypedError(t, err)
			checkTypedError(t, err2)
			return
		}
		if !Equal(v, v2) {
			t.Fatalf("default decode %#v != ordered decode %#v", v, v2)
		}
		enc, err := Marshal(v)
		if err != nil {
			t.Fatalf("decoded %#v but cannot re-encode it: %v", v, err)
		}
		var w any
		if err := Unmarshal(enc, &w); err != nil {
			t.Fatalf("re-encoded %x does not decode: %v", enc, err)
		}
		if !Equal(v, w) {
			t.Fatalf("round trip changed the term:\n first %#v\nsecond %#v", v, w)
		}
		// The ordered form encodes too and means the same term.
		enc3, err := Marshal(v2)
		if err != nil {
			t.Fatalf("ordered decode %#v cannot re-encode: %v", v2, err)
		}
		var w3 any
		if err := Unmarshal(enc3, &w3); err != nil || !Equal(w3, v) {
			t.Fatalf("ordered round trip: %#v vs %#v (%v)", w3, v, err)
		}
		// RawTerm of a valid term must be accepted by the encoder.
		if data[1] != tagCompressed {
			if _, err := Marshal(RawTerm(data[1:])); err != nil {
				t.Fatalf("RawTerm of a decodable term refused: %v", err)
			}
		}
	})
}

// fuzzStruct has a field of most kinds the reflective decoder handles.
type fuzzStruct struct {
	I     int
	I8    int8
	U16   uint16
	U64   uint64
	F32   float32
	F     float64
	B     bool
	S     string `erl:"s"`
	Bs    []byte `erl:"bs,atom"`
	Arr   [3]int
	BArr  [4]byte
	Ints  []int
	I64s  []int64
	Strs  []string
	Anys  []any
	M     map[string]int
	MA    map[Atom]any
	MI    map[int]string
	P     *int
	PS    *fuzzStruct
	Kids  []fuzzStruct
	Big   *big.Int
	BigV  big.Int
	A     Atom
	T     Tuple
	Map   Map
	Raw   RawTerm
	Bits  BitString
	Pid   Pid
	Port  Port
	Ref   Ref
	Exp   Export
	Fn    Fun
	Op    Opaque
	Imp   ImproperList
	Any   any
	Stack fuzzUnmarshaler
	Skip  int `erl:"-"`
	fuzzEmbedded
}

type fuzzEmbedded struct {
	E  int
	Es string
}

// fuzzUnmarshaler accepts only small integers, through its own method.
type fuzzUnmarshaler struct{ got []byte }

func (u *fuzzUnmarshaler) UnmarshalETF(term []byte) error {
	if len(term) == 0 {
		return errors.New("empty term")
	}
	u.got = append(u.got[:0], term...)
	if term[0] != tagSmallInteger {
		return errors.New("not a small integer")
	}
	return nil
}

// FuzzDecodeStruct decodes arbitrary bytes into a struct with many field
// kinds. It must never panic, and every error must be typed.
func FuzzDecodeStruct(f *testing.F) {
	for _, s := range seedTerms() {
		f.Add(s)
	}
	full := fuzzStruct{I: -1, I8: 2, U16: 3, U64: math.MaxUint64, F32: 1.5, F: 2.5, B: true, S: "s",
		Bs: []byte("b"), Arr: [3]int{1, 2, 3}, BArr: [4]byte{1, 2, 3, 4}, Ints: []int{1, 300}, I64s: []int64{-1},
		Strs: []string{"x"}, Anys: []any{1, "a"}, M: map[string]int{"k": 1}, MA: map[Atom]any{"a": nil},
		MI: map[int]string{1: "one"}, P: new(int),
		Big: new(big.Int).Lsh(big.NewInt(1), 80), A: "atom", T: Tuple{1}, Map: Map{{Key: 1, Value: 2}},
		Raw: RawTerm{97, 1}, Bits: BitString{Bytes: []byte{0x80}, Bits: 1}, Pid: Pid{Node: "n@h"},
		Port: Port{Node: "n@h"}, Ref: Ref{Node: "n@h", ID: []uint32{1}}, Exp: Export{Module: "m", Function: "f"},
		Fn: Fun{Module: "m", Pid: Pid{Node: "n@h"}}, Op: Opaque{Language: "python", Data: []byte{1}},
		Imp: ImproperList{Elems: []any{1}, Tail: 2}, Any: Tuple{Atom("ok")}}
	inner := full
	full.PS = &inner
	full.Kids = []fuzzStruct{inner, inner}
	if data, err := Marshal(&full); err == nil {
		f.Add(data)
	} else {
		f.Fatalf("cannot encode the struct seed: %v", err)
	}
	f.Add([]byte("\x83t\x00\x00\x00\x01m\x00\x00\x00\x05Stack\x61\x01"))
	f.Add([]byte("\x83t\x00\x00\x00\x01d\x00\x02PS\x64\x00\x09undefined"))
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := bytes.Clone(data)
		for _, o := range []DecodeOptions{{}, {ZeroCopy: true, DisallowUnknownFields: true, MaxDepth: 16}} {
			var s fuzzStruct
			err := noPanic(t, o, data, &s)
			if !bytes.Equal(orig, data) {
				t.Fatalf("Unmarshal modified its input")
			}
			if err == errPanicked {
				continue
			}
			if err != nil {
				checkTypedError(t, err)
				continue
			}
			if s.Skip != 0 {
				t.Fatalf("field tagged \"-\" was set to %d", s.Skip)
			}
			if _, err := Marshal(&s); err != nil {
				// A zero Ref (no words) is invalid, and an empty RawTerm is
				// refused (TestEncodeNilRawTerm covers that on its own).
				var ee *EncodeError
				emptyRaw := errors.As(err, &ee) && ee.Type == rawTermType && errors.Is(err, ErrTruncated)
				if !emptyRaw && !errors.Is(err, ErrInvalid) {
					t.Fatalf("decoded struct does not re-encode: %v", err)
				}
			}
		}
		// Typed scalar and slice targets on the same input.
		targets := []any{new(int), new(uint8), new(float64), new(string), new([]byte), new([]int), new([2]string),
			new(map[string]any), new(map[any]any), new(*big.Int), new(Atom), new(Tuple), new(Map), new(RawTerm), new(BitString)}
		for _, p := range targets {
			if err := noPanic(t, DecodeOptions{}, data, p); err != nil && err != errPanicked {
				checkTypedError(t, err)
			}
		}
	})
}

// FuzzStream reads arbitrary bytes as a framed stream. The first byte
// picks the framing; the Decoder must never panic or loop, and every
// error is io.EOF, io.ErrUnexpectedEOF or a *FrameError wrapping a
// sentinel.
func FuzzStream(f *testing.F) {
	for _, s := range seedTerms() {
		for _, p := range []int{1, 2, 4} {
			if len(s) >= 1<<(8*p) {
				continue
			}
			frame := make([]byte, p)
			putLength(frame, p, len(s))
			f.Add(append([]byte{byte(p)}, append(frame, s...)...))
		}
	}
	f.Add([]byte{4, 0, 0, 0, 0x1f, 0x83, 0x68, 0x05, 0x64, 0x00, 0x01, 0x43, 0x61, 0x01, 0x64, 0x00, 0x08, 0x6f,
		0x70, 0x65, 0x72, 0x61, 0x74, 0x6f, 0x72, 0x64, 0x00, 0x03, 0x61, 0x64, 0x64, 0x6b, 0x00, 0x02, 0x01, 0x02,
		0, 0, 0, 0x0b, 0x83, 0x68, 0x03, 0x64, 0x00, 0x01, 0x72, 0x61, 0x01, 0x61, 0x03})
	f.Add([]byte{2, 0, 3, 131, 97, 1, 0, 2, 131, 0, 0, 3, 131, 97, 2, 0xff, 0xff})
	f.Add([]byte{1 | 0x80, 3, 131, 97, 1, 200, 131})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		packet := []int{1, 2, 4, 4}[data[0]&3]
		opts := StreamOptions{Packet: packet}
		if data[0]&0x80 != 0 {
			opts.MaxFrameSize = 16 // exercise the limit
		}
		if data[0]&0x40 != 0 {
			opts.Decode = DecodeOptions{ZeroCopy: true, OrderedMaps: true, MaxDepth: 8}
		}
		body := data[1:]
		dec := NewDecoder(bytes.NewReader(body), opts)
		var out bytes.Buffer
		enc := NewEncoder(&out, StreamOptions{Packet: 4})
		maxCalls := len(body)/packet + 2
		for calls := 0; ; calls++ {
			if calls > maxCalls {
				t.Fatalf("Decoder did not stop after %d calls on %d bytes", calls, len(body))
			}
			var v any
			err := decodeNoPanic(t, dec, &v)
			if err == errPanicked {
				return
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				var fe *FrameError
				if !errors.As(err, &fe) {
					t.Fatalf("Decode error %T is not a *FrameError: %v", err, err)
				}
				if fe.Offset < 0 || fe.Offset > int64(len(body)) || fe.Frame < 0 {
					t.Fatalf("FrameError position out of range: %+v", fe)
				}
				var se *SyntaxError
				if !errors.As(err, &se) && errors.Is(err, ErrTooLarge) {
					// An oversized length prefix (not a term's own ErrTooLarge,
					// which comes as a *SyntaxError): the stream is out of
					// step, so the error is sticky.
					if err2 := dec.Decode(&v); !errors.Is(err2, ErrTooLarge) {
						t.Fatalf("after an oversized frame, next Decode gave %v", err2)
					}
					break
				}
				if !errors.As(err, &se) {
					t.Fatalf("FrameError does not wrap a SyntaxError: %v", err)
				}
				checkTypedError(t, fe.Err)
				continue
			}
			if err := enc.Encode(v); err != nil {
				t.Fatalf("decoded %#v but cannot encode it: %v", v, err)
			}
			var w any
			if err := NewDecoder(bytes.NewReader(out.Bytes()), StreamOptions{}).Decode(&w); err != nil {
				t.Fatalf("re-encoded frame does not decode: %v", err)
			}
			if !Equal(v, w) {
				t.Fatalf("stream round trip: %#v vs %#v", v, w)
			}
			out.Reset()
		}
	})
}

// decodeNoPanic is noPanic for a Decoder.
func decodeNoPanic(t *testing.T, dec *Decoder, v any) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Decoder.Decode panicked: %v", r)
			err = errPanicked
		}
	}()
	return dec.Decode(v)
}
