package snakes

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
)

// FuzzCallFrame: the hand-framed call request is byte for byte what the
// general encoder makes of the same tuple, for any id, names and
// arguments.
func FuzzCallFrame(f *testing.F) {
	f.Add(uint64(1), "operator", "add", []byte{1, 2})
	f.Add(uint64(300), "m", "Class.method", []byte{})
	f.Add(uint64(1<<40), "é", "ƒ", []byte("x"))
	f.Add(^uint64(0), "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, id uint64, module, function string, arg []byte) {
		args := []any{arg, string(arg), int64(len(arg)), erlterm.Atom("ok"), []any{}}
		got, err := appendCallFrame([]byte("prefix"), id, &plainCall{module: module, function: function, args: args}, erlterm.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, err := appendFrame([]byte("prefix"), erlterm.Tuple{tagAtom(tagCall), id, module, function, args})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("hand-framed %x\nencoder     %x", got, want)
		}
		h := parseHeader(got[len("prefix")+4:])
		if h.tag != tagCall || !h.hasID || h.id != id || h.arity != 5 {
			t.Fatalf("parseHeader of a call frame: %+v", h)
		}
	})
}

// FuzzParseHeader: the reply header parser never panics on arbitrary
// bytes, and a header it reads with an id is what the full decoder sees:
// a tuple of that arity, a one-letter atom, the id.
func FuzzParseHeader(f *testing.F) {
	for _, term := range []any{
		erlterm.Tuple{tagAtom(tagResult), uint64(7), int64(3)},
		erlterm.Tuple{tagAtom(tagError), uint64(1 << 33), "boom"},
		erlterm.Tuple{tagAtom(tagLog), int64(20), "l", "m", map[string]any{}},
		erlterm.Tuple{erlterm.Atom("hello"), 0, map[string]any{}},
		erlterm.Tuple{tagAtom(tagResult), int64(-1), 1},
	} {
		b, err := appendFrame(nil, term)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[4:])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h := parseHeader(b)
		if !h.hasID {
			return
		}
		if h.off > len(b) {
			t.Fatalf("offset %d past %d bytes", h.off, len(b))
		}
		// The term up to the id, closed as a tuple of two, must decode to
		// the tag and the id.
		head := append([]byte{erlterm.Version}, erlterm.AppendTupleHeader(nil, 2)...)
		_, n, _ := erlterm.ReadTupleHeader(b[1:])
		head = append(head, b[1+n:h.off]...)
		var got erlterm.Tuple
		if err := erlterm.Unmarshal(head, &got); err != nil {
			t.Fatalf("parseHeader read %+v from %x, the decoder refuses it: %v", h, b[:h.off], err)
		}
		tag, _ := got[0].(erlterm.Atom)
		if len(tag) != 1 || tag[0] != h.tag || fmt.Sprint(got[1]) != strconv.FormatUint(h.id, 10) {
			t.Fatalf("parseHeader %+v, decoder %#v", h, got)
		}
	})
}
