package erlterm_test

import (
	"testing"

	"github.com/taipan-go/taipan/erlterm"
	"github.com/taipan-go/taipan/internal/bench"
)

// The codec benchmarks of DESIGN.md, on the reference term every codec
// figure uses. `go run ./cmd/taipan bench` times the same against erl.

func BenchmarkEncodeReferenceAny(b *testing.B) {
	var v any
	if err := erlterm.Unmarshal(bench.ReferenceTerm, &v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = erlterm.Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodeReferenceOrderedMap(b *testing.B) {
	var v any
	if err := (erlterm.DecodeOptions{OrderedMaps: true}).Unmarshal(bench.ReferenceTerm, &v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = erlterm.Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodeReferenceStruct(b *testing.B) {
	var v bench.ReferenceStruct
	if err := erlterm.Unmarshal(bench.ReferenceTerm, &v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = erlterm.Append(buf[:0], &v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeReferenceAny(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(bench.ReferenceTerm)))
	for b.Loop() {
		var v any
		if err := erlterm.Unmarshal(bench.ReferenceTerm, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeReferenceStruct(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(bench.ReferenceTerm)))
	for b.Loop() {
		var v bench.ReferenceStruct
		if err := erlterm.Unmarshal(bench.ReferenceTerm, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReferenceRoundTrip checks that the reference term decodes into the
// struct with every field right, and that the ordered form re-encodes to
// Erlang's bytes exactly.
func TestReferenceRoundTrip(t *testing.T) {
	var s bench.ReferenceStruct
	if err := erlterm.Unmarshal(bench.ReferenceTerm, &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != 123456789 || s.Neg != -42 || s.Pi != 3.141592653589793 || s.Name != "taipan worker pool" ||
		s.Big.String() != "1180591620717411303424" || len(s.Blob) != 256 || s.Blob[255] != 0xAB ||
		len(s.Ints) != 100 || s.Ints[99] != 99 || s.Point != [3]float64{1.5, -2.25, 3.0e10} ||
		len(s.Tags) != 3 || s.Tags[2] != "undefined" || s.Nested.A != 1 || s.Nested.B[0] != true || s.Nested.C != "x" {
		t.Fatalf("decoded struct is wrong: %+v", s)
	}
	var ordered any
	if err := (erlterm.DecodeOptions{OrderedMaps: true}).Unmarshal(bench.ReferenceTerm, &ordered); err != nil {
		t.Fatal(err)
	}
	out, err := erlterm.Marshal(ordered)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != string(bench.ReferenceTerm) {
		t.Fatalf("re-encoding the ordered map is not byte-exact:\n got %x\nwant %x", out, bench.ReferenceTerm)
	}
}

// BenchmarkDecodeReferenceStructReused decodes into the same struct each
// time, as a hot loop would: slices, the big integer's words and unchanged
// strings are reused, as encoding/json reuses them.
func BenchmarkDecodeReferenceStructReused(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(bench.ReferenceTerm)))
	var v bench.ReferenceStruct
	for b.Loop() {
		if err := erlterm.Unmarshal(bench.ReferenceTerm, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeReferenceCompressed decodes the reference term as
// term_to_binary(T, [compressed]) writes it: inflating is most of it.
func BenchmarkDecodeReferenceCompressed(b *testing.B) {
	data, err := erlterm.EncodeOptions{Compression: 6}.Marshal(erlterm.RawTerm(bench.ReferenceTerm[1:]))
	if err != nil || data[1] != byte(erlterm.TagCompressed) {
		b.Fatalf("compressing the reference term: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(bench.ReferenceTerm)))
	for b.Loop() {
		var v any
		if err := erlterm.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
