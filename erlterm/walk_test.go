package erlterm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// walkCases are Go values whose encodings Walk goes through, and the tags
// it visits, in order (nil: not checked).
var walkCases = []struct {
	name string
	v    any
	opts EncodeOptions
	tags []Tag
}{
	{"small integer", 7, EncodeOptions{}, []Tag{TagSmallInteger}},
	{"integer", -70000, EncodeOptions{}, []Tag{TagInteger}},
	{"small big", uint64(math.MaxUint64), EncodeOptions{}, []Tag{TagSmallBig}},
	{"large big", new(big.Int).Lsh(big.NewInt(1), 8*300), EncodeOptions{}, []Tag{TagLargeBig}},
	{"float", 1.5, EncodeOptions{}, []Tag{TagNewFloat}},
	{"atom", Atom("hello"), EncodeOptions{}, []Tag{TagAtom}},
	{"small UTF-8 atom", Atom("ĉ☃"), EncodeOptions{}, []Tag{TagSmallAtomUTF8}},
	{"UTF-8 atom", Atom(strings.Repeat("☃", 100)), EncodeOptions{}, []Tag{TagAtomUTF8}},
	{"nil is an atom", nil, EncodeOptions{}, []Tag{TagAtom}},
	{"binary", "text", EncodeOptions{}, []Tag{TagBinary}},
	{"bytes", []byte{1, 2, 3}, EncodeOptions{}, []Tag{TagBitBinary}},
	{"empty bytes", []byte{}, EncodeOptions{}, []Tag{TagBitBinary}},
	{"bytes as a binary", []byte{1, 2, 3}, EncodeOptions{BytesAsBinary: true}, []Tag{TagBinary}},
	{"bitstring", BitString{Bytes: []byte{0xff, 0x80}, Bits: 1}, EncodeOptions{}, []Tag{TagBitBinary}},
	{"empty list", []any{}, EncodeOptions{}, []Tag{TagNil}},
	{"string", []int{104, 105}, EncodeOptions{}, []Tag{TagString}},
	{"list", []any{1, "a", Atom("b")}, EncodeOptions{}, []Tag{TagList, TagSmallInteger, TagBinary, TagAtom, TagNil}},
	{"improper list", ImproperList{Elems: []any{1}, Tail: 2}, EncodeOptions{}, []Tag{TagList, TagSmallInteger, TagSmallInteger}},
	{"tuple", Tuple{Atom("ok"), []any{1.5}}, EncodeOptions{}, []Tag{TagSmallTuple, TagAtom, TagList, TagNewFloat, TagNil}},
	{"large tuple", make(Tuple, 300), EncodeOptions{}, nil},
	{"map", Map{{Key: "k", Value: Tuple{}}}, EncodeOptions{}, []Tag{TagMap, TagBinary, TagSmallTuple}},
	{"pid", Pid{Node: "a@b", ID: 1, Serial: 2, Creation: 3}, EncodeOptions{}, []Tag{TagNewPid}},
	{"port", Port{Node: "a@b", ID: 1, Creation: 3}, EncodeOptions{}, []Tag{TagNewPort}},
	{"v4 port", Port{Node: "a@b", ID: 1 << 40, Creation: 3}, EncodeOptions{}, []Tag{TagV4Port}},
	{"reference", Ref{Node: "ĉ@b", Creation: 3, ID: []uint32{1, 2, 3}}, EncodeOptions{}, []Tag{TagNewerReference}},
	{"export", Export{Module: "m", Function: "f", Arity: 2}, EncodeOptions{}, []Tag{TagExport, TagAtom, TagAtom, TagSmallInteger}},
	{"fun", Fun{Arity: 1, Module: "m", OldIndex: 1, OldUniq: 70000, Pid: Pid{Node: "a@b"}, FreeVars: []any{Tuple{1}, "x"}},
		EncodeOptions{}, []Tag{TagNewFun, TagAtom, TagSmallInteger, TagInteger, TagNewPid, TagSmallTuple, TagSmallInteger, TagBinary}},
	{"opaque", Opaque{Language: "python", Data: []byte{1}}, EncodeOptions{}, []Tag{TagSmallTuple, TagAtom, TagAtom, TagBinary}},
	{"nested", []any{[]any{[]any{Tuple{map[string]any{"a": []any{}}}}}}, EncodeOptions{}, nil},
}

