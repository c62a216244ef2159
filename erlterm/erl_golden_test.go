package erlterm

// Golden tests against a real Erlang: Go's bytes must decode in Erlang to
// the intended term, Erlang's term_to_binary output (plain, compressed,
// minor_version 0, 1 and 2) must decode in Go to the intended value, and
// Go's re-encoding of what it decoded must reproduce Erlang's bytes exactly.
//
// The whole table goes through two erl runs (testdata/golden/golden.erl
// explains the protocol):
//
//  1. "encode": for each case erl checks binary_to_term(GoBytes) =:= Expr
//     for every encoding Go made of the case's Go value, checks hand-written
//     bytes against Expr (or that it rejects them), and returns
//     term_to_binary(Expr, Opts) for each of golden:options().
//  2. "compare": for each term Go decoded (from Erlang's bytes or from
//     hand-written ones) erl checks that binary_to_term of Go's re-encodings
//     =:= binary_to_term of the original bytes, and returns its own
//     re-encoding, which Go's must equal byte for byte.
//
// Without erl on PATH the test is skipped, unless TAIPAN_REQUIRE_ERL=1.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// goldenOptions names golden:options(), in order.
var goldenOptions = []string{"plain", "compressed", "minor0", "minor1", "minor2", "compressed9_minor2"}

const (
	goldenPlain  = 0
	goldenMinor1 = 3
	goldenMinor2 = 4
)

// goldenGoEncodings are the ways Go encodes a case's Go value for erl.
var goldenGoEncodings = []struct {
	name string
	opts EncodeOptions
}{
	{"Marshal", EncodeOptions{}},
	{"Compression9", EncodeOptions{Compression: 9}},
	{"UTF8Atoms", EncodeOptions{UTF8Atoms: true}},
	{"BytesAsBinary", EncodeOptions{BytesAsBinary: true}},
}

// goldenReencodings are the ways Go re-encodes a decoded value for the
// second erl run.
var goldenReencodings = []struct {
	name string
	opts EncodeOptions
}{
	{"Marshal", EncodeOptions{}},
	{"Compression9", EncodeOptions{Compression: 9}},
	{"UTF8Atoms", EncodeOptions{UTF8Atoms: true}},
}

// goldenCase is one row of the table.
type goldenCase struct {
	name string

	hasGo bool // goVal is set: Go encodes it and erl checks it against expr
	goVal any

	expr string // Erlang expression; "" when there is none

	hasWant bool // want is what Go must decode (from raw if set, else from Erlang's bytes)
	want    any

	check func(got any) error // for values only Erlang makes (pids, refs, funs)

	raw     []byte // hand-written bytes Go must decode to want and erl must accept
	reject  bool   // raw is invalid: both Go and erl must refuse it
	rawErr  error  // with reject: the sentinel Go's error must wrap
	inexact string // why Go's re-encoding of raw need not equal Erlang's

	tooDeep bool // Marshal(goVal) and decoding Erlang's bytes must fail with ErrTooDeep

	erlUnreliable string // why erl's verdict on raw is not checked

	erlTag byte // when set, the tag Erlang's plain encoding must start with
	goTag  byte // when set, the tag Marshal(goVal) must start with
}

// gc is a case with a Go value and an Erlang expression for the same term.
// The value Go decodes from Erlang's bytes must be goVal itself, unless
// wants says otherwise.
func gc(name string, goVal any, expr string) goldenCase {
	return goldenCase{name: name, hasGo: true, goVal: goVal, expr: expr, hasWant: true, want: goVal}
}

// fromErl is a case whose term only Erlang writes; Go must decode want.
func fromErl(name, expr string, want any) goldenCase {
	return goldenCase{name: name, expr: expr, hasWant: true, want: want}
}

// erlOnly is a case whose value only Erlang can make; check inspects what
// Go decoded, and the byte-exact re-encoding does the rest.
func erlOnly(name, expr string, check func(any) error) goldenCase {
	return goldenCase{name: name, expr: expr, check: check}
}

// rawCase is hand-written bytes that Go must decode to want and that erl
// must read as expr (if given) and as Go's re-encoding of want.
func rawCase(name string, raw []byte, expr string, want any) goldenCase {
	return goldenCase{name: name, raw: raw, expr: expr, hasWant: true, want: want}
}

// rejectCase is bytes both sides must refuse.
func rejectCase(name string, raw []byte, err error) goldenCase {
	return goldenCase{name: name, raw: raw, reject: true, rawErr: err}
}

func (c goldenCase) wants(v any) goldenCase { c.hasWant, c.want = true, v; return c }
func (c goldenCase) tags(erl, gotag byte) goldenCase {
	c.erlTag, c.goTag = erl, gotag
	return c
}
func (c goldenCase) inexactBecause(why string) goldenCase { c.inexact = why; return c }
func (c goldenCase) erlUnreliableBecause(why string) goldenCase {
	c.erlUnreliable = why
	return c
}

func (c goldenCase) deep() goldenCase { c.tooDeep = true; c.hasWant = false; return c }

// Helpers to build values.

func goldenPow2(n uint) *big.Int { return new(big.Int).Lsh(big.NewInt(1), n) }

func goldenAdd(x *big.Int, d int64) *big.Int { return new(big.Int).Add(x, big.NewInt(d)) }

func goldenNeg(x *big.Int) *big.Int { return new(big.Int).Neg(x) }

func goldenPattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

func goldenNestList(n int, inner any) any {
	for range n {
		inner = []any{inner}
	}
	return inner
}

func goldenNestTuple(n int, inner any) any {
	for range n {
		inner = Tuple{inner}
	}
	return inner
}

func goldenNestMap(n int, inner any) any {
	for range n {
		inner = map[string]any{"k": inner}
	}
	return inner
}

func goldenInts(xs ...int64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func goldenRepeat(n int, x any) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = x
	}
	return out
}

func goldenSeq(from, to int64) []any {
	var out []any
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// goldenAtom writes an atom's bytes as ATOM_EXT (latin-1 text given as
// bytes).
func goldenAtom(text string) []byte {
	return append([]byte{tagAtom, 0, byte(len(text))}, text...)
}

// goldenFloatText is FLOAT_EXT's 31 bytes of "%.20e" text.
func goldenFloatText(s string) []byte {
	b := make([]byte, 31)
	copy(b, s)
	return b
}

func goldenBytes(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch x := p.(type) {
		case int:
			out = append(out, byte(x))
		case byte:
			out = append(out, x)
		case []byte:
			out = append(out, x...)
		case string:
			out = append(out, x...)
		case uint32:
			out = binary.BigEndian.AppendUint32(out, x)
		case uint64:
			out = binary.BigEndian.AppendUint64(out, x)
		default:
			panic(fmt.Sprintf("goldenBytes: %T", p))
		}
	}
	return out
}

type goldenStruct struct {
	Name  string `erl:"name"`
	Count int    `erl:"count,atom"`
	Skip  string `erl:"skip,omitempty"`
}

const goldenLocal = "nonode@nohost"

