package erlterm

import (
	"math/big"
	"os"
	"testing"
)

// referenceStruct matches ../shared/bench/reference_term.etf, the term
// every codec benchmark in the project uses.
type referenceStruct struct {
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

func referenceTerm(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/reference_term.etf")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkEncodeReferenceAny(b *testing.B) {
	var v any
	if err := Unmarshal(referenceTerm(b), &v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncodeReferenceStruct(b *testing.B) {
	var v referenceStruct
	if err := Unmarshal(referenceTerm(b), &v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = Append(buf[:0], &v); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeReferenceAny(b *testing.B) {
	data := referenceTerm(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v any
		if err := Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeReferenceStruct(b *testing.B) {
	data := referenceTerm(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var v referenceStruct
		if err := Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}
