package bench

import (
	_ "embed"
	"math/big"

	"github.com/taipan-go/taipan/erlterm"
)

// ReferenceTerm is ../shared/bench/reference_term.etf: term_to_binary (OTP
// 25, default options) of a map of 10 binary keys, 623 bytes. Every codec
// figure is measured on it.
//
//go:embed reference_term.etf
var ReferenceTerm []byte

// ReferenceProplist holds the same data as a proplist, encoded with
// minor_version 1: a form ErlPort's Python codec can read.
//
//go:embed reference_proplist.etf
var ReferenceProplist []byte

// ReferenceStruct is the Go struct that matches ReferenceTerm.
type ReferenceStruct struct {
	ID     int64          `erl:"id"`
	Big    *big.Int       `erl:"big"`
	Neg    int            `erl:"neg"`
	Pi     float64        `erl:"pi"`
	Name   string         `erl:"name"`
	Blob   []byte         `erl:"blob"`
	Ints   []int          `erl:"ints"`
	Point  [3]float64     `erl:"point"`
	Tags   []erlterm.Atom `erl:"tags"`
	Nested struct {
		A int    `erl:"a"`
		B []bool `erl:"b"`
		C string `erl:"c"`
	} `erl:"nested"`
}
