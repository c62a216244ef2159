package erlterm

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func bigPow2(n uint) *big.Int { return new(big.Int).Lsh(big.NewInt(1), n) }

// --- encoding: exact bytes ---------------------------------------------------

func TestMarshalExactBytes(t *testing.T) {
	node := Atom("nonode@nohost")
	cases := []struct {
		name string
		v    any
		want []byte
	}{
		{"small int", 5, []byte{131, 97, 5}},
		{"255", uint8(255), []byte{131, 97, 255}},
		{"256", 256, []byte{131, 98, 0, 0, 1, 0}},
		{"-1", int8(-1), []byte{131, 98, 0xff, 0xff, 0xff, 0xff}},
		{"MinInt32", int32(math.MinInt32), []byte{131, 98, 0x80, 0, 0, 0}},
		{"2^31", int64(1) << 31, []byte{131, 110, 4, 0, 0, 0, 0, 0x80}},
		{"MinInt64", int64(math.MinInt64), []byte{131, 110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80}},
		{"MaxUint64", uint64(math.MaxUint64), cat(131, 110, 8, 0, bytes.Repeat([]byte{0xff}, 8))},
		{"2^70", bigPow2(70), cat(131, 110, 9, 0, make([]byte, 8), 0x40)},
		{"-2^70 value", *new(big.Int).Neg(bigPow2(70)), cat(131, 110, 9, 1, make([]byte, 8), 0x40)},
		{"small *big.Int", big.NewInt(7), []byte{131, 97, 7}},
		{"2^2040 is LARGE_BIG", bigPow2(2040), cat(131, 111, be32(256), 0, make([]byte, 255), 1)},
		{"float", 1.5, cat(131, 70, be64f(1.5))},
		{"float32", float32(-2.25), cat(131, 70, be64f(-2.25))},
		{"true", true, cat(131, 100, 0, 4, "true")},
		{"false", false, cat(131, 100, 0, 5, "false")},
		{"nil", nil, cat(131, 100, 0, 9, "undefined")},
		{"nil pointer", (*int)(nil), cat(131, 100, 0, 9, "undefined")},
		{"string", "ab", cat(131, 109, be32(2), "ab")},
		{"named string", Atom("x"), cat(131, 100, 0, 1, "x")},
		{"[]byte", []byte{1, 2}, cat(131, 77, be32(2), 8, 1, 2)},
		{"empty []byte", []byte{}, cat(131, 77, be32(0), 0)},
		{"[2]byte", [2]byte{1, 2}, cat(131, 77, be32(2), 8, 1, 2)},
		{"latin-1 atom", Atom("é"), cat(131, 100, 0, 1, 0xe9)},
		{"unicode atom", Atom("λ"), cat(131, 119, 2, 0xce, 0xbb)},
		{"long unicode atom", Atom(strings.Repeat("λ", 200)), cat(131, 118, 1, 144, strings.Repeat("λ", 200))},
		{"empty list", []any{}, []byte{131, 106}},
		{"empty []int", []int{}, []byte{131, 106}},
		{"nil []int", []int(nil), []byte{131, 106}},
		{"byte list", []int{1, 2}, []byte{131, 107, 0, 2, 1, 2}},
		{"byte list any", []any{1, int64(2)}, []byte{131, 107, 0, 2, 1, 2}},
		{"list", []int{1, 300}, cat(131, 108, be32(2), 97, 1, 98, be32(300), 106)},
		{"string list", []string{"a"}, cat(131, 108, be32(1), 109, be32(1), "a", 106)},
		{"array", [2]int{1, 300}, cat(131, 108, be32(2), 97, 1, 98, be32(300), 106)},
		{"tuple", Tuple{1, "a"}, cat(131, 104, 2, 97, 1, 109, be32(1), "a")},
		{"T", T(AtomOK, 42), cat(131, 104, 2, 100, 0, 2, "ok", 97, 42)},
		{"large tuple", make(Tuple, 256), cat(131, 105, be32(256), bytes.Repeat(cat(100, 0, 9, "undefined"), 256))},
		{"improper", ImproperList{Elems: []any{1}, Tail: 2}, cat(131, 108, be32(1), 97, 1, 97, 2)},
		{"map", map[string]int{"a": 1}, cat(131, 116, be32(1), 109, be32(1), "a", 97, 1)},
		{"Map order", Map{{Key: 2, Value: "b"}, {Key: 1, Value: "a"}}, cat(131, 116, be32(2), 97, 2, 109, be32(1), "b", 97, 1, 109, be32(1), "a")},
		{"bitstring", BitString{Bytes: []byte{0xe0}, Bits: 3}, cat(131, 77, be32(1), 3, 0xe0)},
		{"pid", Pid{Node: node, ID: 1, Serial: 2, Creation: 3}, cat(131, 88, nodeAtom, be32(1), be32(2), be32(3))},
		{"port", Port{Node: node, ID: 1, Creation: 3}, cat(131, 89, nodeAtom, be32(1), be32(3))},
		{"v4 port", Port{Node: node, ID: 1 << 40, Creation: 3}, cat(131, 120, nodeAtom, 0, 0, 1, 0, 0, 0, 0, 0, be32(3))},
		{"ref", Ref{Node: node, Creation: 3, ID: []uint32{1, 2}}, cat(131, 90, 0, 2, nodeAtom, be32(3), be32(1), be32(2))},
		{"export", Export{Module: "m", Function: "f", Arity: 2}, cat(131, 113, 100, 0, 1, "m", 100, 0, 1, "f", 97, 2)},
		{"opaque", Opaque{Language: "python", Data: []byte{1}}, cat(131, 104, 3, 100, 0, 15, "$erlport.opaque", 100, 0, 6, "python", 109, be32(1), 1)},
		{"raw term", RawTerm{97, 1}, []byte{131, 97, 1}},
		{"struct", struct {
			A int `erl:"a"`
		}{1}, cat(131, 116, be32(1), 109, be32(1), "a", 97, 1)},
		{"pointer to struct", &struct{ B bool }{true}, cat(131, 116, be32(1), 109, be32(1), "B", 100, 0, 4, "true")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Marshal(c.v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.want) {
				t.Fatalf("\n got % x\nwant % x", got, c.want)
			}
			// Append agrees and keeps the prefix.
			prefix := []byte("prefix")
			app, err := Append(prefix, c.v)
			if err != nil || !bytes.Equal(app, append([]byte("prefix"), c.want...)) {
				t.Fatalf("Append: % x (%v)", app, err)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	ch := make(chan int)
	cases := []struct {
		name string
		v    any
		err  error
	}{
		{"chan", ch, ErrUnsupportedType},
		{"func", func() {}, ErrUnsupportedType},
		{"complex", complex(1, 2), ErrUnsupportedType},
		{"chan in map", map[string]any{"c": ch}, ErrUnsupportedType},
		{"chan in struct", struct{ C chan int }{ch}, ErrUnsupportedType},
		{"NaN", math.NaN(), ErrInvalid},
		{"Inf in list", []float64{1, math.Inf(1)}, ErrInvalid},
		{"float32 Inf", float32(math.Inf(-1)), ErrInvalid},
		{"atom of 256", Atom(strings.Repeat("a", 256)), ErrTooLarge},
		{"unicode atom of 256 chars", Atom(strings.Repeat("λ", 256)), ErrTooLarge},
		{"atom bad UTF-8", Atom("\xff"), ErrInvalid},
		{"bitstring 0 bits", BitString{Bytes: []byte{1}, Bits: 0}, ErrInvalid},
		{"bitstring 9 bits", BitString{Bytes: []byte{1}, Bits: 9}, ErrInvalid},
		{"empty bitstring with bits", BitString{Bits: 1}, ErrInvalid},
		{"ref of 0 words", Ref{Node: "n"}, ErrInvalid},
		{"ref of 6 words", Ref{Node: "n", ID: make([]uint32, 6)}, ErrInvalid},
		{"empty improper list", ImproperList{Tail: 1}, ErrInvalid},
		{"raw term of two terms", RawTerm{97, 1, 97, 2}, ErrTrailingData},
		{"raw term truncated", RawTerm{104, 2, 97, 1}, ErrTruncated},
		{"raw term with version", RawTerm{131, 97, 1}, ErrUnknownTag},
		{"pid with bad node", Pid{Node: "\xff"}, ErrInvalid},
		{"compression level 10", nil, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := EncodeOptions{}
			if c.name == "compression level 10" {
				o.Compression = 10
			}
			dst := []byte("keep")
			out, err := o.Append(dst, c.v)
			if !errors.Is(err, c.err) {
				t.Fatalf("got %v, want %v", err, c.err)
			}
			if string(out) != "keep" {
				t.Fatalf("on error Append returned %q, want the dst unchanged", out)
			}
		})
	}
}

// TestEncodeNilRawTerm: a RawTerm that holds nothing (the zero value, as
// in a struct decoded from a map without that key) encodes as undefined,
// as a nil json.RawMessage encodes as null, instead of making the whole
// value unencodable.
func TestEncodeNilRawTerm(t *testing.T) {
	type withRaw struct {
		Name string
		Raw  RawTerm
	}
	got, err := Marshal(withRaw{Name: "x"})
	if err != nil {
		t.Fatalf("zero RawTerm field: %v", err)
	}
	var back map[string]any
	if err := Unmarshal(got, &back); err != nil || back["Raw"] != nil || back["Name"] != "x" {
		t.Fatalf("decoded %v (%v)", back, err)
	}
}

// --- struct tags -----------------------------------------------------------

type tagBase struct {
	Base   int
	Shadow string `erl:"name"` // shadowed by tagged.Name
	Inner  int    `erl:"inner"`
}

type tagged struct {
	Name    string `erl:"name"`
	Empty   string `erl:"empty,omitempty"`
	Zero    int    `erl:",omitempty"`
	Kept    string `erl:"kept"`
	Key     int    `erl:"key,atom"`
	Skip    int    `erl:"-"`
	Plain   int
	private int
	tagBase
	Renamed tagBase `erl:"renamed"`
}

func TestStructTagsEncode(t *testing.T) {
	v := tagged{Name: "n", Kept: "", Key: 2, Skip: 9, Plain: 3, private: 4,
		tagBase: tagBase{Base: 5, Shadow: "shadowed", Inner: 6}, Renamed: tagBase{Base: 7}}
	data, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m Map
	if err := Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	keys := map[string]any{}
	for _, e := range m {
		switch k := e.Key.(type) {
		case string:
			keys["bin:"+k] = e.Value
		case Atom:
			keys["atom:"+string(k)] = e.Value
		default:
			t.Fatalf("key of type %T", e.Key)
		}
	}
	want := map[string]any{
		"bin:name": "n", "bin:kept": "", "atom:key": int64(2), "bin:Plain": int64(3),
		"bin:Base": int64(5), "bin:inner": int64(6),
	}
	for k, w := range want {
		if got, ok := keys[k]; !ok || !Equal(got, w) {
			t.Errorf("key %s: got %#v (present %v), want %#v", k, got, ok, w)
		}
	}
	renamed, ok := keys["bin:renamed"].(Map)
	if base, _ := renamed.Get("Base"); !ok || !Equal(base, 7) {
		t.Errorf("renamed embedded struct: %#v", keys["bin:renamed"])
	}
	for _, k := range []string{"bin:empty", "bin:Zero", "bin:Skip", "bin:-", "bin:private", "bin:tagBase", "bin:Shadow"} {
		if _, ok := keys[k]; ok {
			t.Errorf("key %s should not be there", k)
		}
	}
	if len(m) != len(want)+1 {
		t.Errorf("%d keys, want %d: %v", len(m), len(want)+1, keys)
	}
	// omitempty keeps non-zero values.
	v.Empty, v.Zero = "e", 1
	data, _ = Marshal(v)
	m = nil
	Unmarshal(data, &m)
	if got, ok := m.Get("empty"); !ok || got != "e" {
		t.Errorf("non-empty omitempty field: %v %v", got, ok)
	}
	if got, ok := m.Get("Zero"); !ok || !Equal(got, 1) {
		t.Errorf("non-zero omitempty field with empty name: %v %v", got, ok)
	}
}

func TestStructTagsDecode(t *testing.T) {
	in := Map{
		{Key: "name", Value: "n"},
		{Key: Atom("key"), Value: 2},
		{Key: "Skip", Value: 99},
		{Key: "-", Value: 98},
		{Key: "PLAIN", Value: 3}, // case-insensitive match
		{Key: "Base", Value: 5},
		{Key: Atom("inner"), Value: 6},
		{Key: "renamed", Value: map[string]any{"Base": 7}},
		{Key: "unknown", Value: Tuple{1, 2}},
		{Key: Tuple{1}, Value: 1}, // not a text key: skipped
		{Key: []any{int64('k'), int64('e'), int64('p'), int64('t')}, Value: "charlist key"},
	}
	data, err := Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got tagged
	got.Skip = 1
	if err := Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	want := tagged{Name: "n", Key: 2, Skip: 1, Plain: 3, Kept: "charlist key",
		tagBase: tagBase{Base: 5, Inner: 6}, Renamed: tagBase{Base: 7}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("\n got %+v\nwant %+v", got, want)
	}
	// The exact name wins over a case-insensitive one.
	type twoCases struct {
		A  int `erl:"a"`
		AA int `erl:"A"`
	}
	var tc twoCases
	if err := Unmarshal(mustMarshal(t, map[string]int{"A": 1, "a": 2}), &tc); err != nil || tc.A != 2 || tc.AA != 1 {
		t.Fatalf("exact-case match: %+v %v", tc, err)
	}
}

func TestDisallowUnknownFields(t *testing.T) {
	type small struct{ A int }
	data := mustMarshal(t, Map{{Key: "A", Value: 1}, {Key: "B", Value: 2}})
	var s small
	if err := Unmarshal(data, &s); err != nil || s.A != 1 {
		t.Fatalf("unknown field not skipped: %v", err)
	}
	s = small{}
	err := DecodeOptions{DisallowUnknownFields: true}.Unmarshal(data, &s)
	var te *UnmarshalTypeError
	if !errors.Is(err, ErrTypeMismatch) || !errors.As(err, &te) || !strings.Contains(err.Error(), `"B"`) {
		t.Fatalf("got %v, want an UnmarshalTypeError naming \"B\"", err)
	}
	if te.Offset != 14 {
		t.Fatalf("offset %d, want 14 (the key)", te.Offset)
	}
	// A key that is not text is unknown too.
	data = mustMarshal(t, Map{{Key: 1, Value: 2}})
	if err := (DecodeOptions{DisallowUnknownFields: true}).Unmarshal(data, &s); !errors.Is(err, ErrTypeMismatch) {
		t.Fatalf("integer key: got %v", err)
	}
	// Known fields only: fine.
	if err := (DecodeOptions{DisallowUnknownFields: true}).Unmarshal(mustMarshal(t, map[string]int{"a": 5}), &s); err != nil || s.A != 5 {
		t.Fatalf("known field: %v %+v", err, s)
	}
}

// --- decoding into typed targets ---------------------------------------------

type decodeCase struct {
	name string
	data []byte // a whole term, version byte included
	dst  func() any
	want any   // the value *dst should hold
	err  error // or the error
}

func term(parts ...any) []byte { return cat(append([]any{131}, parts...)...) }

func TestDecodeTyped(t *testing.T) {
	i := func(v int64) []byte { b, _ := Marshal(v); return b[1:] }
	node := nodeAtom
	cases := []decodeCase{
		// integers
		{"int", term(97, 5), func() any { return new(int) }, 5, nil},
		{"int8 127", term(97, 127), func() any { return new(int8) }, int8(127), nil},
		{"int8 128", term(97, 128), func() any { return new(int8) }, nil, ErrTypeMismatch},
		{"int8 -128", term(i(-128)), func() any { return new(int8) }, int8(-128), nil},
		{"int8 -129", term(i(-129)), func() any { return new(int8) }, nil, ErrTypeMismatch},
		{"int16 70000", term(i(70000)), func() any { return new(int16) }, nil, ErrTypeMismatch},
		{"int32 2^31", term(110, 4, 0, 0, 0, 0, 0x80), func() any { return new(int32) }, nil, ErrTypeMismatch},
		{"int64 MinInt64", term(110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80), func() any { return new(int64) }, int64(math.MinInt64), nil},
		{"int64 2^63", term(110, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0x80), func() any { return new(int64) }, nil, ErrTypeMismatch},
		{"int from 2^70", term(110, 9, 0, make([]byte, 8), 0x40), func() any { return new(int) }, nil, ErrTypeMismatch},
		{"int from float", term(70, be64f(1)), func() any { return new(int) }, nil, ErrTypeMismatch},
		{"int from binary", term(109, be32(1), "1"), func() any { return new(int) }, nil, ErrTypeMismatch},
		{"int from padded big", term(110, 3, 0, 5, 0, 0), func() any { return new(int) }, 5, nil},
		{"uint8 255", term(97, 255), func() any { return new(uint8) }, uint8(255), nil},
		{"uint8 256", term(i(256)), func() any { return new(uint8) }, nil, ErrTypeMismatch},
		{"uint8 -1", term(i(-1)), func() any { return new(uint8) }, nil, ErrTypeMismatch},
		{"uint -1", term(i(-1)), func() any { return new(uint) }, nil, ErrTypeMismatch},
		{"uint64 max", term(110, 8, 0, bytes.Repeat([]byte{0xff}, 8)), func() any { return new(uint64) }, uint64(math.MaxUint64), nil},
		{"uint64 2^64", term(110, 9, 0, make([]byte, 8), 1), func() any { return new(uint64) }, nil, ErrTypeMismatch},
		{"uint64 -2^63", term(110, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80), func() any { return new(uint64) }, nil, ErrTypeMismatch},
		{"uint32 from -big", term(110, 9, 1, make([]byte, 8), 1), func() any { return new(uint32) }, nil, ErrTypeMismatch},
		// floats
		{"float64", term(70, be64f(2.5)), func() any { return new(float64) }, 2.5, nil},
		{"float64 from int", term(i(-3)), func() any { return new(float64) }, -3.0, nil},
		{"float64 from big", term(110, 9, 0, make([]byte, 8), 0x40), func() any { return new(float64) }, math.Ldexp(1, 70), nil},
		{"float64 from 2^1100", term(110, 138, 0, make([]byte, 137), 0x10), func() any { return new(float64) }, nil, ErrTypeMismatch},
		{"float32 from 1e300", term(70, be64f(1e300)), func() any { return new(float32) }, nil, ErrTypeMismatch},
		{"float32", term(70, be64f(0.5)), func() any { return new(float32) }, float32(0.5), nil},
		{"float64 from FLOAT_EXT", term(99, "2.50000000000000000000e+00", make([]byte, 5)), func() any { return new(float64) }, 2.5, nil},
		{"float64 from atom", term(100, 0, 1, "a"), func() any { return new(float64) }, nil, ErrTypeMismatch},
		// bools
		{"bool true", term(100, 0, 4, "true"), func() any { return new(bool) }, true, nil},
		{"bool false utf8", term(119, 5, "false"), func() any { return new(bool) }, false, nil},
		{"bool from other atom", term(100, 0, 3, "yes"), func() any { return new(bool) }, nil, ErrTypeMismatch},
		{"bool from int", term(97, 1), func() any { return new(bool) }, nil, ErrTypeMismatch},
		// strings
		{"string from binary", term(109, be32(3), "abc"), func() any { return new(string) }, "abc", nil},
		{"string from atom", term(100, 0, 3, "abc"), func() any { return new(string) }, "abc", nil},
		{"string from latin-1 atom", term(100, 0, 1, 0xe9), func() any { return new(string) }, "é", nil},
		{"string from utf8 atom", term(119, 2, "λ"), func() any { return new(string) }, "λ", nil},
		{"string from STRING_EXT latin-1", term(107, 0, 2, 0xe9, 'a'), func() any { return new(string) }, "éa", nil},
		{"string from code points", term(108, be32(2), 98, be32(955), 97, 'x', 106), func() any { return new(string) }, "λx", nil},
		{"string from NIL", term(106), func() any { return new(string) }, "", nil},
		{"string from bit binary", term(77, be32(2), 8, "hi"), func() any { return new(string) }, "hi", nil},
		{"string from 3-bit bitstring", term(77, be32(1), 3, 0xe0), func() any { return new(string) }, nil, ErrTypeMismatch},
		{"string from surrogate", term(108, be32(1), 98, be32(0xd800), 106), func() any { return new(string) }, nil, ErrTypeMismatch},
		{"string from negative code", term(108, be32(1), 98, be32(math.MaxUint32), 106), func() any { return new(string) }, nil, ErrTypeMismatch},
		{"string from int", term(97, 1), func() any { return new(string) }, nil, ErrTypeMismatch},
		{"string from tuple", term(104, 0), func() any { return new(string) }, nil, ErrTypeMismatch},
		{"named string", term(109, be32(1), "x"), func() any { return new(Atom) }, nil, ErrTypeMismatch},
		// []byte
		{"[]byte from binary", term(109, be32(2), 1, 2), func() any { return new([]byte) }, []byte{1, 2}, nil},
		{"[]byte from bit binary", term(77, be32(2), 8, 1, 2), func() any { return new([]byte) }, []byte{1, 2}, nil},
		{"[]byte from STRING_EXT", term(107, 0, 3, 1, 2, 3), func() any { return new([]byte) }, []byte{1, 2, 3}, nil},
		{"[]byte from list", term(108, be32(2), 97, 1, 97, 2, 106), func() any { return new([]byte) }, []byte{1, 2}, nil},
		{"[]byte from list with 300", term(108, be32(2), 97, 1, 98, be32(300), 106), func() any { return new([]byte) }, nil, ErrTypeMismatch},
		{"[]byte from 3-bit bitstring", term(77, be32(1), 3, 0xe0), func() any { return new([]byte) }, nil, ErrTypeMismatch},
		{"[]byte from atom", term(100, 0, 1, "a"), func() any { return new([]byte) }, nil, ErrTypeMismatch},
		// arrays
		{"[3]int from tuple", term(104, 3, 97, 1, 97, 2, 97, 3), func() any { return new([3]int) }, [3]int{1, 2, 3}, nil},
		{"[3]int from list", term(108, be32(3), 97, 1, 97, 2, 97, 3, 106), func() any { return new([3]int) }, [3]int{1, 2, 3}, nil},
		{"[3]int from string", term(107, 0, 3, 1, 2, 3), func() any { return new([3]int) }, [3]int{1, 2, 3}, nil},
		{"[3]int from 2 elements", term(107, 0, 2, 1, 2), func() any { return new([3]int) }, nil, ErrTypeMismatch},
		{"[3]int from 4 elements", term(104, 4, 97, 1, 97, 2, 97, 3, 97, 4), func() any { return new([3]int) }, nil, ErrTypeMismatch},
		{"[2]byte from binary", term(109, be32(2), 7, 8), func() any { return new([2]byte) }, [2]byte{7, 8}, nil},
		{"[2]byte from 3 bytes", term(109, be32(3), 7, 8, 9), func() any { return new([2]byte) }, nil, ErrTypeMismatch},
		{"[3]float64 from tuple", term(104, 3, 70, be64f(1.5), 97, 2, 70, be64f(-1)), func() any { return new([3]float64) }, [3]float64{1.5, 2, -1}, nil},
		// slices
		{"[]int from string", term(107, 0, 2, 1, 200), func() any { return new([]int) }, []int{1, 200}, nil},
		{"[]int8 from string with 200", term(107, 0, 2, 1, 200), func() any { return new([]int8) }, nil, ErrTypeMismatch},
		{"[]int64 from list", term(108, be32(2), 97, 1, 98, be32(math.MaxUint32), 106), func() any { return new([]int64) }, []int64{1, -1}, nil},
		{"[]int from improper list", term(108, be32(1), 97, 1, 97, 2), func() any { return new([]int) }, nil, ErrTypeMismatch},
		{"[]string", term(108, be32(2), 109, be32(1), "a", 100, 0, 1, "b", 106), func() any { return new([]string) }, []string{"a", "b"}, nil},
		{"[]any from string", term(107, 0, 1, 7), func() any { return new([]any) }, []any{int64(7)}, nil},
		{"[]int from NIL", term(106), func() any { return &[]int{9} }, []int{}, nil},
		{"[]float64 from string", term(107, 0, 1, 7), func() any { return new([]float64) }, []float64{7}, nil},
		{"[]int from map", term(116, be32(0)), func() any { return new([]int) }, nil, ErrTypeMismatch},
		{"[][]int", term(108, be32(2), 107, 0, 1, 1, 107, 0, 1, 2, 106), func() any { return new([][]int) }, [][]int{{1}, {2}}, nil},
		// maps
		{"map[string]int", term(116, be32(1), 109, be32(1), "a", 97, 1), func() any { return new(map[string]int) }, map[string]int{"a": 1}, nil},
		{"map[string]int from atom key", term(116, be32(1), 100, 0, 1, "a", 97, 1), func() any { return new(map[string]int) }, map[string]int{"a": 1}, nil},
		{"map[Atom]bool", term(116, be32(1), 100, 0, 1, "a", 100, 0, 4, "true"), func() any { return new(map[Atom]bool) }, map[Atom]bool{"a": true}, nil},
		{"map[int]string", term(116, be32(1), 97, 1, 109, be32(1), "x"), func() any { return new(map[int]string) }, map[int]string{1: "x"}, nil},
		{"map[int]int from binary key", term(116, be32(1), 109, be32(1), "x", 97, 1), func() any { return new(map[int]int) }, nil, ErrTypeMismatch},
		{"map[string]int from list", term(106), func() any { return new(map[string]int) }, nil, ErrTypeMismatch},
		{"map[any]any", term(116, be32(1), 104, 1, 97, 1, 97, 2), func() any { return new(map[any]any) }, nil, ErrTypeMismatch},
		// pointers
		{"*int", term(97, 5), func() any { return new(*int) }, ptr(5), nil},
		{"**string", term(109, be32(1), "p"), func() any { return new(**string) }, ptr(ptr("p")), nil},
		// big integers
		{"*big.Int small", term(97, 5), func() any { return new(*big.Int) }, big.NewInt(5), nil},
		{"*big.Int 2^70", term(110, 9, 0, make([]byte, 8), 0x40), func() any { return new(*big.Int) }, bigPow2(70), nil},
		{"big.Int -2^70", term(110, 9, 1, make([]byte, 8), 0x40), func() any { return new(big.Int) }, *new(big.Int).Neg(bigPow2(70)), nil},
		{"big.Int LARGE_BIG", term(111, be32(9), 0, make([]byte, 8), 0x40), func() any { return new(big.Int) }, *bigPow2(70), nil},
		{"*big.Int from binary", term(109, be32(1), "1"), func() any { return new(*big.Int) }, nil, ErrTypeMismatch},
		// erlterm types
		{"Atom", term(100, 0, 2, "ok"), func() any { return new(Atom) }, Atom("ok"), nil},
		{"Atom true stays an atom", term(100, 0, 4, "true"), func() any { return new(Atom) }, Atom("true"), nil},
		{"Atom undefined stays an atom", term(100, 0, 9, "undefined"), func() any { return new(Atom) }, Atom("undefined"), nil},
		{"Atom latin-1", term(115, 1, 0xe9), func() any { return new(Atom) }, Atom("é"), nil},
		{"Atom from binary", term(109, be32(1), "a"), func() any { return new(Atom) }, nil, ErrTypeMismatch},
		{"Tuple", term(104, 2, 97, 1, 100, 0, 4, "true"), func() any { return new(Tuple) }, Tuple{int64(1), true}, nil},
		{"Tuple from list", term(106), func() any { return new(Tuple) }, nil, ErrTypeMismatch},
		{"Tuple from opaque", term(104, 3, 100, 0, 15, "$erlport.opaque", 100, 0, 1, "x", 109, be32(1), "d"), func() any { return new(Tuple) },
			Tuple{Atom("$erlport.opaque"), Atom("x"), "d"}, nil},
		{"Map keeps order", term(116, be32(2), 97, 2, 97, 0, 97, 1, 97, 0), func() any { return new(Map) }, Map{{Key: int64(2), Value: int64(0)}, {Key: int64(1), Value: int64(0)}}, nil},
		{"Map from tuple", term(104, 0), func() any { return new(Map) }, nil, ErrTypeMismatch},
		{"RawTerm", term(104, 2, 97, 1, 106), func() any { return new(RawTerm) }, RawTerm{104, 2, 97, 1, 106}, nil},
		{"BitString", term(77, be32(1), 3, 0xe0), func() any { return new(BitString) }, BitString{Bytes: []byte{0xe0}, Bits: 3}, nil},
		{"BitString from binary", term(109, be32(1), 1), func() any { return new(BitString) }, BitString{Bytes: []byte{1}, Bits: 8}, nil},
		{"BitString from empty binary", term(109, be32(0)), func() any { return new(BitString) }, BitString{Bytes: []byte{}, Bits: 0}, nil},
		{"BitString from int", term(97, 1), func() any { return new(BitString) }, nil, ErrTypeMismatch},
		{"Pid", term(88, node, be32(1), be32(2), be32(3)), func() any { return new(Pid) }, Pid{Node: "nonode@nohost", ID: 1, Serial: 2, Creation: 3}, nil},
		{"old Pid", term(103, node, be32(1), be32(2), 3), func() any { return new(Pid) }, Pid{Node: "nonode@nohost", ID: 1, Serial: 2, Creation: 3}, nil},
		{"Pid from int", term(97, 1), func() any { return new(Pid) }, nil, ErrTypeMismatch},
		{"Port old", term(102, node, be32(1), 3), func() any { return new(Port) }, Port{Node: "nonode@nohost", ID: 1, Creation: 3}, nil},
		{"Port v4", term(120, node, 0, 0, 0, 1, 0, 0, 0, 0, be32(3)), func() any { return new(Port) }, Port{Node: "nonode@nohost", ID: 1 << 32, Creation: 3}, nil},
		{"Ref old", term(101, node, be32(9), 3), func() any { return new(Ref) }, Ref{Node: "nonode@nohost", Creation: 3, ID: []uint32{9}}, nil},
		{"Ref new", term(114, 0, 2, node, 3, be32(1), be32(2)), func() any { return new(Ref) }, Ref{Node: "nonode@nohost", Creation: 3, ID: []uint32{1, 2}}, nil},
		{"Export", term(113, 100, 0, 1, "m", 100, 0, 1, "f", 97, 2), func() any { return new(Export) }, Export{Module: "m", Function: "f", Arity: 2}, nil},
		{"Opaque", term(104, 3, 100, 0, 15, "$erlport.opaque", 100, 0, 6, "python", 109, be32(1), 9), func() any { return new(Opaque) }, Opaque{Language: "python", Data: []byte{9}}, nil},
		{"ImproperList", term(108, be32(1), 97, 1, 97, 2), func() any { return new(ImproperList) }, ImproperList{Elems: []any{int64(1)}, Tail: int64(2)}, nil},
		// interfaces
		{"any", term(104, 1, 109, be32(1), "a"), func() any { return new(any) }, Tuple{"a"}, nil},
		{"nil Stringer", term(97, 1), func() any { return new(fmt.Stringer) }, nil, ErrTypeMismatch},
	}
	runDecodeCases(t, cases)
}

func ptr[T any](v T) *T { return &v }

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := c.dst()
			err := noPanic(t, DecodeOptions{}, c.data, dst)
			if err == errPanicked {
				return
			}
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("got %v (value %#v), want %v", err, reflect.ValueOf(dst).Elem().Interface(), c.err)
				}
				var te *UnmarshalTypeError
				if errors.Is(c.err, ErrTypeMismatch) && (!errors.As(err, &te) || te.Type == nil) {
					t.Fatalf("got %T, want *UnmarshalTypeError with its Type", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := reflect.ValueOf(dst).Elem().Interface()
			if !deepEqualBig(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

// deepEqualBig is reflect.DeepEqual, except that big integers compare by value.
func deepEqualBig(a, b any) bool {
	switch x := a.(type) {
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case big.Int:
		y, ok := b.(big.Int)
		return ok && x.Cmp(&y) == 0
	}
	return reflect.DeepEqual(a, b)
}

// stringerTarget is a struct behind a non-empty interface.
type stringerTarget struct{ N int }

func (s *stringerTarget) String() string { return fmt.Sprint(s.N) }

func TestDecodeIntoFilledInterface(t *testing.T) {
	var s fmt.Stringer = &stringerTarget{}
	if err := Unmarshal(mustMarshal(t, map[string]int{"N": 5}), &s); err != nil {
		t.Fatal(err)
	}
	if s.(*stringerTarget).N != 5 {
		t.Fatalf("got %v", s)
	}
}

// TestDecodeAnyTypes checks the documented Go type of each term in `any`.
func TestDecodeAnyTypes(t *testing.T) {
	cases := []struct {
		name string
		data []byte
		want any
	}{
		{"int", term(97, 1), int64(1)},
		{"big", term(110, 9, 0, make([]byte, 8), 1), bigPow2(64)},
		{"int64 in big form", term(110, 1, 1, 5), int64(-5)},
		{"float", term(70, be64f(1.5)), 1.5},
		{"binary", term(109, be32(1), "a"), "a"},
		{"bit binary", term(77, be32(1), 8, "a"), []byte("a")},
		{"bitstring", term(77, be32(1), 1, 0x80), BitString{Bytes: []byte{0x80}, Bits: 1}},
		{"true", term(100, 0, 4, "true"), true},
		{"false utf8", term(119, 5, "false"), false},
		{"undefined", term(100, 0, 9, "undefined"), nil},
		{"undefined utf8", term(119, 9, "undefined"), nil},
		{"atom", term(100, 0, 1, "a"), Atom("a")},
		{"nil", term(106), []any{}},
		{"string", term(107, 0, 1, 7), []any{int64(7)}},
		{"list", term(108, be32(1), 97, 1, 106), []any{int64(1)}},
		{"improper", term(108, be32(1), 97, 1, 97, 2), ImproperList{Elems: []any{int64(1)}, Tail: int64(2)}},
		{"list with list tail is proper", term(108, be32(1), 97, 1, 108, be32(1), 97, 2, 106), []any{int64(1), int64(2)}},
		{"list with string tail is proper", term(108, be32(1), 97, 1, 107, 0, 1, 2), []any{int64(1), int64(2)}},
		{"tuple", term(104, 1, 97, 1), Tuple{int64(1)}},
		{"binary-key map", term(116, be32(1), 109, be32(1), "a", 97, 1), map[string]any{"a": int64(1)}},
		{"atom-key map", term(116, be32(1), 100, 0, 1, "a", 97, 1), map[any]any{Atom("a"): int64(1)}},
		{"mixed-key map", term(116, be32(2), 109, be32(1), "a", 97, 1, 97, 7, 97, 2), map[any]any{"a": int64(1), int64(7): int64(2)}},
		{"tuple-key map", term(116, be32(1), 104, 1, 97, 1, 97, 2), Map{{Key: Tuple{int64(1)}, Value: int64(2)}}},
		{"opaque", term(104, 3, 100, 0, 15, "$erlport.opaque", 100, 0, 6, "python", 109, be32(1), 9), Opaque{Language: "python", Data: []byte{9}}},
	}
	for _, c := range cases {
		var v any
		if err := Unmarshal(c.data, &v); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !deepEqualBig(v, c.want) {
			t.Errorf("%s: got %#v, want %#v", c.name, v, c.want)
		}
	}
}

func TestUndefined(t *testing.T) {
	undef := term(100, 0, 9, "undefined")
	undefUTF8 := term(119, 9, "undefined") // what OTP 26+ term_to_binary writes
	for _, data := range [][]byte{undef, undefUTF8} {
		name := "ATOM_EXT"
		if data[1] == 119 {
			name = "SMALL_ATOM_UTF8_EXT"
		}
		t.Run(name, func(t *testing.T) {
			// Nillable targets become nil.
			p := ptr(5)
			s := []int{1}
			m := map[string]int{"a": 1}
			var a any = 1
			var st fmt.Stringer = &stringerTarget{}
			b := big.NewInt(1)
			tu := Tuple{1}
			mp := Map{{Key: 1, Value: 2}}
			for name, dst := range map[string]any{"*int": &p, "[]int": &s, "map": &m, "any": &a, "Stringer": &st, "*big.Int": &b, "Tuple": &tu, "Map": &mp} {
				if err := Unmarshal(data, dst); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if v := reflect.ValueOf(dst).Elem(); !v.IsNil() {
					t.Errorf("%s: undefined left %#v, want nil", name, v.Interface())
				}
			}
			// Value targets stay as they were.
			i, str, f, bo := 7, "x", 1.5, true
			arr := [2]int{1, 2}
			type pair struct{ A, B int }
			ps := pair{1, 2}
			bv := *big.NewInt(3)
			for name, dst := range map[string]any{"int": &i, "string": &str, "float": &f, "bool": &bo, "array": &arr, "struct": &ps, "big.Int": &bv} {
				before := fmt.Sprint(reflect.ValueOf(dst).Elem().Interface())
				if err := Unmarshal(data, dst); err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				if after := fmt.Sprint(reflect.ValueOf(dst).Elem().Interface()); after != before {
					t.Errorf("%s: undefined changed %s to %s", name, before, after)
				}
			}
			// In a struct: the field is cleared or kept.
			type holder struct {
				P *int
				N int
			}
			h := holder{P: ptr(1), N: 2}
			mdata := cat(131, 116, be32(2), 109, be32(1), "P", data[1:], 109, be32(1), "N", data[1:])
			if err := Unmarshal(mdata, &h); err != nil || h.P != nil || h.N != 2 {
				t.Errorf("struct fields: %+v %v", h, err)
			}
			// A RawTerm keeps the atom's bytes: it stores terms, it does not
			// interpret them.
			var r RawTerm
			if err := Unmarshal(data, &r); err != nil || !bytes.Equal(r, data[1:]) {
				t.Errorf("RawTerm of undefined: % x %v", r, err)
			}
		})
	}
}

// --- Marshaler / Unmarshaler -------------------------------------------------

// celsius encodes itself as {celsius, Degrees}.
type celsius float64

func (c celsius) AppendETF(dst []byte) ([]byte, error) {
	dst = append(dst, 104, 2, 100, 0, 7)
	dst = append(dst, "celsius"...)
	dst = append(dst, 70)
	return append(dst, be64f(float64(c))...), nil
}

// point decodes itself from {X, Y} and encodes back the same way.
type point struct{ X, Y int }

func (p *point) UnmarshalETF(b []byte) error {
	var t [2]int
	if err := Unmarshal(append([]byte{131}, b...), &t); err != nil {
		return err
	}
	p.X, p.Y = t[0], t[1]
	return nil
}

func (p *point) AppendETF(dst []byte) ([]byte, error) {
	return append(dst[:len(dst):len(dst)], 104, 2, 97, byte(p.X), 97, byte(p.Y)), nil
}

var errMarshal = errors.New("marshal refused")

type badMarshaler int

func (b badMarshaler) AppendETF(dst []byte) ([]byte, error) {
	switch b {
	case 0:
		return dst, errMarshal
	case 1:
		return append(dst, 104, 2, 97), nil // truncated
	case 2:
		return append(dst, 97, 1, 97, 2), nil // two terms
	case 3:
		return dst, nil // nothing
	}
	return dst[:0], nil // shrank
}

func TestMarshaler(t *testing.T) {
	got, err := Marshal(celsius(1.5))
	want := cat(131, 104, 2, 100, 0, 7, "celsius", 70, be64f(1.5))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("Marshaler: % x %v", got, err)
	}
	// Inside containers, through reflection.
	got, err = Marshal(struct{ T []celsius }{[]celsius{1.5}})
	if err != nil || !bytes.Contains(got, want[1:]) {
		t.Fatalf("Marshaler in a struct: % x %v", got, err)
	}
	got, err = Marshal(map[string]any{"t": celsius(1.5)})
	if err != nil || !bytes.Contains(got, want[1:]) {
		t.Fatalf("Marshaler in a map: % x %v", got, err)
	}
	// Pointer receivers: through a pointer, and as an addressable field.
	got, err = Marshal(&point{1, 2})
	if err != nil || !bytes.Equal(got, []byte{131, 104, 2, 97, 1, 97, 2}) {
		t.Fatalf("pointer Marshaler: % x %v", got, err)
	}
	got, err = Marshal(&struct{ P point }{point{3, 4}})
	if err != nil || !bytes.Contains(got, []byte{104, 2, 97, 3, 97, 4}) {
		t.Fatalf("addressable field Marshaler: % x %v", got, err)
	}
	// A nil pointer whose type implements Marshaler is undefined, as a
	// nil pointer is elsewhere (encoding/json writes null for it).
	for name, v := range map[string]any{"top level": (*point)(nil), "in []any": []any{(*point)(nil)},
		"in struct": struct{ P *point }{}, "in map": map[string]*point{"p": nil}} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("nil *point %s: Marshal panicked: %v", name, r)
				}
			}()
			got, err := Marshal(v)
			if err != nil || !bytes.Contains(got, cat(100, 0, 9, "undefined")) {
				t.Errorf("nil *point %s: % x %v", name, got, err)
			}
		}()
	}
	// Refused or malformed output.
	for i, want := range []error{errMarshal, ErrTruncated, ErrTrailingData, ErrTruncated, ErrInvalid} {
		_, err := Marshal([]any{badMarshaler(i)})
		var ee *EncodeError
		if !errors.Is(err, want) || !errors.As(err, &ee) {
			t.Errorf("badMarshaler(%d): got %v, want an EncodeError wrapping %v", i, err, want)
		}
	}
}