func goldenCases() []goldenCase {
	mib := goldenPattern(1 << 20)
	all256 := make([]byte, 256)
	for i := range all256 {
		all256[i] = byte(i)
	}
	remote := goldenAtom("a@b")
	local := goldenAtom(goldenLocal)
	limit := DefaultMaxDepth
	lim := strconv.Itoa(limit)
	over := strconv.Itoa(limit + 1)

	cases := []goldenCase{
		// Special atoms.
		gc("nil_undefined", nil, "undefined").tags(tagAtom, tagAtom),
		gc("true", true, "true").tags(tagAtom, tagAtom),
		gc("false", false, "false"),
		gc("atom_true_is_bool", Atom("true"), "true").wants(true),
		gc("atom_undefined_is_nil", Atom("undefined"), "undefined").wants(nil),

		// Atoms.
		gc("atom_ok", AtomOK, "ok"),
		gc("atom_empty", Atom(""), "''"),
		gc("atom_quoted", Atom("Hello World$"), "'Hello World$'"),
		gc("atom_latin1", Atom("héllo"), "'héllo'").tags(tagAtom, tagAtom),
		gc("atom_unicode", Atom("日本語"), "'日本語'").tags(tagSmallAtomUTF8, tagSmallAtomUTF8),
		gc("atom_emoji", Atom("🐍py"), "'🐍py'"),
		gc("atom_255_ascii", Atom(strings.Repeat("a", 255)), "list_to_atom(lists:duplicate(255, $a))"),
		gc("atom_255_latin1", Atom(strings.Repeat("ü", 255)), "list_to_atom(lists:duplicate(255, 252))").tags(tagAtom, tagAtom),
		gc("atom_255_unicode", Atom(strings.Repeat("日", 255)), "list_to_atom(lists:duplicate(255, 26085))").tags(tagAtomUTF8, tagAtomUTF8),

		// Integers.
		gc("int_0", int64(0), "0").tags(tagSmallInteger, tagSmallInteger),
		gc("int_1_as_int", 1, "1").wants(int64(1)),
		gc("int_255", uint8(255), "255").wants(int64(255)).tags(tagSmallInteger, tagSmallInteger),
		gc("int_256", int16(256), "256").wants(int64(256)).tags(tagInteger, tagInteger),
		gc("int_minus_1", int8(-1), "-1").wants(int64(-1)).tags(tagInteger, tagInteger),
		gc("int_2p31_minus_1", int64(math.MaxInt32), "(1 bsl 31) - 1").tags(tagInteger, tagInteger),
		gc("int_minus_2p31", int32(math.MinInt32), "-(1 bsl 31)").wants(int64(math.MinInt32)).tags(tagInteger, tagInteger),
		gc("int_2p31", uint32(1<<31), "1 bsl 31").wants(int64(1<<31)).tags(tagSmallBig, tagSmallBig),
		gc("int_minus_2p31_minus_1", int64(math.MinInt32-1), "-(1 bsl 31) - 1").tags(tagSmallBig, tagSmallBig),
		gc("int_2p32", int64(1<<32), "1 bsl 32"),
		gc("int_2p63_minus_1", int64(math.MaxInt64), "(1 bsl 63) - 1").tags(tagSmallBig, tagSmallBig),
		gc("int_minus_2p63", int64(math.MinInt64), "-(1 bsl 63)").tags(tagSmallBig, tagSmallBig),
		gc("int_2p63_uint64", uint64(1<<63), "1 bsl 63").wants(goldenPow2(63)),
		gc("int_2p63_big", goldenPow2(63), "1 bsl 63").tags(tagSmallBig, tagSmallBig),
		gc("int_minus_2p63_minus_1", goldenAdd(goldenNeg(goldenPow2(63)), -1), "-(1 bsl 63) - 1"),
		gc("int_2p64_minus_1", uint64(math.MaxUint64), "(1 bsl 64) - 1").wants(goldenAdd(goldenPow2(64), -1)),
		gc("int_minus_2p64_plus_1", goldenAdd(goldenNeg(goldenPow2(64)), 1), "-(1 bsl 64) + 1"),
		gc("int_2p64", goldenPow2(64), "1 bsl 64").tags(tagSmallBig, tagSmallBig),
		gc("int_minus_2p64", goldenNeg(goldenPow2(64)), "-(1 bsl 64)").tags(tagSmallBig, tagSmallBig),
		gc("int_2p1000", goldenPow2(1000), "1 bsl 1000").tags(tagSmallBig, tagSmallBig),
		gc("int_minus_2p1000_plus_1", goldenAdd(goldenNeg(goldenPow2(1000)), 1), "-(1 bsl 1000) + 1"),
		gc("int_2p2040_minus_1", goldenAdd(goldenPow2(2040), -1), "(1 bsl 2040) - 1").tags(tagSmallBig, tagSmallBig),
		gc("int_2p2040", goldenPow2(2040), "1 bsl 2040").tags(tagLargeBig, tagLargeBig),
		gc("int_2p2100", goldenPow2(2100), "1 bsl 2100").tags(tagLargeBig, tagLargeBig),
		gc("int_minus_2p2100", goldenNeg(goldenPow2(2100)), "-(1 bsl 2100)").tags(tagLargeBig, tagLargeBig),
		gc("int_3p1500", new(big.Int).Exp(big.NewInt(3), big.NewInt(1500), nil), "trunc_pow(3, 1500)"),

		// Floats.
		gc("float_0", 0.0, "0.0").tags(tagNewFloat, tagNewFloat),
		gc("float_neg_0", math.Copysign(0, -1), "-0.0"),
		gc("float_1_5", 1.5, "1.5"),
		gc("float_neg_2_25", -2.25, "-2.25"),
		gc("float_0_1", 0.1, "0.1"),
		gc("float_pi", math.Pi, "math:pi()"),
		gc("float_1e300", 1e300, "1.0e300"),
		gc("float_neg_1e_300", -1e-300, "-1.0e-300"),
		gc("float_min_denormal", math.SmallestNonzeroFloat64, "4.9406564584124654e-324"),
		gc("float_max", math.MaxFloat64, "1.7976931348623157e308"),
		gc("float32_1_5", float32(1.5), "1.5").wants(1.5),

		// Binaries and bitstrings.
		gc("binary_empty", "", "<<>>").tags(tagBinary, tagBinary),
		gc("binary_hello", "hello", "<<\"hello\">>"),
		gc("binary_utf8", "héllo 日本", "<<\"héllo 日本\"/utf8>>"),
		gc("binary_all_bytes", string(all256), "list_to_binary(lists:seq(0, 255))"),
		gc("binary_1mib", string(mib), "golden:pattern(1048576)"),
		gc("bytes_empty", []byte{}, "<<>>").wants("").tags(tagBinary, tagBitBinary),
		gc("bytes_3", []byte{1, 2, 255}, "<<1, 2, 255>>").wants("\x01\x02\xff").tags(tagBinary, tagBitBinary),
		gc("bytes_1mib", mib, "golden:pattern(1048576)").wants(string(mib)),
		gc("bitstring_3_bits", BitString{Bytes: []byte{0xA0}, Bits: 3}, "<<5:3>>").tags(tagBitBinary, tagBitBinary),
		gc("bitstring_1_bit_tail", BitString{Bytes: []byte{1, 2, 0x80}, Bits: 1}, "<<1, 2, 1:1>>"),
		gc("bitstring_7_bits", BitString{Bytes: []byte{0xFE}, Bits: 7}, "<<127:7>>"),
		gc("bitstring_8_bits", BitString{Bytes: []byte{9}, Bits: 8}, "<<9>>").wants("\x09"),

		// Tuples.
		gc("tuple_empty", Tuple{}, "{}").tags(tagSmallTuple, tagSmallTuple),
		gc("tuple_ok_42", T(AtomOK, int64(42)), "{ok, 42}"),
		gc("tuple_nested", T(T(), T(Atom("a"), T("b")), []any{}), "{{}, {a, {<<\"b\">>}}, []}"),
		gc("tuple_255", Tuple(goldenSeq(1, 255)), "list_to_tuple(lists:seq(1, 255))").tags(tagSmallTuple, tagSmallTuple),
		gc("tuple_256", Tuple(goldenSeq(1, 256)), "list_to_tuple(lists:seq(1, 256))").tags(tagLargeTuple, tagLargeTuple),
		gc("tuple_70000", Tuple(goldenRepeat(70000, AtomOK)), "erlang:make_tuple(70000, ok)"),

		// Lists.
		gc("list_empty", []any{}, "[]").tags(tagNil, tagNil),
		gc("list_string_ext", goldenInts(1, 2, 3), "[1, 2, 3]").tags(tagString, tagString),
		gc("list_string_ext_from_ints", []any{104, 105}, "\"hi\"").wants(goldenInts(104, 105)),
		gc("list_string_65535", goldenRepeat(65535, int64(7)), "lists:duplicate(65535, 7)").tags(tagString, tagString),
		gc("list_string_65536", goldenRepeat(65536, int64(7)), "lists:duplicate(65536, 7)").tags(tagList, tagList),
		gc("list_256", goldenInts(256), "[256]").tags(tagList, tagList),
		gc("list_minus_1", goldenInts(-1, 0), "[-1, 0]").tags(tagList, tagList),
		gc("list_uint8s", []any{uint8(1), uint8(2)}, "[1, 2]").wants(goldenInts(1, 2)),
		gc("list_mixed", []any{AtomOK, "bin", T(), 1.5, []any{}, nil}, "[ok, <<\"bin\">>, {}, 1.5, [], undefined]"),
		gc("list_of_empty_lists", []any{[]any{}, []any{}}, "[[], []]"),
		gc("improper_int_tail", ImproperList{Elems: goldenInts(1, 2), Tail: int64(3)}, "[1, 2 | 3]").tags(tagList, tagList),
		gc("improper_binary_tail", ImproperList{Elems: []any{Atom("a")}, Tail: "t"}, "[a | <<\"t\">>]"),
		gc("improper_tuple_tail", ImproperList{Elems: []any{"x", int64(300)}, Tail: T()}, "[<<\"x\">>, 300 | {}]"),
		gc("improper_map_tail", ImproperList{Elems: []any{int64(1)}, Tail: map[string]any{"k": int64(1)}}, "[1 | #{<<\"k\">> => 1}]"),
		gc("improper_nested", ImproperList{Elems: []any{ImproperList{Elems: goldenInts(1), Tail: int64(2)}}, Tail: Atom("end")}, "[[1 | 2] | 'end']"),

		// Reflected Go types.
		gc("go_int_slice", []int{1, 2, 300}, "[1, 2, 300]").wants(goldenInts(1, 2, 300)),
		gc("go_string_slice", []string{"a", "b"}, "[<<\"a\">>, <<\"b\">>]").wants([]any{"a", "b"}),
		gc("go_string_int_map", map[string]int{"a": 1, "b": 2}, "#{<<\"a\">> => 1, <<\"b\">> => 2}").wants(map[string]any{"a": int64(1), "b": int64(2)}),
		gc("go_struct", goldenStruct{Name: "n", Count: 3}, "#{<<\"name\">> => <<\"n\">>, count => 3}").wants(map[any]any{"name": "n", Atom("count"): int64(3)}),

		// Maps.
		gc("map_empty", map[string]any{}, "#{}").tags(tagMap, tagMap),
		gc("map_binary_keys", map[string]any{"a": int64(1), "b": goldenInts(1, 2), "c": map[string]any{}}, "#{<<\"a\">> => 1, <<\"b\">> => [1, 2], <<\"c\">> => #{}}"),
		gc("map_atom_int_keys", map[any]any{Atom("a"): int64(1), int64(1): Atom("b")}, "#{a => 1, 1 => b}"),
		gc("map_int_and_float_keys", map[any]any{int64(1): Atom("int"), 1.0: Atom("float")}, "#{1 => int, 1.0 => float}"),
		gc("map_tuple_keys", Map{{Key: T(int64(1), int64(2)), Value: Atom("x")}, {Key: T(Atom("a")), Value: Atom("y")}}, "#{{1, 2} => x, {a} => y}"),
		gc("map_list_keys", Map{{Key: goldenInts(1, 2), Value: Atom("a")}, {Key: []any{}, Value: Atom("b")}, {Key: []any{Atom("x")}, Value: Atom("c")}}, "#{[1, 2] => a, [] => b, [x] => c}"),
		gc("map_map_keys", Map{{Key: map[string]any{"a": int64(1)}, Value: Atom("x")}, {Key: map[string]any{}, Value: Atom("y")}}, "#{#{<<\"a\">> => 1} => x, #{} => y}").
			wants(Map{{Key: map[string]any{"a": int64(1)}, Value: Atom("x")}, {Key: map[string]any{}, Value: Atom("y")}}),
		gc("map_big_int_key", Map{{Key: goldenPow2(70), Value: Atom("big")}}, "#{1 bsl 70 => big}"),
		gc("map_mixed_binary_and_tuple_keys", Map{{Key: "k", Value: int64(1)}, {Key: T(Atom("t")), Value: int64(2)}}, "#{<<\"k\">> => 1, {t} => 2}"),
		gc("map_bytes_key", Map{{Key: []byte("k"), Value: int64(1)}}, "#{<<\"k\">> => 1}").wants(map[string]any{"k": int64(1)}),
		gc("map_33_keys_hashmap", goldenIntMap(33), "maps:from_list([{I, I * I} || I <- lists:seq(1, 33)])"),
		gc("map_1000_binary_keys", goldenBinMap(1000), "maps:from_list([{integer_to_binary(I), I} || I <- lists:seq(1, 1000)])"),
		gc("map_nested", map[string]any{"m": map[string]any{"n": []any{}}, "t": T(AtomOK)}, "#{<<\"m\">> => #{<<\"n\">> => []}, <<\"t\">> => {ok}}"),

		// ErlPort's opaque objects.
		gc("opaque_python", Opaque{Language: "python", Data: []byte{0x80, 0x04, 0x4b, 0x2a, 0x2e}}, "{'$erlport.opaque', python, <<128, 4, 75, 42, 46>>}"),
		gc("opaque_erlang_empty", Opaque{Language: "erlang", Data: []byte{}}, "{'$erlport.opaque', erlang, <<>>}"),
		gc("opaque_lookalike_stays_tuple", T(Atom("$erlport.opaque"), Atom("python"), Atom("notbinary")), "{'$erlport.opaque', python, notbinary}"),

		// Pids, ports, references and funs that Go can write.
		gc("pid_local", Pid{Node: goldenLocal, ID: 5}, "list_to_pid(\"<0.5.0>\")").tags(tagNewPid, tagNewPid),
		gc("port_local", Port{Node: goldenLocal, ID: 5}, "list_to_port(\"#Port<0.5>\")").tags(tagNewPort, tagNewPort),
		gc("ref_local", Ref{Node: goldenLocal, ID: []uint32{3, 2, 1}}, "list_to_ref(\"#Ref<0.1.2.3>\")").tags(tagNewerReference, tagNewerReference),
		gc("export_abs", Export{Module: "erlang", Function: "abs", Arity: 1}, "fun erlang:abs/1").tags(tagExport, tagExport),
		gc("export_unicode_255", Export{Module: "日本", Function: "é", Arity: 255}, "fun '日本':'é'/255"),
		gc("map_pid_key", map[any]any{Pid{Node: goldenLocal, ID: 5}: AtomOK}, "#{list_to_pid(\"<0.5.0>\") => ok}"),

		// Values only Erlang makes.
		erlOnly("self", "self()", goldenIsPid),
		erlOnly("make_ref", "make_ref()", goldenIsRef),
		erlOnly("open_port", "hd(erlang:ports())", goldenIsPort),
		erlOnly("fun_anonymous", "fun(X) -> X + 1 end", goldenIsFun(1, nil)),
		erlOnly("fun_closure", "adder(42)", goldenIsFun(1, []any{int64(42)})),
		erlOnly("fun_closure_many", "triple(<<\"bin\">>, [1 | 2], 1 bsl 64)", goldenIsFun(0, []any{"bin", ImproperList{Elems: goldenInts(1), Tail: int64(2)}, goldenPow2(64)})),
		erlOnly("compound", "{self(), make_ref(), fun erlang:abs/1, #{self() => [make_ref()]}, fun(X) -> X end}", func(got any) error {
			if t, ok := got.(Tuple); !ok || len(t) != 5 {
				return fmt.Errorf("want a 5-tuple, got %#v", got)
			}
			return nil
		}),

		// Nesting up to the limit and one past it.
		gc("depth_list_at_limit", goldenNestList(limit, AtomOK), "golden:nest_list("+lim+", ok)"),
		gc("depth_tuple_at_limit", goldenNestTuple(limit, AtomOK), "golden:nest_tuple("+lim+", ok)"),
		gc("depth_map_at_limit", goldenNestMap(limit, AtomOK), "golden:nest_map("+lim+", ok)"),
		gc("depth_list_of_empty_list_at_limit", goldenNestList(limit, []any{}), "golden:nest_list("+lim+", [])"),
		gc("depth_list_of_string_at_limit", goldenNestList(limit, goldenInts(1)), "golden:nest_list("+lim+", [1])"),
		gc("depth_list_over_limit", goldenNestList(limit+1, AtomOK), "golden:nest_list("+over+", ok)").deep(),
		gc("depth_tuple_over_limit", goldenNestTuple(limit+1, AtomOK), "golden:nest_tuple("+over+", ok)").deep(),
		gc("depth_map_over_limit", goldenNestMap(limit+1, AtomOK), "golden:nest_map("+over+", ok)").deep(),

		// Old and non-canonical forms, written by hand.
		rawCase("old_pid_ext_103_local", goldenBytes(131, tagPid, local, uint32(5), uint32(0), 0), "list_to_pid(\"<0.5.0>\")", Pid{Node: goldenLocal, ID: 5}),
		rawCase("old_pid_ext_103_remote", goldenBytes(131, tagPid, remote, uint32(5), uint32(7), 3), "", Pid{Node: "a@b", ID: 5, Serial: 7, Creation: 3}),
		rawCase("new_pid_ext_88_remote", goldenBytes(131, tagNewPid, remote, uint32(5), uint32(0), uint32(0x12345678)), "", Pid{Node: "a@b", ID: 5, Creation: 0x12345678}),
		rawCase("old_port_ext_102_local", goldenBytes(131, tagPort, local, uint32(5), 0), "list_to_port(\"#Port<0.5>\")", Port{Node: goldenLocal, ID: 5}),
		rawCase("old_port_ext_102_remote", goldenBytes(131, tagPort, remote, uint32(5), 1), "", Port{Node: "a@b", ID: 5, Creation: 1}),
		rawCase("v4_port_ext_120_remote", goldenBytes(131, tagV4Port, remote, uint64(1<<40|5), uint32(1)), "", Port{Node: "a@b", ID: 1<<40 | 5, Creation: 1}),
		rawCase("v4_port_ext_120_small_id", goldenBytes(131, tagV4Port, remote, uint64(5), uint32(1)), "", Port{Node: "a@b", ID: 5, Creation: 1}),
		rawCase("v4_port_ext_120_local_small_id", goldenBytes(131, tagV4Port, local, uint64(5), uint32(0)), "list_to_port(\"#Port<0.5>\")", Port{Node: goldenLocal, ID: 5}),
		rawCase("old_reference_ext_101", goldenBytes(131, tagReference, remote, uint32(5), 1), "", Ref{Node: "a@b", Creation: 1, ID: []uint32{5}}),
		rawCase("new_reference_ext_114_remote", goldenBytes(131, tagNewReference, 0, 2, remote, 1, uint32(5), uint32(6)), "", Ref{Node: "a@b", Creation: 1, ID: []uint32{5, 6}}),
		rawCase("new_reference_ext_114_local", goldenBytes(131, tagNewReference, 0, 3, local, 0, uint32(3), uint32(2), uint32(1)), "list_to_ref(\"#Ref<0.1.2.3>\")", Ref{Node: goldenLocal, ID: []uint32{3, 2, 1}}),
		rawCase("newer_reference_ext_90_5_words", goldenBytes(131, tagNewerReference, 0, 5, remote, uint32(1), uint32(1), uint32(2), uint32(3), uint32(4), uint32(5)), "", Ref{Node: "a@b", Creation: 1, ID: []uint32{1, 2, 3, 4, 5}}),
		rawCase("float_ext_99_1_5", goldenBytes(131, tagFloat, goldenFloatText("1.50000000000000000000e+00")), "1.5", 1.5),
		rawCase("float_ext_99_0_1", goldenBytes(131, tagFloat, goldenFloatText("1.00000000000000005551e-01")), "0.1", 0.1),
		rawCase("float_ext_99_negative_denormal", goldenBytes(131, tagFloat, goldenFloatText("-4.94065645841246544177e-324")), "-4.9406564584124654e-324", -math.SmallestNonzeroFloat64),
		rawCase("small_atom_ext_115", goldenBytes(131, tagSmallAtom, 3, "abc"), "abc", Atom("abc")),
		rawCase("small_atom_ext_115_latin1", goldenBytes(131, tagSmallAtom, 2, 0xE9, 0xFF), "'éÿ'", Atom("éÿ")),
		rawCase("atom_ext_100_latin1", goldenBytes(131, tagAtom, 0, 1, 0xE9), "'é'", Atom("é")),
		rawCase("atom_utf8_ext_118_short", goldenBytes(131, tagAtomUTF8, 0, 3, "abc"), "abc", Atom("abc")),
		rawCase("atom_utf8_ext_118_unicode", goldenBytes(131, tagAtomUTF8, 0, 3, "日"), "'日'", Atom("日")),
		rawCase("small_atom_utf8_ext_119_true", goldenBytes(131, tagSmallAtomUTF8, 4, "true"), "true", true),
		rawCase("large_tuple_105_small", goldenBytes(131, tagLargeTuple, uint32(2), tagSmallInteger, 1, tagSmallInteger, 2), "{1, 2}", T(int64(1), int64(2))),
		rawCase("large_big_111_small_value", goldenBytes(131, tagLargeBig, uint32(1), 0, 5), "5", int64(5)),
		rawCase("large_big_111_2p2100", goldenBytes(131, tagLargeBig, uint32(263), 0, make([]byte, 262), 0x10), "1 bsl 2100", goldenPow2(2100)),
		rawCase("large_big_111_minus_2p2100", goldenBytes(131, tagLargeBig, uint32(263), 1, make([]byte, 262), 0x10), "-(1 bsl 2100)", goldenNeg(goldenPow2(2100))),
		rawCase("small_big_110_leading_zero_digits", goldenBytes(131, tagSmallBig, 3, 0, 1, 0, 0), "1", int64(1)),
		rawCase("small_big_110_negative_zero", goldenBytes(131, tagSmallBig, 1, 1, 0), "0", int64(0)),
		rawCase("small_big_110_min_int64", goldenBytes(131, tagSmallBig, 8, 1, 0, 0, 0, 0, 0, 0, 0, 0x80), "-(1 bsl 63)", int64(math.MinInt64)),
		rawCase("small_big_110_padded_2p64", goldenBytes(131, tagSmallBig, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0), "1 bsl 64", goldenPow2(64)),
		rawCase("integer_ext_98_small_value", goldenBytes(131, tagInteger, uint32(5)), "5", int64(5)),
		rawCase("list_ext_108_of_bytes", goldenBytes(131, tagList, uint32(2), tagSmallInteger, 1, tagSmallInteger, 2, tagNil), "[1, 2]", goldenInts(1, 2)),
		rawCase("list_ext_108_empty", goldenBytes(131, tagList, uint32(0), tagNil), "[]", []any{}),
		rawCase("string_ext_107_empty", goldenBytes(131, tagString, 0, 0), "[]", []any{}),
		rawCase("list_ext_108_proper_list_tail", goldenBytes(131, tagList, uint32(1), tagSmallInteger, 1, tagString, 0, 1, 2), "[1, 2]", goldenInts(1, 2)),
		rawCase("list_ext_108_improper_list_tail", goldenBytes(131, tagList, uint32(1), tagSmallInteger, 1, tagList, uint32(1), tagSmallInteger, 2, tagSmallInteger, 3), "[1, 2 | 3]",
			ImproperList{Elems: goldenInts(1, 2), Tail: int64(3)}),
		rawCase("bit_binary_77_8_bits", goldenBytes(131, tagBitBinary, uint32(2), 8, 1, 2), "<<1, 2>>", []byte{1, 2}),
		rawCase("bit_binary_77_empty", goldenBytes(131, tagBitBinary, uint32(0), 0), "<<>>", []byte{}),
		rawCase("map_116_unsorted_keys", goldenBytes(131, tagMap, uint32(2), goldenAtom("b"), tagSmallInteger, 2, goldenAtom("a"), tagSmallInteger, 1), "#{a => 1, b => 2}",
			map[any]any{Atom("a"): int64(1), Atom("b"): int64(2)}).inexactBecause("the keys are not in Erlang's order"),
		rawCase("export_113_utf8_atoms", goldenBytes(131, tagExport, tagSmallAtomUTF8, 1, "m", tagAtomUTF8, 0, 1, "f", tagSmallInteger, 0), "fun m:f/0", Export{Module: "m", Function: "f"}),

		// Bytes both sides must refuse.
		rejectCase("reject_bit_binary_9_bits", goldenBytes(131, tagBitBinary, uint32(1), 9, 5), ErrInvalid),
		rejectCase("reject_bit_binary_0_bits", goldenBytes(131, tagBitBinary, uint32(1), 0, 5), ErrInvalid),
		rejectCase("reject_empty_bit_binary_3_bits", goldenBytes(131, tagBitBinary, uint32(0), 3), ErrInvalid),
		rejectCase("reject_atom_ext_256_chars", goldenBytes(131, tagAtom, 1, 0, strings.Repeat("a", 256)), ErrInvalid),
		rejectCase("reject_atom_utf8_invalid", goldenBytes(131, tagSmallAtomUTF8, 1, 0xFF), ErrInvalid),
		rejectCase("reject_map_duplicate_int_keys", goldenBytes(131, tagMap, uint32(2), tagSmallInteger, 1, tagSmallInteger, 2, tagSmallInteger, 1, tagSmallInteger, 3), ErrInvalid),
		rejectCase("reject_map_duplicate_binary_keys", goldenBytes(131, tagMap, uint32(2), tagBinary, uint32(1), "k", tagNil, tagBinary, uint32(1), "k", tagNil), ErrInvalid),
		rejectCase("reject_float_nan", goldenBytes(131, tagNewFloat, uint64(0x7FF8000000000000)), ErrInvalid),
		rejectCase("reject_float_inf", goldenBytes(131, tagNewFloat, uint64(0x7FF0000000000000)), ErrInvalid),
		rejectCase("reject_float_ext_garbage", goldenBytes(131, tagFloat, goldenFloatText("abc")), ErrInvalid),
		rejectCase("reject_new_reference_0_words", goldenBytes(131, tagNewReference, 0, 0, remote, 1), ErrInvalid).
			erlUnreliableBecause("OTP 25's binary_to_term reads past a 0-word NEW_REFERENCE_EXT and accepts it now and then"),
		rejectCase("reject_newer_reference_6_words", goldenBytes(131, tagNewerReference, 0, 6, remote, uint32(1), make([]byte, 24)), ErrInvalid),
		rejectCase("reject_truncated_binary", goldenBytes(131, tagBinary, uint32(5), "abc"), ErrTruncated),
		rejectCase("reject_unknown_tag", goldenBytes(131, 200), ErrUnknownTag),
		rejectCase("reject_version_130", goldenBytes(130, tagSmallInteger, 1), ErrVersion),
		rejectCase("reject_pid_node_not_atom", goldenBytes(131, tagNewPid, tagSmallInteger, 1, uint32(5), uint32(0), uint32(0)), ErrInvalid),
	}
	return cases
}

