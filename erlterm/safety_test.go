package erlterm

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// cat concatenates byte slices and strings into one input.
func cat(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch x := p.(type) {
		case []byte:
			out = append(out, x...)
		case string:
			out = append(out, x...)
		case byte:
			out = append(out, x)
		case int:
			out = append(out, byte(x))
		case rune:
			out = append(out, byte(x))
		default:
			panic("cat: bad part")
		}
	}
	return out
}

func be32(n uint32) []byte { return binary.BigEndian.AppendUint32(nil, n) }

func be64f(f float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(f)) }

// nodeAtom is the node name nonode@nohost as ATOM_EXT.
var nodeAtom = cat(100, 0, 13, "nonode@nohost")

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantSyntax checks that err is a *SyntaxError wrapping sentinel at offset
// (offset < 0: anywhere inside [0, max]).
func wantSyntax(t *testing.T, err error, sentinel error, offset, max int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got %v, want errors.Is %v", err, sentinel)
	}
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %T (%v), want *SyntaxError", err, err)
	}
	if offset >= 0 && se.Offset != offset {
		t.Fatalf("got offset %d (%v), want %d", se.Offset, err, offset)
	}
	if offset < 0 && (se.Offset < 0 || se.Offset > max) {
		t.Fatalf("got offset %d (%v), want within [0, %d]", se.Offset, err, max)
	}
	if !strings.Contains(err.Error(), sentinel.Error()) {
		t.Fatalf("message %q does not say %q", err.Error(), sentinel.Error())
	}
}

// errPanicked stands for a decode that panicked (reported by noPanic).
var errPanicked = errors.New("decoder panicked")

// noPanic runs o.Unmarshal and turns a panic into a test error, so that one
// crash does not hide the other cases.
func noPanic(t *testing.T, o DecodeOptions, data []byte, p any) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("Unmarshal of %d bytes (% x…) into %T panicked: %v", len(data), data[:min(len(data), 24)], p, r)
			err = errPanicked
		}
	}()
	return o.Unmarshal(data, p)
}

type badInput struct {
	name   string
	data   []byte
	err    error
	offset int
}