func TestUnmarshaler(t *testing.T) {
	var p point
	if err := Unmarshal([]byte{131, 104, 2, 97, 1, 97, 2}, &p); err != nil || p != (point{1, 2}) {
		t.Fatalf("Unmarshaler: %+v %v", p, err)
	}
	type holder struct {
		P  point
		PP *point
		L  []point
	}
	data := mustMarshal(t, map[string]any{"P": Tuple{1, 2}, "PP": Tuple{3, 4}, "L": []any{Tuple{5, 6}}})
	var h holder
	if err := Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	if h.P != (point{1, 2}) || h.PP == nil || *h.PP != (point{3, 4}) || len(h.L) != 1 || h.L[0] != (point{5, 6}) {
		t.Fatalf("Unmarshalers in a struct: %+v", h)
	}
	// undefined clears a pointer Unmarshaler.
	h.PP = &point{}
	if err := Unmarshal(mustMarshal(t, map[string]any{"PP": nil}), &h); err != nil || h.PP != nil {
		t.Fatalf("undefined into *point: %+v %v", h.PP, err)
	}
	// The method sees exactly one term without the version byte.
	var rec fuzzUnmarshaler
	if err := Unmarshal([]byte{131, 97, 9}, &rec); err != nil || !bytes.Equal(rec.got, []byte{97, 9}) {
		t.Fatalf("Unmarshaler input: % x %v", rec.got, err)
	}
	// Its error becomes a type error at the term.
	err := Unmarshal(cat(131, 104, 1, 109, be32(1), "x"), &p)
	var te *UnmarshalTypeError
	if !errors.Is(err, ErrTypeMismatch) || !errors.As(err, &te) || te.Offset != 1 {
		t.Fatalf("UnmarshalETF error: %v", err)
	}
	// A malformed term never reaches the method.
	rec = fuzzUnmarshaler{}
	if err := Unmarshal([]byte{131, 104, 2, 97}, &rec); !errors.Is(err, ErrTruncated) || rec.got != nil {
		t.Fatalf("malformed term: %v, method saw % x", err, rec.got)
	}
}