func goldenIntMap(n int) map[any]any {
	m := make(map[any]any, n)
	for i := int64(1); i <= int64(n); i++ {
		m[i] = i * i
	}
	return m
}

func goldenBinMap(n int) map[string]any {
	m := make(map[string]any, n)
	for i := int64(1); i <= int64(n); i++ {
		m[strconv.FormatInt(i, 10)] = i
	}
	return m
}

func goldenIsPid(got any) error {
	p, ok := got.(Pid)
	if !ok {
		return fmt.Errorf("want a Pid, got %#v", got)
	}
	if p.Node != goldenLocal || p.ID == 0 {
		return fmt.Errorf("want a local pid with an id, got %+v", p)
	}
	return nil
}

func goldenIsRef(got any) error {
	r, ok := got.(Ref)
	if !ok {
		return fmt.Errorf("want a Ref, got %#v", got)
	}
	if r.Node != goldenLocal || len(r.ID) < 1 || len(r.ID) > maxRefWords {
		return fmt.Errorf("want a local reference of 1 to 5 words, got %+v", r)
	}
	return nil
}

func goldenIsPort(got any) error {
	p, ok := got.(Port)
	if !ok {
		return fmt.Errorf("want a Port, got %#v", got)
	}
	if p.Node != goldenLocal {
		return fmt.Errorf("want a local port, got %+v", p)
	}
	return nil
}