func badInputs() []badInput {
	atom256 := cat(100, 1, 0, strings.Repeat("a", 256))
	utf8Atom256 := cat(118, 1, 0, strings.Repeat("a", 256))
	return []badInput{
		{"empty", nil, ErrTruncated, 0},
		{"wrong version", []byte{130, 97, 1}, ErrVersion, 0},
		{"version 0", []byte{0}, ErrVersion, 0},
		{"version only", []byte{131}, ErrTruncated, 1},
		{"unknown tag 0", []byte{131, 0}, ErrUnknownTag, 1},
		{"unknown tag 255", []byte{131, 255}, ErrUnknownTag, 1},
		{"unknown tag in list", []byte{131, 108, 0, 0, 0, 1, 200, 106}, ErrUnknownTag, 6},
		{"atom cache ref", []byte{131, 82, 0}, ErrDistributionOnly, 1},
		{"local", cat(131, 121, 97, 1), ErrDistributionOnly, 1},
		{"atom cache ref in tuple", []byte{131, 104, 2, 97, 1, 82, 0}, ErrDistributionOnly, 5},
		{"local in map value", cat(131, 116, be32(1), 97, 1, 121, 97, 1), ErrDistributionOnly, 8},
		{"trailing byte", []byte{131, 97, 1, 0}, ErrTrailingData, 3},
		{"trailing term", []byte{131, 106, 106}, ErrTrailingData, 2},
		{"two terms", []byte{131, 97, 1, 131, 97, 1}, ErrTrailingData, 3},
		{"NaN", cat(131, 70, be64f(math.NaN())), ErrInvalid, 1},
		{"+Inf", cat(131, 70, be64f(math.Inf(1))), ErrInvalid, 1},
		{"-Inf", cat(131, 70, be64f(math.Inf(-1))), ErrInvalid, 1},
		{"NaN in tuple", cat(131, 104, 1, 70, be64f(math.NaN())), ErrInvalid, 3},
		{"NaN payload", cat(131, 70, 0x7f, 0xf0, 0, 0, 0, 0, 0, 1), ErrInvalid, 1},
		{"FLOAT_EXT nan", cat(131, 99, "nan", make([]byte, 28)), ErrInvalid, 1},
		{"FLOAT_EXT inf", cat(131, 99, "inf", make([]byte, 28)), ErrInvalid, 1},
		{"FLOAT_EXT overflow", cat(131, 99, "1.0e+999", make([]byte, 23)), ErrInvalid, 1},
		{"FLOAT_EXT junk", cat(131, 99, "abc", make([]byte, 28)), ErrInvalid, 1},
		{"bit count 0 with bytes", cat(131, 77, be32(1), 0, 0xff), ErrInvalid, 1},
		{"bit count 9", cat(131, 77, be32(1), 9, 0xff), ErrInvalid, 1},
		{"bit count 255", cat(131, 77, be32(2), 255, 0xff, 0xff), ErrInvalid, 1},
		{"bit count 8 on empty", cat(131, 77, be32(0), 8), ErrInvalid, 1},
		{"bit count 1 on empty", cat(131, 77, be32(0), 1), ErrInvalid, 1},
		{"bad bit count in list", cat(131, 108, be32(1), 77, be32(1), 0, 1, 106), ErrInvalid, 6},
		{"duplicate binary keys", cat(131, 116, be32(2), 109, be32(1), "a", 97, 1, 109, be32(1), "a", 97, 2), ErrInvalid, 14},
		{"duplicate atom keys", cat(131, 116, be32(2), 100, 0, 1, "a", 97, 1, 100, 0, 1, "a", 97, 2), ErrInvalid, 12},
		{"duplicate atom keys, two spellings", cat(131, 116, be32(2), 100, 0, 1, "a", 97, 1, 119, 1, "a", 97, 2), ErrInvalid, 12},
		{"duplicate integer keys, two spellings", cat(131, 116, be32(2), 97, 1, 97, 1, 98, be32(1), 97, 2), ErrInvalid, 10},
		{"duplicate key after binary keys", cat(131, 116, be32(3), 109, be32(1), "a", 97, 1, 97, 5, 97, 1, 97, 5, 97, 2), ErrInvalid, 18},
		{"duplicate tuple keys", cat(131, 116, be32(2), 104, 1, 97, 1, 97, 1, 104, 1, 97, 1, 97, 2), ErrInvalid, 12},
		{"duplicate list keys", cat(131, 116, be32(2), 107, 0, 1, 7, 97, 1, 108, be32(1), 97, 7, 106, 97, 2), ErrInvalid, 12},
		{"duplicate binary keys, binary and bit binary", cat(131, 116, be32(2), 109, be32(1), "a", 97, 1, 77, be32(1), 8, "a", 97, 2), ErrInvalid, 14},
		{"invalid UTF-8 in SMALL_ATOM_UTF8", []byte{131, 119, 1, 0xff}, ErrInvalid, 1},
		{"overlong UTF-8 in SMALL_ATOM_UTF8", []byte{131, 119, 2, 0xc0, 0x80}, ErrInvalid, 1},
		{"surrogate in SMALL_ATOM_UTF8", []byte{131, 119, 3, 0xed, 0xa0, 0x80}, ErrInvalid, 1},
		{"truncated rune in ATOM_UTF8", []byte{131, 118, 0, 1, 0xce}, ErrInvalid, 1},
		{"invalid UTF-8 in pid node", cat(131, 88, 119, 1, 0xff, be32(1), be32(2), be32(3)), ErrInvalid, 2},
		{"ATOM of 256 characters", cat(131, atom256), ErrInvalid, 1},
		{"ATOM_UTF8 of 256 characters", cat(131, utf8Atom256), ErrInvalid, 1},
		{"ATOM_UTF8 of 256 two-byte characters", cat(131, 118, 2, 0, strings.Repeat("é", 256)), ErrInvalid, 1},
		{"NEWER_REFERENCE of 0 words", cat(131, 90, 0, 0, nodeAtom, be32(1)), ErrInvalid, 1},
		{"NEWER_REFERENCE of 6 words", cat(131, 90, 0, 6, nodeAtom, be32(1), bytes.Repeat(be32(7), 6)), ErrInvalid, 1},
		{"NEW_REFERENCE of 0 words", cat(131, 114, 0, 0, nodeAtom, 1), ErrInvalid, 1},
		{"NEW_REFERENCE of 6 words", cat(131, 114, 0, 6, nodeAtom, 1, bytes.Repeat(be32(7), 6)), ErrInvalid, 1},
		{"reference of 0 words in a tuple", cat(131, 104, 1, 90, 0, 0, nodeAtom, be32(1)), ErrInvalid, 3},
		{"pid with a non-atom node", cat(131, 88, 97, 1, be32(1), be32(2), be32(3)), ErrInvalid, 2},
		{"compressed inside a term", cat(131, 104, 1, 80, be32(1), 0), ErrInvalid, 3},
		{"export arity 256", cat(131, 113, 100, 0, 1, "m", 100, 0, 1, "f", 98, be32(256)), ErrInvalid, 10},
		{"LIST of 0xFFFFFFFF elements in 10 bytes", cat(131, 108, be32(math.MaxUint32), 97, 1, 97, 2), ErrTruncated, 2},
		{"BINARY claiming 4 GB", cat(131, 109, be32(math.MaxUint32), "abc"), ErrTruncated, 2},
		{"LARGE_TUPLE claiming 4G elements", cat(131, 105, be32(math.MaxUint32), 97, 1), ErrTruncated, 2},
		{"MAP claiming 4G pairs", cat(131, 116, be32(math.MaxUint32), 97, 1, 97, 2), ErrTruncated, 2},
		{"LARGE_BIG claiming 4 GB", cat(131, 111, be32(math.MaxUint32), 0, 1), ErrTruncated, 2},
		{"BIT_BINARY claiming 4 GB", cat(131, 77, be32(math.MaxUint32), 8, 1), ErrTruncated, 2},
		{"STRING claiming 64 KB", cat(131, 107, 0xff, 0xff, 1, 2), ErrTruncated, 4},
		{"compressed claiming 4 GB", cat(131, 80, be32(math.MaxUint32), zlibOf([]byte{97, 1})), ErrTooLarge, 2},
	}
}