// --- type errors name the field ---------------------------------------------

type errInner struct{ A int }

type errOuter struct {
	Nested errInner
	List   []errInner
	Ptr    *errInner
	Deeper struct{ Nested errInner }
	M      map[string]errInner
	Tagged errInner `erl:"tagged"`
}

func TestUnmarshalTypeErrorField(t *testing.T) {
	bad := map[string]any{"A": "not an int"}
	cases := []struct {
		key   string
		value any
		field string
	}{
		{"Nested", bad, "Nested.A"},
		{"List", []any{map[string]any{"A": 1}, bad}, "List.A"},
		{"Ptr", bad, "Ptr.A"},
		{"Deeper", map[string]any{"Nested": bad}, "Deeper.Nested.A"},
		{"tagged", bad, "tagged.A"},
		{"Nested", 5, "Nested"},
	}
	for _, c := range cases {
		data := mustMarshal(t, map[string]any{c.key: c.value})
		var o errOuter
		err := Unmarshal(data, &o)
		var te *UnmarshalTypeError
		if !errors.As(err, &te) || !errors.Is(err, ErrTypeMismatch) {
			t.Errorf("%s: got %v, want *UnmarshalTypeError", c.field, err)
			continue
		}
		if te.Field != c.field {
			t.Errorf("got Field %q, want %q (%v)", te.Field, c.field, err)
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("message %q does not name %s", err.Error(), c.field)
		}
	}
	// The offset points at the offending term.
	data := cat(131, 116, be32(1), 109, be32(1), "A", 109, be32(1), "x")
	var in errInner
	err := Unmarshal(data, &in)
	var te *UnmarshalTypeError
	if !errors.As(err, &te) || te.Offset != 12 || te.Type != reflect.TypeFor[int]() || te.Field != "A" {
		t.Fatalf("got %+v (%v)", te, err)
	}
}

