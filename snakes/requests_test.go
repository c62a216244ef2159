package snakes

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
)

// The hand-written call frame must be byte for byte what the encoder
// makes of the Tuple: Python parses both, and Erlang must accept it.
func TestAppendCallFrameMatchesEncoder(t *testing.T) {
	tests := []struct {
		name string
		id   uint64
		pc   plainCall
	}{
		{"small id", 1, plainCall{"operator", "add", []any{1, 2}}},
		{"id 255", 255, plainCall{"m", "f", []any{}}},
		{"id 256", 256, plainCall{"m", "f", []any{"x", 1.5, nil}}},
		{"int32 id", math.MaxInt32, plainCall{"m", "Class.method", []any{[]byte("b")}}},
		{"big id", math.MaxInt32 + 1, plainCall{"m", "f", []any{map[string]any{"k": 1}}}},
		{"max id", math.MaxUint64, plainCall{"m", "f", []any{}}},
		{"empty names", 7, plainCall{"", "", []any{erlterm.Atom("a")}}},
		{"utf-8 names", 9, plainCall{"modül", "fünc", []any{strings.Repeat("x", 300)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := appendFrame(nil, erlterm.Tuple{tagAtom(tagCall), tt.id, tt.pc.module, tt.pc.function, tt.pc.args})
			if err != nil {
				t.Fatal(err)
			}
			prefix := []byte("kept")
			got, err := appendCallFrame(append([]byte(nil), prefix...), tt.id, &tt.pc, erlterm.EncodeOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
				t.Fatalf("frame\n got %v\nwant %v", got[len(prefix):], want)
			}
		})
	}
}

func TestAppendCallFrameError(t *testing.T) {
	got, err := appendCallFrame([]byte("kept"), 1, &plainCall{"m", "f", []any{make(chan int)}}, erlterm.EncodeOptions{})
	if err == nil {
		t.Fatal("no error for an unencodable argument")
	}
	if string(got) != "kept" {
		t.Fatalf("dst not restored: %q", got)
	}
}