// zlibOf compresses b.
func zlibOf(b []byte) []byte {
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(b)
	w.Close()
	return z.Bytes()
}

func TestBadInputTypedErrors(t *testing.T) {
	for _, c := range badInputs() {
		t.Run(c.name, func(t *testing.T) {
			var v any
			wantSyntax(t, Unmarshal(c.data, &v), c.err, c.offset, 0)
			// The same verdict with the other `any` options.
			var w any
			wantSyntax(t, DecodeOptions{ZeroCopy: true, OrderedMaps: true}.Unmarshal(c.data, &w), c.err, c.offset, 0)
			// And into a RawTerm, which validates without building values.
			var r RawTerm
			wantSyntax(t, Unmarshal(c.data, &r), c.err, c.offset, 0)
		})
	}
}

// TestDuplicateMapKeysTyped: a duplicate key makes the term invalid
// whatever Go value it is decoded into.
func TestDuplicateMapKeysTyped(t *testing.T) {
	dup := cat(131, 116, be32(2), 109, be32(1), "A", 97, 1, 109, be32(1), "A", 97, 2)
	targets := map[string]any{
		"map[string]int": new(map[string]int),
		"map[string]any": new(map[string]any),
		"struct":         new(struct{ A int }),
		"Map":            new(Map),
	}
	for name, p := range targets {
		t.Run(name, func(t *testing.T) {
			wantSyntax(t, Unmarshal(dup, p), ErrInvalid, 14, 0)
		})
	}
}

func TestEveryUnknownTag(t *testing.T) {
	known := map[byte]bool{}
	for _, tag := range []byte{tagNewFloat, tagBitBinary, tagNewPid, tagNewPort, tagNewerReference,
		tagSmallInteger, tagInteger, tagFloat, tagAtom, tagReference, tagPort, tagPid, tagSmallTuple,
		tagLargeTuple, tagNil, tagString, tagList, tagBinary, tagSmallBig, tagLargeBig, tagNewFun,
		tagExport, tagNewReference, tagSmallAtom, tagMap, tagAtomUTF8, tagSmallAtomUTF8, tagV4Port,
		tagAtomCacheRef, tagLocal, tagCompressed} {
		known[tag] = true
	}
	for tag := 0; tag < 256; tag++ {
		if known[byte(tag)] {
			continue
		}
		// Inside a tuple, so that tag 80 at the top is not the case.
		var v any
		err := Unmarshal([]byte{131, 104, 1, byte(tag), 0, 0, 0, 0}, &v)
		var se *SyntaxError
		if !errors.Is(err, ErrUnknownTag) || !errors.As(err, &se) || se.Offset != 3 {
			t.Errorf("tag %d: got %v, want ErrUnknownTag at 3", tag, err)
		}
	}
}

