package main

import (
	"encoding/json"
	"math"
	"math/big"
	"testing"

	"github.com/taipan-go/taipan/erlterm"
)

// TestJSONValue covers what a worker can send without the CLI's encoder
// turning it into a marker first (terms of taipan.terms, a pickle): each
// prints losslessly, as outputMapping says.
func TestJSONValue(t *testing.T) {
	big20, _ := new(big.Int).SetString("-12345678901234567890", 10)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{name: "nil", v: nil, want: `null`},
		{name: "big integer", v: big20, want: `-12345678901234567890`},
		{name: "float stays a float", v: 2.0, want: `2.0`},
		{name: "nan", v: math.NaN(), want: `{"$float":"nan"}`},
		{name: "bytes", v: []byte{0xff, 0, 'A'}, want: `{"$bytes":"/wBB"}`},
		{name: "atom", v: erlterm.Atom("ok"), want: `{"$atom":"ok"}`},
		{name: "tuple", v: erlterm.Tuple{int64(1), "a"}, want: `[1,"a"]`},
		{name: "improper list", v: erlterm.ImproperList{Elems: []any{int64(1)}, Tail: erlterm.Atom("t")},
			want: `{"$improper":[[1],{"$atom":"t"}]}`},
		{name: "bit string", v: erlterm.BitString{Bytes: []byte{0xe0}, Bits: 3}, want: `{"$bitstring":["4A==",3]}`},
		{name: "pickle", v: erlterm.Opaque{Language: "python", Data: []byte{0x80, 4}}, want: `{"$pickle":"gAQ="}`},
		{name: "opaque of another language", v: erlterm.Opaque{Language: "ruby", Data: []byte{1}}, want: `{"$opaque":["ruby","AQ=="]}`},
		{name: "dict with a marker-like key", v: map[string]any{"$python": "x"}, want: `{"$map":[["$python","x"]]}`},
		{name: "dict", v: map[string]any{"a": int64(1), "$b": int64(2)}, want: `{"$b":2,"a":1}`},
		{name: "encoder's marker", v: map[any]any{erlterm.Atom("$python"): "{1}"}, want: `{"$python":"{1}"}`},
		{name: "other keys, sorted", v: map[any]any{int64(2): "b", int64(1): "a", "c": nil},
			want: `{"$map":[["c",null],[1,"a"],[2,"b"]]}`},
		{name: "ordered map", v: erlterm.Map{{Key: int64(2), Value: "b"}, {Key: int64(1), Value: "a"}},
			want: `{"$map":[[2,"b"],[1,"a"]]}`},
		{name: "pid", v: erlterm.Pid{Node: "n@h", ID: 1}, want: `{"$erlang":"{n@h 1 0 0}"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(jsonValue(tt.v))
			if err != nil || string(b) != tt.want {
				t.Fatalf("jsonValue(%#v) prints %s, %v; want %s", tt.v, b, err, tt.want)
			}
		})
	}
}