func TestInvalidUnmarshal(t *testing.T) {
	data := []byte{131, 97, 1}
	var ie *InvalidUnmarshalError
	var i int
	for _, v := range []any{nil, i, (*int)(nil)} {
		if err := Unmarshal(data, v); !errors.As(err, &ie) {
			t.Errorf("Unmarshal into %#v: got %v, want *InvalidUnmarshalError", v, err)
		}
	}
	var pa *any
	if err := Unmarshal(data, pa); !errors.As(err, &ie) {
		t.Errorf("Unmarshal into nil *any: got %v", err)
	}
}

// --- options --------------------------------------------------------------

func TestCompression(t *testing.T) {
	small := Tuple{AtomOK, 1}
	plain := mustMarshal(t, small)
	got, err := EncodeOptions{Compression: 6}.Marshal(small)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("small term with compression: % x %v, want % x uncompressed", got, err, plain)
	}
	large := map[string]any{"text": strings.Repeat("all work and no play ", 200), "list": make([]any, 300)}
	plain = mustMarshal(t, large)
	for level := 1; level <= 9; level++ {
		got, err := EncodeOptions{Compression: level}.Marshal(large)
		if err != nil {
			t.Fatal(err)
		}
		if got[0] != 131 || got[1] != 80 || len(got) >= len(plain) {
			t.Fatalf("level %d: % x… (%d bytes vs %d plain)", level, got[:6], len(got), len(plain))
		}
		if size := int(be32u(got[2:6])); size != len(plain)-1 {
			t.Fatalf("level %d: declared size %d, want %d", level, size, len(plain)-1)
		}
		var back any
		if err := Unmarshal(got, &back); err != nil || !Equal(back, large) {
			t.Fatalf("level %d: round trip %v", level, err)
		}
		// Append with a prefix keeps it.
		app, err := EncodeOptions{Compression: level}.Append([]byte("hdr"), large)
		var back2 any
		if err != nil || string(app[:3]) != "hdr" || app[4] != 80 || Unmarshal(app[3:], &back2) != nil || !Equal(back2, large) {
			t.Fatalf("level %d: Append with prefix: % x… %v", level, app[:min(len(app), 8)], err)
		}
	}
	if _, err := (EncodeOptions{Compression: 10}).Marshal(large); !errors.Is(err, ErrInvalid) {
		t.Fatalf("level 10: %v", err)
	}
}