func goldenIsFun(arity uint8, free []any) func(any) error {
	return func(got any) error {
		f, ok := got.(Fun)
		if !ok {
			return fmt.Errorf("want a Fun, got %#v", got)
		}
		if f.Arity != arity || f.Module != "golden_cases" || goldenIsPid(f.Pid) != nil {
			return fmt.Errorf("want a fun/%d of module golden_cases with a local pid, got %+v", arity, f)
		}
		if free != nil {
			if err := goldenSame(free, f.FreeVars); err != nil {
				return fmt.Errorf("free variables: %v", err)
			}
		}
		return nil
	}
}

// goldenSame reports how got differs from want, comparing Go types too:
// it is what proves that a term decodes into the documented Go value
// (int64 versus *big.Int, string versus []byte, map[string]any versus
// map[any]any versus Map). Maps compare regardless of entry order.
func goldenSame(want, got any) error {
	mismatch := func() error { return fmt.Errorf("want %s, got %s", goldenShow(want), goldenShow(got)) }
	if want == nil {
		if got != nil {
			return mismatch()
		}
		return nil
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) {
		return fmt.Errorf("want %T %s, got %T %s", want, goldenShow(want), got, goldenShow(got))
	}
	switch w := want.(type) {
	case bool, int64, string, Atom, Pid, Port, Export:
		if want != got {
			return mismatch()
		}
	case float64:
		g := got.(float64)
		if math.Float64bits(w) != math.Float64bits(g) {
			return mismatch()
		}
	case *big.Int:
		if w.Cmp(got.(*big.Int)) != 0 {
			return mismatch()
		}
	case []byte:
		if !bytes.Equal(w, got.([]byte)) {
			return mismatch()
		}
	case BitString:
		g := got.(BitString)
		if w.Bits != g.Bits || !bytes.Equal(w.Bytes, g.Bytes) {
			return mismatch()
		}
	case Tuple:
		return goldenSameSlices(w, got.(Tuple))
	case []any:
		return goldenSameSlices(w, got.([]any))
	case ImproperList:
		g := got.(ImproperList)
		if err := goldenSameSlices(w.Elems, g.Elems); err != nil {
			return fmt.Errorf("improper list elements: %v", err)
		}
		if err := goldenSame(w.Tail, g.Tail); err != nil {
			return fmt.Errorf("improper list tail: %v", err)
		}
	case map[string]any:
		g := got.(map[string]any)
		if len(w) != len(g) {
			return fmt.Errorf("map of %d entries, want %d", len(g), len(w))
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("map lacks key %q", k)
			}
			if err := goldenSame(v, gv); err != nil {
				return fmt.Errorf("map[%q]: %v", k, err)
			}
		}
	case map[any]any:
		g := got.(map[any]any)
		if len(w) != len(g) {
			return fmt.Errorf("map of %d entries, want %d", len(g), len(w))
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("map lacks key %T %v", k, k)
			}
			if err := goldenSame(v, gv); err != nil {
				return fmt.Errorf("map[%v]: %v", k, err)
			}
		}
	case Map:
		g := got.(Map)
		if len(w) != len(g) {
			return fmt.Errorf("Map of %d entries, want %d", len(g), len(w))
		}
	entries:
		for _, we := range w {
			for _, ge := range g {
				if goldenSame(we.Key, ge.Key) == nil {
					if err := goldenSame(we.Value, ge.Value); err != nil {
						return fmt.Errorf("Map value of key %s: %v", goldenShow(we.Key), err)
					}
					continue entries
				}
			}
			return fmt.Errorf("Map lacks key %s (got %s)", goldenShow(we.Key), goldenShow(got))
		}
	case Ref:
		g := got.(Ref)
		if w.Node != g.Node || w.Creation != g.Creation || !slices.Equal(w.ID, g.ID) {
			return mismatch()
		}
	case Fun:
		g := got.(Fun)
		if w.Arity != g.Arity || w.Uniq != g.Uniq || w.Index != g.Index || w.Module != g.Module ||
			w.OldIndex != g.OldIndex || w.OldUniq != g.OldUniq || w.Pid != g.Pid {
			return mismatch()
		}
		return goldenSameSlices(w.FreeVars, g.FreeVars)
	case Opaque:
		g := got.(Opaque)
		if w.Language != g.Language || !bytes.Equal(w.Data, g.Data) {
			return mismatch()
		}
	default:
		return fmt.Errorf("goldenSame: want of type %T is not a decoded form", want)
	}
	return nil
}