// TestWalkMatchesEncoder: Walk and Skip read what the encoder writes to
// its end, visit each term where it starts, and refuse it cut short.
func TestWalkMatchesEncoder(t *testing.T) {
	for _, tc := range walkCases {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := tc.opts.Append(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			b := enc[1:] // after Version
			var tags []Tag
			n, err := Walk(b, func(at int, h Header) error {
				if got, err := ReadHeader(b[at:]); err != nil || got != h {
					t.Errorf("at %d: visited %+v, ReadHeader reads %+v, %v", at, h, got, err)
				}
				tags = append(tags, h.Tag)
				return nil
			})
			if err != nil || n != len(b) {
				t.Fatalf("Walk = %d, %v; the term is %d bytes", n, err, len(b))
			}
			if tc.tags != nil && !slices.Equal(tags, tc.tags) {
				t.Errorf("visited %v, want %v", tags, tc.tags)
			}
			if n, err := Skip(append(slices.Clone(b), tagNil, 1, 2)); err != nil || n != len(b) {
				t.Errorf("Skip with bytes after the term = %d, %v, want %d", n, err, len(b))
			}
			for cut := range len(b) {
				if n, err := Skip(b[:cut]); !errors.Is(err, ErrTruncated) {
					t.Fatalf("Skip of the first %d of %d bytes = %d, %v, want ErrTruncated", cut, len(b), n, err)
				}
			}
		})
	}
}

// TestReadHeader reads a header of each tag, the ones the encoder never
// writes included; the full decoder reads the same bytes as a whole term.
func TestReadHeader(t *testing.T) {
	node := []byte{tagSmallAtomUTF8, 3, 'a', '@', 'b'}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	float := make([]byte, 31)
	copy(float, "1.50000000000000000000e+00")
	tests := []struct {
		name string
		b    []byte
		want Header
	}{
		{"old float", cat([]byte{tagFloat}, float), Header{TagFloat, 32, 0}},
		{"small atom", []byte{tagSmallAtom, 1, 'x'}, Header{TagSmallAtom, 3, 0}},
		{"old pid", cat([]byte{tagPid}, node, make([]byte, 9)), Header{TagPid, 15, 0}},
		{"old port", cat([]byte{tagPort}, node, make([]byte, 5)), Header{TagPort, 11, 0}},
		{"old reference", cat([]byte{tagReference}, node, make([]byte, 5)), Header{TagReference, 11, 0}},
		{"new reference", cat([]byte{tagNewReference, 0, 2}, node, make([]byte, 1+8)), Header{TagNewReference, 17, 0}},
		{"large tuple", []byte{tagLargeTuple, 0, 0, 0, 1, tagNil}, Header{TagLargeTuple, 5, 1}},
		{"list", []byte{tagList, 0, 0, 0, 1, tagNil, tagNil}, Header{TagList, 5, 2}},
		{"map", []byte{tagMap, 0, 0, 0, 1, tagNil, tagNil}, Header{TagMap, 5, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := ReadHeader(tt.b); err != nil || h != tt.want {
				t.Fatalf("ReadHeader = %+v, %v, want %+v", h, err, tt.want)
			}
			if n, err := Skip(tt.b); err != nil || n != len(tt.b) {
				t.Fatalf("Skip = %d, %v, want %d", n, err, len(tt.b))
			}
			var v any
			if err := Unmarshal(append([]byte{Version}, tt.b...), &v); err != nil {
				t.Fatalf("Unmarshal of the same bytes: %v", err)
			}
		})
	}
}

