package erlterm

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// rawOf is the encoding of v without its version byte.
func rawOf(t *testing.T, o EncodeOptions, v any) RawTerm {
	t.Helper()
	b, err := o.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return RawTerm(b[1:])
}

// spliced is a Marshaler that writes the term it holds.
type spliced RawTerm

func (s spliced) AppendETF(dst []byte) ([]byte, error) { return append(dst, s...), nil }

func TestRefuseOpaque(t *testing.T) {
	refuse := EncodeOptions{RefuseOpaque: []Atom{"python"}}
	py := Opaque{Language: "python", Data: []byte("\x80\x04K*.")}
	pyTuple := Tuple{Atom("$erlport.opaque"), Atom("python"), []byte("pickle")}
	latin1 := rawOf(t, EncodeOptions{}, pyTuple) // ATOM_EXT names
	utf8 := rawOf(t, EncodeOptions{UTF8Atoms: true}, pyTuple)
	tests := []struct {
		name    string
		v       any
		refused bool
	}{
		{"Opaque", py, true},
		{"Opaque in a list", []any{1, map[string]any{"k": Tuple{py}}}, true},
		{"Opaque in a struct", struct{ O Opaque }{py}, true},
		{"Tuple of that shape", pyTuple, true},
		{"RawTerm, latin-1 atoms", latin1, true},
		{"RawTerm, UTF-8 atoms", utf8, true},
		{"RawTerm holding it deep", rawOf(t, EncodeOptions{}, []any{"x", Tuple{1, []any{pyTuple}}}), true},
		{"RawTerm as the tag of a Tuple", Tuple{rawOf(t, EncodeOptions{}, Atom("$erlport.opaque")), Atom("python"), "x"}, true},
		{"Marshaler", spliced(latin1), true},
		{"another language", Opaque{Language: "erlang", Data: []byte{97, 1}}, false},
		{"Tuple of another language", Tuple{Atom("$erlport.opaque"), Atom("ruby"), "x"}, false},
		{"language as a string", Tuple{Atom("$erlport.opaque"), "python", "x"}, false},
		{"tag as a string", Tuple{"$erlport.opaque", Atom("python"), "x"}, false},
		{"the tag's text in a binary", rawOf(t, EncodeOptions{}, []any{"$erlport.opaque", Atom("python"), 1}), false},
		{"a tuple of four", Tuple{Atom("$erlport.opaque"), Atom("python"), "x", 1}, false},
		{"plain data", []any{1, "two", Tuple{Atom("a"), Atom("b"), 3}}, false},
	}
	for _, tt := range tests {
		if !tt.refused {
			continue
		}
		// Deterministic encodes map keys apart: a key is checked too.
		tests = append(tests, struct {
			name    string
			v       any
			refused bool
		}{tt.name + ", a map key, deterministic", Map{{Key: tt.v, Value: 1}}, true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plain, err := Marshal(tt.v)
			if err != nil {
				t.Fatalf("without RefuseOpaque: %v", err)
			}
			dst := []byte("kept")
			o := refuse
			o.Deterministic = strings.HasSuffix(tt.name, "deterministic")
			got, err := o.Append(dst, tt.v)
			if !tt.refused {
				if err != nil || !bytes.Equal(got[len(dst):], plain) {
					t.Fatalf("got % x, %v; want % x", got, err, plain)
				}
				return
			}
			var oe *OpaqueRefusedError
			var ee *EncodeError
			if !errors.Is(err, ErrOpaqueRefused) || !errors.As(err, &oe) || !errors.As(err, &ee) || oe.Language != "python" {
				t.Fatalf("got %v, want an EncodeError holding an OpaqueRefusedError for python", err)
			}
			if string(got) != "kept" {
				t.Fatalf("dst changed to %q", got)
			}
		})
	}
}