func goldenSameSlices(want, got []any) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d elements, want %d (got %s, want %s)", len(got), len(want), goldenShow(got), goldenShow(want))
	}
	for i := range want {
		if err := goldenSame(want[i], got[i]); err != nil {
			return fmt.Errorf("[%d]: %v", i, err)
		}
	}
	return nil
}

// goldenShow prints a value briefly, for failure messages.
func goldenShow(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

// goldenMultiKeyMap reports whether v holds a Go map of more than one
// entry, whose encoding order is random.
func goldenMultiKeyMap(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) > 1 {
			return true
		}
		for _, e := range x {
			if goldenMultiKeyMap(e) {
				return true
			}
		}
	case map[any]any:
		if len(x) > 1 {
			return true
		}
		for k, e := range x {
			if goldenMultiKeyMap(k) || goldenMultiKeyMap(e) {
				return true
			}
		}
	case Map:
		for _, e := range x {
			if goldenMultiKeyMap(e.Key) || goldenMultiKeyMap(e.Value) {
				return true
			}
		}
	case Tuple:
		return slices.ContainsFunc(x, goldenMultiKeyMap)
	case []any:
		return slices.ContainsFunc(x, goldenMultiKeyMap)
	case ImproperList:
		return slices.ContainsFunc(x.Elems, goldenMultiKeyMap) || goldenMultiKeyMap(x.Tail)
	case Fun:
		return slices.ContainsFunc(x.FreeVars, goldenMultiKeyMap)
	}
	return false
}