func be32u(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func TestUTF8Atoms(t *testing.T) {
	o := EncodeOptions{UTF8Atoms: true}
	cases := []struct {
		name       string
		v          any
		plain, utf []byte
	}{
		{"ascii", Atom("abc"), cat(131, 100, 0, 3, "abc"), cat(131, 119, 3, "abc")},
		{"latin-1", Atom("é"), cat(131, 100, 0, 1, 0xe9), cat(131, 119, 2, "é")},
		{"unicode", Atom("λ"), cat(131, 119, 2, "λ"), cat(131, 119, 2, "λ")},
		{"255 ascii", Atom(strings.Repeat("a", 255)), cat(131, 100, 0, 255, strings.Repeat("a", 255)), cat(131, 119, 255, strings.Repeat("a", 255))},
		{"long latin-1", Atom(strings.Repeat("é", 200)), cat(131, 100, 0, 200, bytes.Repeat([]byte{0xe9}, 200)), cat(131, 118, 1, 144, strings.Repeat("é", 200))},
		{"true", true, cat(131, 100, 0, 4, "true"), cat(131, 119, 4, "true")},
		{"nil", nil, cat(131, 100, 0, 9, "undefined"), cat(131, 119, 9, "undefined")},
		{"atom key", struct {
			K int `erl:"k,atom"`
		}{1}, cat(131, 116, be32(1), 100, 0, 1, "k", 97, 1), cat(131, 116, be32(1), 119, 1, "k", 97, 1)},
		{"pid node", Pid{Node: "n"}, cat(131, 88, 100, 0, 1, "n", make([]byte, 12)), cat(131, 88, 119, 1, "n", make([]byte, 12))},
	}
	for _, c := range cases {
		if got, err := Marshal(c.v); err != nil || !bytes.Equal(got, c.plain) {
			t.Errorf("%s default: % x %v, want % x", c.name, got, err, c.plain)
		}
		if got, err := o.Marshal(c.v); err != nil || !bytes.Equal(got, c.utf) {
			t.Errorf("%s UTF8Atoms: % x %v, want % x", c.name, got, err, c.utf)
		}
		// Both decode to the same term.
		var a, b any
		Unmarshal(c.plain, &a)
		Unmarshal(c.utf, &b)
		if !Equal(a, b) {
			t.Errorf("%s: %#v and %#v differ", c.name, a, b)
		}
	}
}

func TestBytesAsBinary(t *testing.T) {
	o := EncodeOptions{BytesAsBinary: true}
	cases := []struct {
		v          any
		plain, bin []byte
	}{
		{[]byte{1, 2}, cat(131, 77, be32(2), 8, 1, 2), cat(131, 109, be32(2), 1, 2)},
		{[]byte{}, cat(131, 77, be32(0), 0), cat(131, 109, be32(0))},
		{[2]byte{1, 2}, cat(131, 77, be32(2), 8, 1, 2), cat(131, 109, be32(2), 1, 2)},
		{"s", cat(131, 109, be32(1), "s"), cat(131, 109, be32(1), "s")},
		{BitString{Bytes: []byte{0x80}, Bits: 1}, cat(131, 77, be32(1), 1, 0x80), cat(131, 77, be32(1), 1, 0x80)},
		{struct{ B []byte }{[]byte{7}}, cat(131, 116, be32(1), 109, be32(1), "B", 77, be32(1), 8, 7), cat(131, 116, be32(1), 109, be32(1), "B", 109, be32(1), 7)},
	}
	for _, c := range cases {
		if got, err := Marshal(c.v); err != nil || !bytes.Equal(got, c.plain) {
			t.Errorf("%#v default: % x %v, want % x", c.v, got, err, c.plain)
		}
		if got, err := o.Marshal(c.v); err != nil || !bytes.Equal(got, c.bin) {
			t.Errorf("%#v BytesAsBinary: % x %v, want % x", c.v, got, err, c.bin)
		}
	}
	// Without the option bytes come back as []byte, with it as string.
	var a, b any
	Unmarshal(mustMarshal(t, []byte("x")), &a)
	bin, _ := o.Marshal([]byte("x"))
	Unmarshal(bin, &b)
	if _, ok := a.([]byte); !ok {
		t.Errorf("default []byte decodes to %T", a)
	}
	if _, ok := b.(string); !ok {
		t.Errorf("BytesAsBinary []byte decodes to %T", b)
	}
}

func TestOrderedMaps(t *testing.T) {
	data := term(116, be32(3), 109, be32(1), "z", 97, 1, 109, be32(1), "a", 97, 2, 109, be32(1), "m", 97, 3)
	var v any
	if err := (DecodeOptions{OrderedMaps: true}).Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	m, ok := v.(Map)
	if !ok || len(m) != 3 || m[0].Key != "z" || m[1].Key != "a" || m[2].Key != "m" {
		t.Fatalf("OrderedMaps: %#v", v)
	}
	if got, ok := m.Get("a"); !ok || got != int64(2) {
		t.Fatalf("Map.Get: %v %v", got, ok)
	}
	if got, ok := m.Get([]byte("m")); !ok || got != int64(3) {
		t.Fatalf("Map.Get with []byte key: %v %v", got, ok)
	}
	if _, ok := m.Get(Atom("a")); ok {
		t.Fatalf("Map.Get matched an atom to a binary")
	}
	// Nested maps are ordered too.
	data = term(116, be32(1), 97, 1, 116, be32(0))
	if err := (DecodeOptions{OrderedMaps: true}).Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	if inner, ok := v.(Map)[0].Value.(Map); !ok || len(inner) != 0 {
		t.Fatalf("nested ordered map: %#v", v)
	}
}

// --- Equal -----------------------------------------------------------------

func TestEqual(t *testing.T) {
	pid := Pid{Node: "n@h", ID: 1}
	cases := []struct {
		a, b any
		want bool
	}{
		{"abc", []byte("abc"), true},
		{"", []byte{}, true},
		{true, Atom("true"), true},
		{false, Atom("false"), true},
		{nil, Atom("undefined"), true},
		{nil, (*int)(nil), true},
		{5, big.NewInt(5), true},
		{int64(5), uint8(5), true},
		{bigPow2(70), new(big.Int).Lsh(big.NewInt(2), 69), true},
		{1.5, float32(1.5), true},
		{Tuple{1, "x"}, Tuple{int64(1), []byte("x")}, true},
		{[]any{1, 2}, []int{1, 2}, true},
		{[]any{}, []string{}, true},
		{map[string]any{"a": 1, "b": 2}, Map{{Key: "b", Value: 2}, {Key: "a", Value: 1}}, true},
		{map[string]any{"a": 1}, map[string]int{"a": 1}, true},
		{struct{ A int }{1}, map[string]any{"A": 1}, true},
		{BitString{Bytes: []byte{1}, Bits: 8}, []byte{1}, true},
		{pid, pid, true},
		{Ref{Node: "n", ID: []uint32{1}}, Ref{Node: "n", ID: []uint32{1}}, true},
		{ImproperList{Elems: []any{1}, Tail: 2}, ImproperList{Elems: []any{int64(1)}, Tail: int64(2)}, true},
		{ImproperList{Elems: []any{1}, Tail: []any{2}}, []any{1, 2}, true}, // [1|[2]] =:= [1,2]
		{Atom("é"), Atom("é"), true},

		{1, 1.0, false},
		{"abc", Atom("abc"), false},
		{nil, false, false},
		{nil, []any{}, false},
		{"", []any{}, false},
		{[]any{1}, Tuple{1}, false},
		{map[string]any{"a": 1}, map[string]any{"a": 2}, false},
		{map[string]any{"a": 1}, map[string]any{"a": 1, "b": 1}, false},
		{map[string]any{"a": 1}, map[any]any{Atom("a"): 1}, false},
		{map[string]any{}, []any{}, false},
		{BitString{Bytes: []byte{0x80}, Bits: 1}, BitString{Bytes: []byte{0x80}, Bits: 2}, false},
		{Ref{Node: "n", ID: []uint32{1}}, Ref{Node: "n", ID: []uint32{1, 0}}, false},
		{math.NaN(), math.NaN(), false},
		{make(chan int), make(chan int), false},
		{bigPow2(70), bigPow2(71), false},
		{Pid{Node: "a"}, Pid{Node: "b"}, false},
	}
	for _, c := range cases {
		if got := Equal(c.a, c.b); got != c.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := Equal(c.b, c.a); got != c.want {
			t.Errorf("Equal(%#v, %#v) = %v, want %v (reversed)", c.b, c.a, got, c.want)
		}
	}
}

// --- round trips and concurrency ---------------------------------------------

func TestRoundTripAny(t *testing.T) {
	fun := Fun{Arity: 1, Index: 2, Module: "m", OldIndex: -1, OldUniq: 7,
		Pid: Pid{Node: "n@h", ID: 1}, FreeVars: []any{int64(1), "x"}}
	values := []any{
		int64(0), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), bigPow2(64), new(big.Int).Neg(bigPow2(300)),
		0.0, math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64,
		"", "text", []byte{}, []byte{0, 255}, Atom(""), Atom("λ"), true, false, nil,
		[]any{}, []any{int64(1), "a", []any{}}, Tuple{}, Tuple{Tuple{}},
		map[string]any{}, map[string]any{"k": map[string]any{"n": []any{}}},
		map[any]any{Atom("a"): int64(1), int64(2): "b", 1.5: nil, Pid{Node: "n"}: true},
		Map{{Key: Tuple{int64(1)}, Value: int64(2)}, {Key: []byte("b"), Value: nil}},
		ImproperList{Elems: []any{int64(1)}, Tail: Atom("t")},
		BitString{Bytes: []byte{0xff, 0x80}, Bits: 1},
		Pid{Node: "n@h", ID: 1, Serial: 2, Creation: 3}, Port{Node: "n@h", ID: 1 << 50, Creation: 4},
		Ref{Node: "n@h", Creation: 1, ID: []uint32{1, 2, 3, 4, 5}}, Export{Module: "m", Function: "f", Arity: 255},
		fun, Opaque{Language: "python", Data: []byte("pickle")},
	}
	for _, v := range values {
		for _, o := range []EncodeOptions{{}, {UTF8Atoms: true}, {Compression: 1}} {
			data, err := o.Marshal(v)
			if err != nil {
				t.Errorf("%#v: %v", v, err)
				continue
			}
			var back any
			if err := Unmarshal(data, &back); err != nil {
				t.Errorf("%#v: %v", v, err)
				continue
			}
			if !Equal(back, v) {
				t.Errorf("round trip %+v: %#v → %#v", o, v, back)
			}
			if fmt.Sprintf("%T", back) != fmt.Sprintf("%T", v) && v != nil {
				t.Errorf("round trip %+v: %T came back as %T", o, v, back)
			}
		}
	}
}