func TestValidEdgeInputsAccepted(t *testing.T) {
	cases := map[string][]byte{
		"SMALL_ATOM of 255":                   cat(131, 115, 255, strings.Repeat("a", 255)),
		"ATOM of 255":                         cat(131, 100, 0, 255, strings.Repeat("a", 255)),
		"ATOM_UTF8 of 255 two-byte chars":     cat(131, 118, 1, 254, strings.Repeat("é", 255)),
		"NEWER_REFERENCE of 5 words":          cat(131, 90, 0, 5, nodeAtom, be32(1), bytes.Repeat(be32(7), 5)),
		"NEW_REFERENCE of 1 word":             cat(131, 114, 0, 1, nodeAtom, 1, be32(7)),
		"empty bit binary":                    cat(131, 77, be32(0), 0),
		"bit binary of 1 bit":                 cat(131, 77, be32(1), 1, 0x80),
		"FLOAT_EXT 1.5":                       cat(131, 99, "1.50000000000000000000e+00", make([]byte, 5)),
		"map with same-looking keys of kinds": cat(131, 116, be32(3), 97, 1, 70, be64f(1), 109, be32(1), 1, 97, 1, 97, 2, 97, 3),
		"negative zero":                       cat(131, 70, be64f(math.Copysign(0, -1))),
	}
	for name, data := range cases {
		var v any
		if err := Unmarshal(data, &v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// safetyRef mirrors the reference term (testdata/reference_term.etf).
type safetyRef struct {
	ID     int64      `erl:"id"`
	Big    *big.Int   `erl:"big"`
	Neg    int        `erl:"neg"`
	Pi     float64    `erl:"pi"`
	Name   string     `erl:"name"`
	Blob   []byte     `erl:"blob"`
	Ints   []int      `erl:"ints"`
	Point  [3]float64 `erl:"point"`
	Tags   []Atom     `erl:"tags"`
	Nested struct {
		A int    `erl:"a"`
		B []bool `erl:"b"`
		C string `erl:"c"`
	} `erl:"nested"`
}

func TestReferenceTermDecodes(t *testing.T) {
	data := readTestdata(t, "reference_term.etf")
	var s safetyRef
	if err := Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != 123456789 || s.Neg != -42 || s.Name != "taipan worker pool" || len(s.Blob) != 256 ||
		len(s.Ints) != 100 || s.Ints[99] != 99 || s.Point != [3]float64{1.5, -2.25, 3e10} ||
		len(s.Tags) != 3 || s.Tags[2] != "undefined" || s.Nested.A != 1 || s.Nested.C != "x" ||
		len(s.Nested.B) != 2 || !s.Nested.B[0] || s.Nested.B[1] || s.Big.Cmp(new(big.Int).Lsh(big.NewInt(1), 70)) != 0 ||
		math.Abs(s.Pi-math.Pi) > 1e-15 {
		t.Fatalf("reference term decoded wrong: %+v", s)
	}
}

// TestTruncationEverywhere cuts valid terms at every length: each prefix
// must fail with ErrTruncated at an offset inside the prefix, never panic,
// whatever the target.
func TestTruncationEverywhere(t *testing.T) {
	for _, name := range []string{"reference_term.etf", "reference_proplist.etf"} {
		data := readTestdata(t, name)
		for n := 0; n < len(data); n++ {
			prefix := bytes.Clone(data[:n])
			targets := []any{new(any), new(RawTerm), new(safetyRef), new([]Tuple), new(Map)}
			for _, p := range targets {
				err := noPanic(t, DecodeOptions{}, prefix, p)
				var te *UnmarshalTypeError
				if err == errPanicked || errors.As(err, &te) {
					continue // reported; or the term's kind was seen before the cut and does not fit
				}
				t.Run(fmt.Sprintf("%s/%d/%T", name, n, p), func(t *testing.T) {
					wantSyntax(t, err, ErrTruncated, -1, n)
				})
			}
			var v any
			err := DecodeOptions{ZeroCopy: true, OrderedMaps: true}.Unmarshal(prefix, &v)
			wantSyntax(t, err, ErrTruncated, -1, n)
		}
	}
}

// TestTruncatedCompressed cuts a compressed term at every length: the
// input ended in the middle of the term, so ErrTruncated again.
func TestTruncatedCompressed(t *testing.T) {
	data := readTestdata(t, "reference_term.etf")
	c, err := EncodeOptions{Compression: 9}.Marshal(RawTerm(data[1:]))
	if err != nil {
		t.Fatal(err)
	}
	if c[1] != tagCompressed {
		t.Fatalf("reference term did not compress")
	}
	var v any
	if err := Unmarshal(c, &v); err != nil {
		t.Fatal(err)
	}
	var bad []int
	var example error
	for n := 0; n < len(c); n++ {
		var v any
		err := Unmarshal(c[:n], &v)
		if !errors.Is(err, ErrTruncated) {
			bad = append(bad, n)
			example = err
		}
	}
	if len(bad) > 0 {
		t.Errorf("compressed term of %d bytes cut at %d lengths (%d..%d) does not give ErrTruncated; e.g. %v",
			len(c), len(bad), bad[0], bad[len(bad)-1], example)
	}
}

// TestCompressedErrorOffsets: errors inside a compressed term count from
// the start of the decompressed bytes and say so.
func TestCompressedErrorOffsets(t *testing.T) {
	inner := cat(104, 2, 97, 1, 70, be64f(math.NaN()))
	data := cat(131, 80, be32(uint32(len(inner))), zlibOf(inner))
	var v any
	err := Unmarshal(data, &v)
	wantSyntax(t, err, ErrInvalid, 4, 0)
	var se *SyntaxError
	errors.As(err, &se)
	if !se.Compressed || !strings.Contains(err.Error(), "decompressed byte 4") {
		t.Fatalf("error %v does not say it is inside the compressed term", err)
	}
	// A size that does not match the stream.
	data = cat(131, 80, be32(uint32(len(inner)+1)), zlibOf(inner))
	wantSyntax(t, Unmarshal(data, &v), ErrInvalid, 2, 0)
	data = cat(131, 80, be32(uint32(len(inner)-1)), zlibOf(inner))
	wantSyntax(t, Unmarshal(data, &v), ErrInvalid, 2, 0)
	// Not zlib at all.
	data = cat(131, 80, be32(10), "not zlib data")
	wantSyntax(t, Unmarshal(data, &v), ErrInvalid, 6, 0)
	// Compressed inside compressed.
	twice := cat(80, be32(2), zlibOf([]byte{97, 1}))
	data = cat(131, 80, be32(uint32(len(twice))), zlibOf(twice))
	wantSyntax(t, Unmarshal(data, &v), ErrInvalid, 0, 0)
}

// nested builds depth levels of open, then leaf, then depth copies of close.
func nested(depth int, open, leaf, close []byte) []byte {
	out := []byte{131}
	for i := 0; i < depth; i++ {
		out = append(out, open...)
	}
	out = append(out, leaf...)
	for i := 0; i < depth; i++ {
		out = append(out, close...)
	}
	return out
}

func TestDepthLimit(t *testing.T) {
	shapes := []struct {
		name              string
		open, leaf, close []byte
	}{
		{"list", cat(108, be32(1)), []byte{97, 1}, []byte{106}},
		{"tuple", []byte{104, 1}, []byte{97, 1}, nil},
		{"large tuple", cat(105, be32(1)), []byte{97, 1}, nil},
		{"map", cat(116, be32(1), 97, 0), []byte{97, 1}, nil},
		{"improper list element", cat(108, be32(1)), []byte{97, 1}, []byte{97, 0}},
		{"map key", cat(116, be32(1)), []byte{97, 1}, []byte{97, 0}},
		// [1 | [1 | ... []]]: each tail that is a list is a level, as in
		// Python's decoder.
		{"list tail", cat(108, be32(1), 97, 1), []byte{106}, nil},
		{"improper list tail", cat(108, be32(1), 97, 1), []byte{97, 2}, nil},
	}
	for _, s := range shapes {
		t.Run(s.name, func(t *testing.T) {
			ok := nested(DefaultMaxDepth, s.open, s.leaf, s.close)
			var v any
			if err := Unmarshal(ok, &v); err != nil {
				t.Fatalf("depth %d refused: %v", DefaultMaxDepth, err)
			}
			deep := nested(DefaultMaxDepth+1, s.open, s.leaf, s.close)
			wantSyntax(t, Unmarshal(deep, &v), ErrTooDeep, 1+DefaultMaxDepth*len(s.open), 0)
			var r RawTerm
			wantSyntax(t, Unmarshal(deep, &r), ErrTooDeep, 1+DefaultMaxDepth*len(s.open), 0)
			// A custom limit.
			o := DecodeOptions{MaxDepth: 3}
			if err := o.Unmarshal(nested(3, s.open, s.leaf, s.close), &v); err != nil {
				t.Fatalf("depth 3 refused with MaxDepth 3: %v", err)
			}
			wantSyntax(t, o.Unmarshal(nested(4, s.open, s.leaf, s.close), &v), ErrTooDeep, 1+3*len(s.open), 0)
			// Far beyond the limit: fails at the limit, without recursing further.
			wantSyntax(t, Unmarshal(nested(200000, s.open, s.leaf, s.close), &v), ErrTooDeep, 1+DefaultMaxDepth*len(s.open), 0)
		})
	}
}

// deepNode is a recursive struct type: nesting comes from the input.
type deepNode struct {
	K *deepNode
	L []deepNode
}

func TestDepthLimitTyped(t *testing.T) {
	open := cat(116, be32(1), 109, be32(1), "K")
	deep := nested(DefaultMaxDepth+1, open, []byte{116, 0, 0, 0, 0}, nil)
	var n deepNode
	wantSyntax(t, Unmarshal(deep, &n), ErrTooDeep, -1, len(deep))
	lists := nested(DefaultMaxDepth+1, cat(108, be32(1)), []byte{106}, []byte{106})
	var l any
	wantSyntax(t, Unmarshal(lists, &l), ErrTooDeep, -1, len(lists))
	type rec []rec
	var r rec
	wantSyntax(t, Unmarshal(lists, &r), ErrTooDeep, -1, len(lists))
}

// TestDecodedAtDepthLimitReencodes: a term the decoder accepts at the
// depth limit must encode again with the same limit. The empty list and
// a STRING_EXT hold no terms, so they add no nesting.
func TestDecodedAtDepthLimitReencodes(t *testing.T) {
	for name, c := range map[string]struct {
		levels int // lists around the leaf
		leaf   []byte
	}{
		"empty list":  {DefaultMaxDepth, []byte{106}},
		"string":      {DefaultMaxDepth, []byte{107, 0, 2, 1, 2}},
		"empty map":   {DefaultMaxDepth - 1, cat(116, be32(0))},
		"empty tuple": {DefaultMaxDepth - 1, []byte{104, 0}},
	} {
		data := nested(c.levels, cat(108, be32(1)), c.leaf, []byte{106})
		var v any
		if err := Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: decode: %v", name, err)
		}
		if _, err := Marshal(v); err != nil {
			t.Errorf("%s: decoded at the depth limit but Marshal refuses it: %v", name, err)
		}
	}
}

func TestEncoderCycles(t *testing.T) {
	m := map[string]any{"a": 1}
	m["self"] = m
	l := []any{nil}
	l[0] = l
	tu := Tuple{1, nil}
	tu[1] = tu
	om := Map{{Key: "k", Value: nil}}
	om[0].Value = om
	am := map[any]any{}
	am[Atom("x")] = am
	type node struct {
		Next *node
	}
	n := &node{}
	n.Next = n
	il := []any{nil}
	il[0] = ImproperList{Elems: il, Tail: 1}
	var ifc any
	ifc = &ifc
	for name, v := range map[string]any{
		"map[string]any": m, "[]any": l, "Tuple": tu, "Map": om, "map[any]any": am,
		"pointer struct": n, "ImproperList": il, "pointer to interface": &ifc,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Marshal(v)
			if !errors.Is(err, ErrTooDeep) {
				t.Fatalf("got %v, want ErrTooDeep", err)
			}
			var ee *EncodeError
			if !errors.As(err, &ee) {
				t.Fatalf("got %T, want *EncodeError", err)
			}
			_, err = EncodeOptions{MaxDepth: 5}.Marshal(v)
			if !errors.Is(err, ErrTooDeep) {
				t.Fatalf("MaxDepth 5: got %v, want ErrTooDeep", err)
			}
		})
	}
	// Not a cycle: the same map twice is fine.
	shared := map[string]any{"x": 1}
	if _, err := Marshal([]any{shared, shared}); err != nil {
		t.Fatal(err)
	}
	// The encoder's limit: MaxDepth 2 takes two levels, not three.
	if _, err := (EncodeOptions{MaxDepth: 2}).Marshal(Tuple{Tuple{1}}); err != nil {
		t.Fatalf("two levels with MaxDepth 2: %v", err)
	}
	if _, err := (EncodeOptions{MaxDepth: 2}).Marshal(Tuple{Tuple{Tuple{1}}}); !errors.Is(err, ErrTooDeep) {
		t.Fatalf("three levels with MaxDepth 2: %v", err)
	}
}