// Records exchanged with erl: lists of byte strings (see golden.erl).

func goldenWriteRecords(records [][][]byte) []byte {
	var out []byte
	for _, r := range records {
		out = binary.BigEndian.AppendUint32(out, uint32(len(r)))
		for _, f := range r {
			out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
			out = append(out, f...)
		}
	}
	return out
}

func goldenReadRecords(data []byte) ([][][]byte, error) {
	var records [][][]byte
	for len(data) > 0 {
		if len(data) < 4 {
			return nil, errors.New("truncated record count")
		}
		n := binary.BigEndian.Uint32(data)
		data = data[4:]
		r := make([][]byte, 0, n)
		for range n {
			if len(data) < 4 {
				return nil, errors.New("truncated field length")
			}
			l := binary.BigEndian.Uint32(data)
			data = data[4:]
			if uint32(len(data)) < l {
				return nil, errors.New("truncated field")
			}
			r = append(r, data[:l:l])
			data = data[l:]
		}
		records = append(records, r)
	}
	return records, nil
}

// goldenErl runs golden:main([mode, casesSource, in, out]) in a fresh erl
// and returns the records it wrote.
func goldenErl(t *testing.T, erl, dir, mode, casesSource string, records [][][]byte) [][][]byte {
	t.Helper()
	driver, err := filepath.Abs(filepath.Join("testdata", "golden", "golden.erl"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, mode+".in")
	out := filepath.Join(dir, mode+".out")
	if err := os.WriteFile(in, goldenWriteRecords(records), 0o644); err != nil {
		t.Fatal(err)
	}
	eval := fmt.Sprintf(`case compile:file(%q, [binary, return_errors]) of `+
		`{ok, golden, B} -> {module, golden} = code:load_binary(golden, %q, B), golden:main([%q, %q, %q, %q]); `+
		`E -> io:format(standard_error, "compiling golden.erl: ~p~n", [E]), erlang:halt(3) end.`,
		driver, driver, mode, casesSource, in, out)
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, erl, "-noshell", "-noinput", "-eval", eval)
	output, err := cmd.CombinedOutput()
	t.Logf("erl %s: %d records in %v", mode, len(records), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("erl %s: %v\n%s", mode, err, output)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("erl %s wrote no output: %v\n%s", mode, err, output)
	}
	got, err := goldenReadRecords(data)
	if err != nil {
		t.Fatalf("erl %s output: %v", mode, err)
	}
	if len(got) != len(records) {
		t.Fatalf("erl %s returned %d records for %d", mode, len(got), len(records))
	}
	return got
}