// TestReadHeaderRefuses: what ReadHeader and Walk refuse, and with which
// sentinel, at which offset.
func TestReadHeaderRefuses(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want error
		at   int
	}{
		{"empty", nil, ErrTruncated, 0},
		{"the version byte", []byte{Version, tagNil}, ErrUnknownTag, 0},
		{"old fun", []byte{tagFun, 0, 0, 0, 0}, ErrUnknownTag, 0},
		{"atom cache reference", []byte{tagAtomCacheRef, 0}, ErrDistributionOnly, 0},
		{"local", []byte{tagLocal, 0}, ErrDistributionOnly, 0},
		{"compressed inside", []byte{tagCompressed, 0, 0, 0, 1, 0}, ErrInvalid, 0},
		{"truncated integer", []byte{tagInteger, 0, 0}, ErrTruncated, 1},
		{"binary longer than the input", []byte{tagBinary, 0, 0, 0, 9, 'x'}, ErrTruncated, 5},
		{"bit count 0 of a byte", []byte{tagBitBinary, 0, 0, 0, 1, 0, 'x'}, ErrInvalid, 0},
		{"bit count 9", []byte{tagBitBinary, 0, 0, 0, 1, 9, 'x'}, ErrInvalid, 0},
		{"tuple of more elements than bytes", []byte{tagSmallTuple, 3, tagNil, tagNil}, ErrTruncated, 1},
		{"list of 4G elements", []byte{tagList, 0xff, 0xff, 0xff, 0xff, tagNil}, ErrTruncated, 1},
		{"map of 2G pairs", []byte{tagMap, 0x80, 0, 0, 0, tagNil, tagNil}, ErrTruncated, 1},
		{"pid on a node that is no atom", []byte{tagNewPid, tagNil, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, ErrInvalid, 1},
		{"pid cut short", []byte{tagNewPid, tagSmallAtom, 1, 'a', 0, 0}, ErrTruncated, 4},
		{"reference of 0 words", []byte{tagNewerReference, 0, 0, tagSmallAtom, 1, 'a'}, ErrInvalid, 0},
		{"fun with a size beyond the input", append([]byte{tagNewFun, 0, 0, 1, 0}, make([]byte, 40)...), ErrTruncated, 1},
		{"a part cut short, deep in the term", []byte{tagSmallTuple, 2, tagSmallTuple, 1, tagInteger, 0}, ErrTruncated, 5},
		{"parts beyond the input", []byte{tagSmallTuple, 2, tagSmallTuple, 2, tagNil, tagNil}, ErrTruncated, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Skip(tt.b)
			var se *SyntaxError
			if !errors.Is(err, tt.want) || !errors.As(err, &se) || se.Offset != tt.at {
				t.Fatalf("Skip(% x): %v, want a *SyntaxError with %v at %d", tt.b, err, tt.want, tt.at)
			}
			if len(tt.b) > 0 && tt.b[0] != tagSmallTuple {
				if _, err := ReadHeader(tt.b); !errors.Is(err, tt.want) {
					t.Fatalf("ReadHeader: %v, want %v", err, tt.want)
				}
			}
		})
	}
}

// TestFunSizeOff: a fun whose size field disagrees with its contents,
// within bytes that hold its size, is read by Skip to the end of its
// contents, and Unmarshal refuses those bytes for the size (ErrInvalid),
// also where the size reaches past them. (FuzzWalk found that case
// refused as ErrTruncated: structure, where Skip had read the fun whole.)
func TestFunSizeOff(t *testing.T) {
	whole, err := Append(nil, Fun{Arity: 1, Module: "m", Pid: Pid{Node: "a@b"}, FreeVars: []any{1}})
	if err != nil {
		t.Fatal(err)
	}
	fun := whole[1:]
	for _, off := range []int{-1, 1, 6} {
		t.Run(strconv.Itoa(off), func(t *testing.T) {
			b := append(bytes.Clone(fun), bytes.Repeat([]byte{tagNil}, max(off, 0))...) // the bytes its size says
			binary.BigEndian.PutUint32(b[1:], uint32(int(binary.BigEndian.Uint32(b[1:]))+off))
			n, err := Skip(b)
			if err != nil || n != len(fun) {
				t.Fatalf("Skip = %d, %v; want %d", n, err, len(fun))
			}
			var v any
			err = Unmarshal(append([]byte{Version}, b[:n]...), &v)
			var se *SyntaxError
			if !errors.Is(err, ErrInvalid) || !errors.As(err, &se) || se.Offset != 2 {
				t.Fatalf("Unmarshal: %v, want ErrInvalid at byte 2 (the size)", err)
			}
		})
	}
}