// allocBytes reports the fewest bytes f allocated over a few runs.
func allocBytes(f func()) uint64 {
	best := uint64(math.MaxUint64)
	var a, b runtime.MemStats
	for i := 0; i < 3; i++ {
		runtime.GC()
		runtime.ReadMemStats(&a)
		f()
		runtime.ReadMemStats(&b)
		best = min(best, b.TotalAlloc-a.TotalAlloc)
	}
	return best
}

// zerosCompressed returns a COMPRESSED term whose stream inflates to
// n bytes (a BINARY of n-5 zero bytes) and whose header declares declared.
func zerosCompressed(t testing.TB, n int, declared uint32) []byte {
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	w.Write(cat(109, be32(uint32(n-5))))
	if _, err := io.CopyN(w, zeroReader{}, int64(n-5)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	return cat(131, 80, be32(declared), z.Bytes())
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestHostileLengthsAllocation: hostile lengths fail fast, and decoding
// allocates no more than a small multiple of the input.
func TestHostileLengthsAllocation(t *testing.T) {
	bound := func(input []byte) uint64 { return 64<<10 + 64*uint64(len(input)) }
	type elem1K [1024]byte
	cases := []struct {
		name   string
		data   []byte
		target func() any
		err    error
	}{
		{"LIST 0xFFFFFFFF into any", cat(131, 108, be32(math.MaxUint32), 97, 1, 97, 2), func() any { return new(any) }, ErrTruncated},
		{"LIST 0xFFFFFFFF into []int", cat(131, 108, be32(math.MaxUint32), 97, 1, 97, 2), func() any { return new([]int) }, ErrTruncated},
		{"LIST 0xFFFFFFFF into [][1024]byte", cat(131, 108, be32(math.MaxUint32), 97, 1, 97, 2), func() any { return new([]elem1K) }, ErrTruncated},
		{"BINARY 4 GB into any", cat(131, 109, be32(math.MaxUint32), "abcd"), func() any { return new(any) }, ErrTruncated},
		{"BINARY 4 GB into []byte", cat(131, 109, be32(math.MaxUint32), "abcd"), func() any { return new([]byte) }, ErrTruncated},
		{"BINARY 4 GB into string", cat(131, 109, be32(math.MaxUint32), "abcd"), func() any { return new(string) }, ErrTruncated},
		{"MAP 4G pairs into map[string]int", cat(131, 116, be32(math.MaxUint32), 97, 1), func() any { return new(map[string]int) }, ErrTruncated},
		{"MAP 4G pairs into struct", cat(131, 116, be32(math.MaxUint32), 97, 1), func() any { return new(safetyRef) }, ErrTruncated},
		{"LARGE_TUPLE 4G into any", cat(131, 105, be32(math.MaxUint32), 97, 1), func() any { return new(any) }, ErrTruncated},
		{"LARGE_BIG 4 GB into *big.Int", cat(131, 111, be32(math.MaxUint32), 0, 1), func() any { return new(*big.Int) }, ErrTruncated},
		{"compressed 4 GB from 20 bytes", cat(131, 80, be32(math.MaxUint32), zlibOf([]byte{97, 1})), func() any { return new(any) }, ErrTooLarge},
		{"compressed declares 60 MB, inflates to 2 bytes", cat(131, 80, be32(60<<20), zlibOf([]byte{97, 1})), func() any { return new(any) }, ErrTooLarge},
		{"compressed declares 10 MB, stream too short to hold it", cat(131, 80, be32(10<<20), zlibOf([]byte{97, 1})), func() any { return new(any) }, ErrTruncated},
		{"compressed declares 1 KB, inflates to 2 bytes", cat(131, 80, be32(1000), zlibOf([]byte{97, 1})), func() any { return new(any) }, ErrInvalid},
		{"zip bomb above the default limit", zerosCompressed(t, 100<<20, 100<<20), func() any { return new(any) }, ErrTooLarge},
		{"zip bomb lying about its size", zerosCompressed(t, 10<<20, 1000), func() any { return new(any) }, ErrInvalid},
		// Hostile counts that the input can back with one byte per element:
		// preallocating the Go value must not multiply the input by the
		// size of the element type.
		{"LIST of 100000 into [][1024]byte", cat(131, 108, be32(100000), make([]byte, 100000)), func() any { return new([]elem1K) }, ErrTypeMismatch},
		{"MAP of 50000 into map[int][1024]byte", cat(131, 116, be32(50000), make([]byte, 100000)), func() any { return new(map[int]elem1K) }, ErrTypeMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			got := allocBytes(func() { err = Unmarshal(c.data, c.target()) })
			if !errors.Is(err, c.err) {
				t.Fatalf("got %v, want %v", err, c.err)
			}
			if got > bound(c.data) {
				t.Fatalf("allocated %d bytes for %d bytes of input (bound %d)", got, len(c.data), bound(c.data))
			}
		})
	}
	// Above a configured MaxDecompressedSize, refused before inflating.
	bomb := zerosCompressed(t, 10<<20, 10<<20)
	var v any
	var err error
	got := allocBytes(func() { err = DecodeOptions{MaxDecompressedSize: 1 << 20}.Unmarshal(bomb, &v) })
	wantSyntax(t, err, ErrTooLarge, 2, 0)
	if got > bound(bomb) {
		t.Fatalf("allocated %d for a refused bomb of %d bytes", got, len(bomb))
	}
	// Within the limit it decodes.
	if err := (DecodeOptions{MaxDecompressedSize: 11 << 20}).Unmarshal(bomb, &v); err != nil {
		t.Fatalf("bomb within the limit: %v", err)
	}
	if s, ok := v.(string); !ok || len(s) != 10<<20-5 {
		t.Fatalf("bomb decoded to %T of %d", v, len(v.(string)))
	}
}

// TestDecodeDoesNotModifyInput decodes into every kind of target and
// compares the input with a copy.
func TestDecodeDoesNotModifyInput(t *testing.T) {
	ref := readTestdata(t, "reference_term.etf")
	prop := readTestdata(t, "reference_proplist.etf")
	comp, err := EncodeOptions{Compression: 6}.Marshal(RawTerm(ref[1:]))
	if err != nil {
		t.Fatal(err)
	}
	for _, data := range [][]byte{ref, prop, comp} {
		orig := bytes.Clone(data)
		for _, o := range []DecodeOptions{{}, {ZeroCopy: true}, {OrderedMaps: true}} {
			for _, p := range []any{new(any), new(safetyRef), new(RawTerm), new(Map), new([]Tuple), new(map[string]any)} {
				o.Unmarshal(data, p)
				if !bytes.Equal(data, orig) {
					t.Fatalf("decoding into %T with %+v modified the input", p, o)
				}
			}
		}
	}
}

// TestDecodedValuesDoNotAliasInput: by default a decoded string, []byte or
// RawTerm keeps its value when the input is overwritten; with ZeroCopy it
// aliases the input.
func TestDecodedValuesDoNotAliasInput(t *testing.T) {
	binTerm := func(pad int) []byte {
		// {<<"hello">>, <<"world">>/bitstring 8, <<pad bytes>>}
		return cat(131, 104, 3, 109, be32(5), "hello", 77, be32(5), 8, "world", 109, be32(uint32(pad)), make([]byte, pad))
	}
	type target struct {
		S string
		B []byte
		R RawTerm
	}
	mapTerm := cat(131, 116, be32(3), 109, be32(1), "S", 109, be32(5), "hello",
		109, be32(1), "B", 77, be32(5), 8, "world", 109, be32(1), "R", 109, be32(3), "raw")
	for _, pad := range []int{0, 20 << 10} { // below and above the shared-copy limit
		data := binTerm(pad)
		var v any
		if err := Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		clear(data)
		tu := v.(Tuple)
		if tu[0] != "hello" || string(tu[1].([]byte)) != "world" {
			t.Fatalf("pad %d: decoded values changed with the input: %q %q", pad, tu[0], tu[1])
		}
		// Appending to the decoded []byte cannot write into the values
		// that share its copy of the input.
		if b := tu[1].([]byte); pad == 0 && cap(b) != len(b) {
			t.Fatalf("pad %d: decoded []byte has spare capacity %d", pad, cap(b)-len(b))
		}
	}
	data := bytes.Clone(mapTerm)
	var s target
	if err := Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	clear(data)
	if s.S != "hello" || string(s.B) != "world" || !bytes.Equal(s.R, cat(109, be32(3), "raw")) {
		t.Fatalf("struct values changed with the input: %+v", s)
	}
	// ZeroCopy: the values are views of the input.
	data = bytes.Clone(mapTerm)
	s = target{}
	if err := (DecodeOptions{ZeroCopy: true}).Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	within := func(p unsafe.Pointer) bool {
		a := uintptr(unsafe.Pointer(&data[0]))
		return uintptr(p) >= a && uintptr(p) < a+uintptr(len(data))
	}
	if !within(unsafe.Pointer(unsafe.StringData(s.S))) || !within(unsafe.Pointer(&s.B[0])) || !within(unsafe.Pointer(&s.R[0])) {
		t.Fatalf("ZeroCopy values do not alias the input")
	}
	data[bytes.Index(data, []byte("world"))] = 'W'
	if string(s.B) != "World" {
		t.Fatalf("ZeroCopy []byte did not see the input change: %q", s.B)
	}
	data = binTerm(0)
	var v any
	if err := (DecodeOptions{ZeroCopy: true}).Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	data[bytes.Index(data, []byte("hello"))] = 'H'
	if v.(Tuple)[0] != "Hello" {
		t.Fatalf("ZeroCopy string into any did not alias the input: %q", v.(Tuple)[0])
	}
	// With ZeroCopy a decoded []byte is capped, so appending to it cannot
	// write into the rest of the input.
	b := v.(Tuple)[1].([]byte)
	if cap(b) != len(b) {
		t.Fatalf("ZeroCopy []byte has spare capacity %d into the input", cap(b)-len(b))
	}
}

// TestTruncatedMapIntoStruct: a map whose count passes the length check
// but whose input ends after a long first entry must fail, not panic, in
// the struct decoder's key reader.
func TestTruncatedMapIntoStruct(t *testing.T) {
	data := cat(131, 116, be32(2), 109, be32(1), "A", 97, 1)
	var s struct{ A int }
	if err := noPanic(t, DecodeOptions{}, data, &s); err != errPanicked {
		wantSyntax(t, err, ErrTruncated, len(data), 0)
	}
	// The same through a nested struct and with an atom key.
	data = cat(131, 116, be32(2), 100, 0, 1, "N", 116, be32(1), 100, 0, 1, "A", 97, 1)
	var n struct{ N struct{ A int } }
	if err := noPanic(t, DecodeOptions{}, data, &n); err != errPanicked {
		wantSyntax(t, err, ErrTruncated, len(data), 0)
	}
}

// TestListTailChainDepth: a chain of a million one-element list tails
// ([1 | [1 | ...]], 6 MB) is refused at MaxDepth with a *LimitError naming
// the limit, into `any`, typed slices and RawTerm alike; before, it was
// read in a loop without limit (+50 MB) while Python refused it at depth
// 1000.
func TestListTailChainDepth(t *testing.T) {
	const links = 1_000_000
	chain := func(end []byte) []byte {
		out := make([]byte, 0, 1+6*links+len(end))
		out = append(out, 131)
		for range links {
			out = append(out, 108, 0, 0, 0, 1, 97, 1)
		}
		return append(out, end...)
	}
	for _, c := range []struct {
		name   string
		data   []byte
		target func() any
	}{
		{"proper into any", chain([]byte{106}), func() any { return new(any) }},
		{"improper into any", chain([]byte{97, 2}), func() any { return new(any) }},
		{"proper into []int", chain([]byte{106}), func() any { return new([]int) }},
		{"proper into []any", chain([]byte{106}), func() any { return new([]any) }},
		{"improper into RawTerm", chain([]byte{97, 2}), func() any { return new(RawTerm) }},
		{"improper into ImproperList", chain([]byte{97, 2}), func() any { return new(ImproperList) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Unmarshal(c.data, c.target())
			wantSyntax(t, err, ErrTooDeep, 1+DefaultMaxDepth*7, 0)
			var le *LimitError
			if !errors.As(err, &le) || le.Limit != LimitDepth || le.Max != DefaultMaxDepth {
				t.Fatalf("got %v, want a *LimitError for %s=%d", err, LimitDepth, DefaultMaxDepth)
			}
			if !strings.Contains(err.Error(), "MaxDepth=1000") {
				t.Fatalf("error does not name the limit: %v", err)
			}
		})
	}
}