// goldenCasesModule writes the Erlang module that evaluates each case's
// expression.
func goldenCasesModule(cases []goldenCase) string {
	var b strings.Builder
	b.WriteString("%% -*- coding: utf-8 -*-\n%% Generated by erl_golden_test.go.\n")
	b.WriteString("-module(golden_cases).\n-export([cases/0]).\n\n")
	b.WriteString("trunc_pow(_, 0) -> 1;\ntrunc_pow(B, N) -> B * trunc_pow(B, N - 1).\n\n")
	// Closures made by a named function, so that the compiler cannot
	// inline them away and they keep their free variables.
	b.WriteString("adder(Y) -> fun(X) -> X + Y end.\n\n")
	b.WriteString("triple(A, B, C) -> fun() -> {A, B, C} end.\n\n")
	b.WriteString("cases() ->\n    [\n")
	first := true
	for _, c := range cases {
		if c.expr == "" {
			continue
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		fmt.Fprintf(&b, "     {<<%q>>, fun() -> %s end}", c.name, c.expr)
	}
	b.WriteString("\n    ].\n")
	return b.String()
}

// goldenRequiredTags are the tags the issue lists; the table must make each
// of them appear at the top of some encoding, Erlang's, Go's or by hand.
var goldenRequiredTags = []byte{
	tagCompressed,
	tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8,
	tagSmallInteger, tagInteger, tagSmallBig, tagLargeBig,
	tagNewFloat, tagFloat,
	tagSmallTuple, tagLargeTuple,
	tagNil, tagString, tagList,
	tagBinary, tagBitBinary,
	tagMap,
	tagPid, tagNewPid,
	tagPort, tagNewPort, tagV4Port,
	tagReference, tagNewReference, tagNewerReference,
	tagExport, tagNewFun,
}

// goldenState is what the two erl runs learnt about one case.
type goldenState struct {
	c goldenCase

	goEnc    [][]byte // Go's encodings of goVal, as goldenGoEncodings
	goEncErr []error

	rawGot        any
	rawErr        error
	rawOrdered    any
	rawOrderedErr error

	rawStatus  string
	exprStatus string
	goStatus   []string
	erlEnc     [][]byte // Erlang's encodings of expr, as goldenOptions

	// The second run.
	compared     bool
	reencodeErr  error
	erlReencode  []byte // Erlang's term_to_binary of the reference term
	erlReencode2 []byte // the same, minor_version 2
	goReencode   [][]byte
	cmpStatus    []string
}

func TestErlGolden(t *testing.T) {
	erl, err := exec.LookPath("erl")
	if err != nil {
		if os.Getenv("TAIPAN_REQUIRE_ERL") == "1" {
			t.Fatalf("erl not found on PATH and TAIPAN_REQUIRE_ERL=1: %v", err)
		}
		t.Skip("erl not found on PATH; set TAIPAN_REQUIRE_ERL=1 to make this a failure")
	}
	dir := t.TempDir()
	cases := goldenCases()
	states := make([]*goldenState, len(cases))
	names := map[string]bool{}
	for i, c := range cases {
		if names[c.name] {
			t.Fatalf("duplicate case name %q", c.name)
		}
		names[c.name] = true
		states[i] = &goldenState{c: c}
	}

	// Go's side of the first run: encode the Go values, decode the
	// hand-written bytes.
	var run1 [][][]byte
	for _, s := range states {
		c := s.c
		rec := [][]byte{[]byte(c.name), nil, c.raw}
		if c.reject {
			rec[1] = []byte("reject")
		}
		if c.hasGo {
			for _, e := range goldenGoEncodings {
				b, err := e.opts.Marshal(c.goVal)
				s.goEnc = append(s.goEnc, b)
				s.goEncErr = append(s.goEncErr, err)
				if err == nil && !c.tooDeep {
					rec = append(rec, b)
				}
			}
		}
		if c.raw != nil {
			s.rawErr = Unmarshal(c.raw, &s.rawGot)
			s.rawOrderedErr = DecodeOptions{OrderedMaps: true}.Unmarshal(c.raw, &s.rawOrdered)
		}
		run1 = append(run1, rec)
	}
	casesSource := filepath.Join(dir, "golden_cases.erl")
	if err := os.WriteFile(casesSource, []byte(goldenCasesModule(cases)), 0o644); err != nil {
		t.Fatal(err)
	}
	out1 := goldenErl(t, erl, dir, "encode", casesSource, run1)

	// Read erl's answers and prepare the second run: Go's re-encodings of
	// what it decoded, against the bytes it decoded them from.
	var run2 [][][]byte
	var run2States []*goldenState
	for i, s := range states {
		r := out1[i]
		sent := len(run1[i]) - 3
		if string(r[0]) != s.c.name || len(r) < 3+sent {
			t.Fatalf("erl answered %q with %d fields for case %q", r[0], len(r), s.c.name)
		}
		s.rawStatus, s.exprStatus = string(r[1]), string(r[2])
		for _, st := range r[3 : 3+sent] {
			s.goStatus = append(s.goStatus, string(st))
		}
		s.erlEnc = r[3+sent:]

		var ref []byte
		var decoded any
		switch {
		case s.c.raw != nil && !s.c.reject && s.rawErr == nil:
			ref, decoded = s.c.raw, s.rawGot
		case s.c.raw == nil && !s.c.tooDeep && len(s.erlEnc) > 0:
			if err := Unmarshal(s.erlEnc[goldenPlain], &decoded); err == nil {
				ref = s.erlEnc[goldenPlain]
			}
		}
		if ref == nil {
			continue
		}
		rec := [][]byte{[]byte(s.c.name), ref}
		for _, e := range goldenReencodings {
			b, err := e.opts.Marshal(decoded)
			if err != nil {
				s.reencodeErr = fmt.Errorf("%s: %w", e.name, err)
				break
			}
			s.goReencode = append(s.goReencode, b)
			rec = append(rec, b)
		}
		if s.reencodeErr != nil {
			continue
		}
		s.compared = true
		run2 = append(run2, rec)
		run2States = append(run2States, s)
	}
	out2 := goldenErl(t, erl, dir, "compare", "", run2)
	for i, s := range run2States {
		r := out2[i]
		if string(r[0]) != s.c.name || len(r) != 3+len(goldenReencodings) {
			t.Fatalf("erl compare answered %q with %d fields for case %q", r[0], len(r), s.c.name)
		}
		s.erlReencode, s.erlReencode2 = r[1], r[2]
		for _, st := range r[3:] {
			s.cmpStatus = append(s.cmpStatus, string(st))
		}
	}

	seenTags := map[byte]bool{}
	for _, s := range states {
		t.Run(s.c.name, func(t *testing.T) { goldenCheck(t, s, seenTags) })
	}

	t.Run("coverage_of_tags", func(t *testing.T) {
		for _, tag := range goldenRequiredTags {
			if !seenTags[tag] {
				t.Errorf("no case puts tag %d at the top of an encoding", tag)
			}
		}
	})
}

// goldenCheck makes every assertion about one case.
func goldenCheck(t *testing.T, s *goldenState, seenTags map[byte]bool) {
	c := s.c
	seen := func(b []byte) {
		if len(b) > 1 {
			seenTags[b[1]] = true
		}
	}

	// Go's encodings of the Go value, and what erl made of them.
	if c.hasGo {
		for i, e := range goldenGoEncodings {
			err := s.goEncErr[i]
			if c.tooDeep {
				if !errors.Is(err, ErrTooDeep) {
					t.Errorf("%s of a value nested %d deep: got error %v, want ErrTooDeep", e.name, DefaultMaxDepth+1, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s(goVal): %v", e.name, err)
				continue
			}
			seen(s.goEnc[i])
		}
		if c.tooDeep {
			b, err := EncodeOptions{MaxDepth: DefaultMaxDepth + 1}.Marshal(c.goVal)
			if err != nil {
				t.Errorf("Marshal with MaxDepth %d: %v", DefaultMaxDepth+1, err)
			} else if len(s.erlEnc) > 0 && !bytes.Equal(b, s.erlEnc[goldenPlain]) {
				t.Errorf("Marshal with MaxDepth %d differs from Erlang's bytes", DefaultMaxDepth+1)
			}
		}
		k := 0
		for i, e := range goldenGoEncodings {
			if s.goEncErr[i] != nil || c.tooDeep {
				continue
			}
			if k >= len(s.goStatus) {
				t.Fatalf("erl returned %d statuses for Go's encodings", len(s.goStatus))
			}
			if st := s.goStatus[k]; st != "ok" {
				t.Errorf("erl on Go's %s bytes %s: %s", e.name, goldenHex(s.goEnc[i]), st)
			}
			k++
		}
		if c.goTag != 0 && s.goEncErr[0] == nil && s.goEnc[0][1] != c.goTag {
			t.Errorf("Marshal(goVal) starts with tag %d, want %d", s.goEnc[0][1], c.goTag)
		}
	}

	// The expression.
	if c.expr != "" && s.exprStatus != "ok" {
		t.Fatalf("erl could not evaluate %s: %s", c.expr, s.exprStatus)
	}

	// Hand-written bytes.
	if c.raw != nil {
		seen(c.raw)
		if c.reject {
			if s.rawErr == nil {
				t.Errorf("Unmarshal(%s) = %s, want an error (Erlang rejects it)", goldenHex(c.raw), goldenShow(s.rawGot))
			} else if c.rawErr != nil && !errors.Is(s.rawErr, c.rawErr) {
				t.Errorf("Unmarshal(%s): %v, want an error wrapping %v", goldenHex(c.raw), s.rawErr, c.rawErr)
			}
			switch {
			case c.erlUnreliable != "":
				t.Logf("erl's verdict (%s) not checked: %s", s.rawStatus, c.erlUnreliable)
			case s.rawStatus != "ok":
				t.Errorf("erl on %s: %s", goldenHex(c.raw), s.rawStatus)
			}
			return
		}
		if s.rawStatus != "ok" {
			t.Errorf("erl on the hand-written bytes %s: %s", goldenHex(c.raw), s.rawStatus)
		}
		switch {
		case s.rawErr != nil:
			t.Errorf("Unmarshal(%s): %v", goldenHex(c.raw), s.rawErr)
		default:
			if err := goldenSame(c.want, s.rawGot); err != nil {
				t.Errorf("Unmarshal(%s): %v", goldenHex(c.raw), err)
			}
			if !Equal(c.want, s.rawGot) {
				t.Errorf("Equal(want, Unmarshal(%s)) is false: want %s, got %s", goldenHex(c.raw), goldenShow(c.want), goldenShow(s.rawGot))
			}
		}
		if s.rawOrderedErr != nil {
			t.Errorf("Unmarshal with OrderedMaps(%s): %v", goldenHex(c.raw), s.rawOrderedErr)
		}
	}

	// Erlang's encodings of the expression.
	if c.expr != "" {
		if len(s.erlEnc) != len(goldenOptions) {
			t.Fatalf("erl returned %d encodings, want %d", len(s.erlEnc), len(goldenOptions))
		}
		if c.erlTag != 0 && s.erlEnc[goldenPlain][1] != c.erlTag {
			t.Errorf("term_to_binary(%s) starts with tag %d, want %d", c.expr, s.erlEnc[goldenPlain][1], c.erlTag)
		}
		var plain any
		for i, enc := range s.erlEnc {
			seen(enc)
			opt := goldenOptions[i]
			var got any
			err := Unmarshal(enc, &got)
			if c.tooDeep {
				if !errors.Is(err, ErrTooDeep) {
					t.Errorf("%s: Unmarshal of a term nested %d deep: got error %v, want ErrTooDeep", opt, DefaultMaxDepth+1, err)
				}
				var v any
				if err := (DecodeOptions{MaxDepth: DefaultMaxDepth + 1}).Unmarshal(enc, &v); err != nil {
					t.Errorf("%s: Unmarshal with MaxDepth %d: %v", opt, DefaultMaxDepth+1, err)
				} else if err := goldenSame(c.goVal, v); err != nil {
					t.Errorf("%s: Unmarshal with MaxDepth %d: %v", opt, DefaultMaxDepth+1, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: Unmarshal(term_to_binary(%s)) = %v; bytes %s", opt, goldenShortExpr(c.expr), err, goldenHex(enc))
				continue
			}
			if i == goldenPlain {
				plain = got
			}
			switch {
			case c.raw != nil:
				// want is what the hand-written bytes decode to; Erlang's
				// bytes may be another form of the same term.
				if !Equal(c.want, got) {
					t.Errorf("%s: Unmarshal(term_to_binary(%s)) = %s, not Equal to %s", opt, goldenShortExpr(c.expr), goldenShow(got), goldenShow(c.want))
				}
			case c.hasWant:
				if err := goldenSame(c.want, got); err != nil {
					t.Errorf("%s: Unmarshal(term_to_binary(%s)): %v", opt, goldenShortExpr(c.expr), err)
				}
				if !Equal(c.want, got) {
					t.Errorf("%s: Equal(want, Unmarshal(term_to_binary(%s))) is false", opt, goldenShortExpr(c.expr))
				}
			default:
				if err := c.check(got); err != nil {
					t.Errorf("%s: Unmarshal(term_to_binary(%s)): %v", opt, goldenShortExpr(c.expr), err)
				}
				if i != goldenPlain && plain != nil && !Equal(plain, got) {
					t.Errorf("%s: decodes to %s, not Equal to the plain encoding's %s", opt, goldenShow(got), goldenShow(plain))
				}
			}
		}
		if c.tooDeep {
			return
		}

		// Byte-exact round trips: Go's encoding of what it decoded must be
		// Erlang's. Maps decoded in Erlang's order (OrderedMaps) are exact
		// too; a Go map of several entries is exact only by chance.
		exact := []struct {
			idx  int
			opts EncodeOptions
		}{
			{goldenPlain, EncodeOptions{}},
			{goldenMinor1, EncodeOptions{}},
			{goldenMinor2, EncodeOptions{UTF8Atoms: true}},
		}
		for _, x := range exact {
			enc := s.erlEnc[x.idx]
			var ordered any
			if err := (DecodeOptions{OrderedMaps: true}).Unmarshal(enc, &ordered); err != nil {
				t.Errorf("%s: Unmarshal with OrderedMaps: %v", goldenOptions[x.idx], err)
				continue
			}
			b, err := x.opts.Marshal(ordered)
			if err != nil {
				t.Errorf("%s: re-encoding the decoded value: %v", goldenOptions[x.idx], err)
			} else if !bytes.Equal(b, enc) {
				t.Errorf("%s: not byte-exact: Erlang wrote %s, Go re-encoded %s", goldenOptions[x.idx], goldenHexDiff(enc, b), goldenHexDiff(b, enc))
			}
			var v any
			if err := Unmarshal(enc, &v); err == nil && !goldenMultiKeyMap(v) {
				if b, err := x.opts.Marshal(v); err == nil && !bytes.Equal(b, enc) {
					t.Errorf("%s: not byte-exact without OrderedMaps: Erlang wrote %s, Go re-encoded %s", goldenOptions[x.idx], goldenHexDiff(enc, b), goldenHexDiff(b, enc))
				}
			}
		}
	}

	// The second run: erl reads Go's re-encodings of what Go decoded.
	if s.reencodeErr != nil {
		t.Errorf("re-encoding the decoded value: %v", s.reencodeErr)
	}
	if !s.compared {
		if c.raw != nil || (c.expr != "" && !c.tooDeep) {
			if s.reencodeErr == nil {
				t.Errorf("no decoded value to send back to erl")
			}
		}
		return
	}
	for i, st := range s.cmpStatus {
		if st != "ok" {
			t.Errorf("erl on Go's re-encoding (%s) %s: %s", goldenReencodings[i].name, goldenHex(s.goReencode[i]), st)
		}
	}
	if c.raw != nil && c.inexact == "" {
		if s.rawOrderedErr == nil {
			// BytesAsBinary: a BIT_BINARY_EXT of whole bytes decodes to
			// []byte, which Go otherwise writes back as BIT_BINARY_EXT.
			if b, err := (EncodeOptions{BytesAsBinary: true}).Marshal(s.rawOrdered); err != nil {
				t.Errorf("Marshal of the decoded hand-written term: %v", err)
			} else if !bytes.Equal(b, s.erlReencode) {
				t.Errorf("not byte-exact: Erlang re-encodes the hand-written term as %s, Go as %s", goldenHexDiff(s.erlReencode, b), goldenHexDiff(b, s.erlReencode))
			}
			if b, err := (EncodeOptions{UTF8Atoms: true, BytesAsBinary: true}).Marshal(s.rawOrdered); err != nil {
				t.Errorf("Marshal with UTF8Atoms of the decoded hand-written term: %v", err)
			} else if !bytes.Equal(b, s.erlReencode2) {
				t.Errorf("not byte-exact: Erlang re-encodes the hand-written term with minor_version 2 as %s, Go with UTF8Atoms as %s", goldenHexDiff(s.erlReencode2, b), goldenHexDiff(b, s.erlReencode2))
			}
		}
	}
}

func goldenShortExpr(e string) string {
	if len(e) > 60 {
		return e[:60] + "…"
	}
	return e
}

// goldenHex shows up to 64 bytes in hex.
func goldenHex(b []byte) string {
	if len(b) > 64 {
		return fmt.Sprintf("%x… (%d bytes)", b[:64], len(b))
	}
	return fmt.Sprintf("%x", b)
}

// goldenHexDiff shows b in hex around its first difference from other.
func goldenHexDiff(b, other []byte) string {
	i := 0
	for i < len(b) && i < len(other) && b[i] == other[i] {
		i++
	}
	if len(b) <= 64 {
		return fmt.Sprintf("%x", b)
	}
	lo := max(0, i-16)
	hi := min(len(b), i+32)
	return fmt.Sprintf("[%d bytes, first difference at %d] …%x…", len(b), i, b[lo:hi])
}