// TestWalkVisitStops: visit's error ends the walk as it is.
func TestWalkVisitStops(t *testing.T) {
	b, _ := Append(nil, []any{1, map[string]any{}, 2})
	stop := errors.New("no maps")
	visited := 0
	_, err := Walk(b[1:], func(_ int, h Header) error {
		visited++
		if h.Tag == TagMap {
			return stop
		}
		return nil
	})
	if err != stop || visited != 3 {
		t.Fatalf("Walk = %v after %d visits, want visit's error after 3", err, visited)
	}
}

func TestTagString(t *testing.T) {
	for tag, want := range map[Tag]string{TagSmallTuple: "SMALL_TUPLE_EXT", TagMap: "MAP_EXT", TagCompressed: "COMPRESSED", 0: "tag 0", Version: "tag 131"} {
		if got := tag.String(); got != want {
			t.Errorf("Tag(%d) = %q, want %q", byte(tag), got, want)
		}
	}
}

// TestInflate: a compressed term inflates to the plain one, Version
// first; what is not a compressed term, or inflates past the limit, is
// refused.
func TestInflate(t *testing.T) {
	v := []any{strings.Repeat("abc", 1000), Tuple{1, 2}}
	plain, _ := Append(nil, v)
	packed, err := EncodeOptions{Compression: 9}.Append(nil, v)
	if err != nil || Tag(packed[1]) != TagCompressed {
		t.Fatalf("no compressed term to test: % x, %v", packed[:2], err)
	}
	if got, err := Inflate(packed, len(plain)); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Inflate = %d bytes, %v; want the %d plain ones", len(got), err, len(plain))
	}
	for _, tt := range []struct {
		name  string
		b     []byte
		limit int
		want  error
	}{
		{"no version", packed[1:], 1 << 20, ErrVersion},
		{"not compressed", plain, 1 << 20, ErrInvalid},
		{"over the limit", packed, len(plain) - 2, ErrTooLarge},
		{"cut short", packed[:len(packed)-4], 1 << 20, ErrTruncated},
	} {
		if _, err := Inflate(tt.b, tt.limit); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

// FuzzWalk: Walk never panics nor reads past its input; whatever
// Unmarshal accepts as a whole term, Skip reads to its end; and what Skip
// reads, Unmarshal refuses, if at all, for its values (ErrInvalid,
// ErrTooDeep, ErrTooLarge), never for its structure.
func FuzzWalk(f *testing.F) {
	for _, tc := range walkCases {
		if b, err := tc.opts.Append(nil, tc.v); err == nil {
			f.Add(b[1:])
		}
	}
	f.Add([]byte{tagNewReference, 0, 1, tagSmallAtom, 1, 'a', 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := Walk(b, func(at int, h Header) error {
			if at < 0 || at+h.Len > len(b) || h.Len < 1 || h.Parts < 0 {
				t.Fatalf("visited %+v at %d of %d bytes", h, at, len(b))
			}
			return nil
		})
		if err == nil && (n < 1 || n > len(b)) {
			t.Fatalf("Walk = %d of %d bytes", n, len(b))
		}
		if len(b) > 0 && Tag(b[0]) == TagCompressed {
			return // Unmarshal inflates it; Walk reads terms, not compressed ones
		}
		var v any
		if Unmarshal(append([]byte{Version}, b...), &v) == nil && (err != nil || n != len(b)) {
			t.Fatalf("Unmarshal accepts % x, Skip = %d, %v", b, n, err)
		}
		if err != nil {
			return
		}
		uerr := Unmarshal(append([]byte{Version}, b[:n]...), &v)
		for _, structural := range []error{ErrTruncated, ErrTrailingData, ErrUnknownTag, ErrDistributionOnly} {
			if errors.Is(uerr, structural) {
				t.Fatalf("Skip reads %d bytes of % x, Unmarshal: %v", n, b, uerr)
			}
		}
	})
}