func TestRoundTripStruct(t *testing.T) {
	type inner struct {
		N []int `erl:"n"`
	}
	type all struct {
		I   int
		U   uint64
		F   float32
		S   string
		B   []byte
		A   Atom
		Arr [2]string
		M   map[string]inner
		P   *inner
		Any any
		Big *big.Int
		T   Tuple
	}
	in := all{I: -5, U: math.MaxUint64, F: 0.25, S: "s", B: []byte{1}, A: "a", Arr: [2]string{"x", "y"},
		M: map[string]inner{"k": {N: []int{1, 1000}}}, P: &inner{N: []int{}}, Any: Tuple{int64(1)},
		Big: bigPow2(100), T: Tuple{"t"}}
	data := mustMarshal(t, in)
	var out all
	if err := Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.I != in.I || out.U != in.U || out.F != in.F || out.S != in.S || !bytes.Equal(out.B, in.B) || out.A != in.A ||
		out.Arr != in.Arr || len(out.M["k"].N) != 2 || out.M["k"].N[1] != 1000 || out.P == nil || len(out.P.N) != 0 ||
		!Equal(out.Any, in.Any) || out.Big.Cmp(in.Big) != 0 || !Equal(out.T, in.T) {
		t.Fatalf("\n got %+v\nwant %+v", out, in)
	}
}

// recursiveNode exercises the decoder and encoder caches' handling of
// recursive types under concurrency (run with -race).
type recursiveNode struct {
	Name string
	Kids []recursiveNode
	Next *recursiveNode
	Tags map[string]*recursiveNode
}

func TestConcurrentCodec(t *testing.T) {
	v := recursiveNode{Name: "root", Kids: []recursiveNode{{Name: "a"}, {Name: "b", Next: &recursiveNode{Name: "c"}}},
		Tags: map[string]*recursiveNode{"t": {Name: "d"}}}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				data, err := Marshal(&v)
				if err != nil {
					errs <- err
					return
				}
				var back recursiveNode
				if err := Unmarshal(data, &back); err != nil {
					errs <- err
					return
				}
				if back.Name != "root" || len(back.Kids) != 2 || back.Kids[1].Next.Name != "c" || back.Tags["t"].Name != "d" {
					errs <- fmt.Errorf("decoded %+v", back)
					return
				}
				var a any
				if err := (DecodeOptions{ZeroCopy: i%2 == 0}).Unmarshal(data, &a); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
