package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/taipan-go/taipan/erlterm"
)

// outputMapping is the help's and the docs' account of jsonValue.
const outputMapping = `Results print as JSON: None null, bool, int (exact, however big), float
(1.0 stays 1.0), str, list, dict with str keys. The rest, losslessly, as an
object with one "$" key:
  bytes, bytearray     {"$bytes": "<base64>"}
  inf, -inf, nan       {"$float": "inf"}   ("-inf", "nan")
  other keys than str  {"$map": [[key, value], ...]}  (and a dict whose one key starts with $)
  any other object     {"$python": "<repr(x)>"}  (datetime, set, Decimal...)
  an atom (terms.Atom) {"$atom": "name"}
  a pickle (opaque)    {"$pickle": "<base64>"}   (a terms.OpaqueObject of Python: other objects print as $python)
  Erlang terms (taipan.terms, as Python sent them):
    ImproperList       {"$improper": [[elem, ...], tail]}
    BitString          {"$bitstring": ["<base64>", bits in the last byte]}
    OpaqueObject       {"$opaque": ["language", "<base64>"]}
    Pid, Reference...  {"$erlang": "<the term as Go prints it>"}
A tuple prints as an array.`

// jsonValue turns a decoded result into something encoding/json prints
// losslessly (outputMapping). The worker's encoder (taipan.cli.printable)
// has already turned Python objects into {'$python': repr} and non-finite
// floats into {'$float': "inf"}, maps keyed by an atom, which no Python
// dict of the user's is: they have no term of their own.
func jsonValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int64, string:
		return x
	case float64:
		return pyFloat(x)
	case *big.Int:
		return json.Number(x.String())
	case []byte:
		return marker("$bytes", base64.StdEncoding.EncodeToString(x))
	case erlterm.Atom:
		return marker("$atom", string(x))
	case []any:
		return jsonList(x)
	case erlterm.Tuple:
		return jsonList(x)
	case erlterm.ImproperList:
		return marker("$improper", []any{jsonList(x.Elems), jsonValue(x.Tail)})
	case erlterm.BitString:
		return marker("$bitstring", []any{base64.StdEncoding.EncodeToString(x.Bytes), x.Bits})
	case erlterm.Opaque:
		if x.Language == "python" {
			return marker("$pickle", base64.StdEncoding.EncodeToString(x.Data))
		}
		return marker("$opaque", []any{string(x.Language), base64.StdEncoding.EncodeToString(x.Data)})
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				if strings.HasPrefix(k, "$") { // a user's dict that would read as a marker
					return marker("$map", [][2]any{{k, jsonValue(e)}})
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = jsonValue(e)
		}
		return out
	case map[any]any:
		if len(x) == 1 {
			for k, e := range x {
				if a, ok := k.(erlterm.Atom); ok && strings.HasPrefix(string(a), "$") {
					return marker(string(a), jsonValue(e)) // the worker encoder's marker
				}
			}
		}
		pairs := make([][2]any, 0, len(x))
		for k, e := range x {
			pairs = append(pairs, [2]any{jsonValue(k), jsonValue(e)})
		}
		sortPairs(pairs) // Go's map order is random; a printout should not be
		return marker("$map", pairs)
	case erlterm.Map:
		pairs := make([][2]any, len(x))
		for i, kv := range x {
			pairs[i] = [2]any{jsonValue(kv.Key), jsonValue(kv.Value)}
		}
		return marker("$map", pairs)
	}
	return marker("$erlang", fmt.Sprintf("%v", v)) // pids, references, funs: never from Python's own values
}

func marker(key string, v any) map[string]any { return map[string]any{key: v} }

func jsonList(l []any) []any {
	out := make([]any, len(l))
	for i := range l {
		out[i] = jsonValue(l[i])
	}
	return out
}

// sortPairs orders a map's entries by their keys' JSON text.
func sortPairs(pairs [][2]any) {
	text := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	sort.Slice(pairs, func(i, j int) bool { return text(pairs[i][0]) < text(pairs[j][0]) })
}

// pyFloat prints a float as Python's repr does: 1.0, not 1, so that a
// float and an int stay apart; an exponent from 1e16 up and below 1e-4.
type pyFloat float64

// MarshalJSON implements json.Marshaler.
func (f pyFloat) MarshalJSON() ([]byte, error) {
	x := float64(f)
	switch { // not from a term (ETF has no infinity), but kept printable
	case math.IsNaN(x):
		return []byte(`{"$float":"nan"}`), nil
	case math.IsInf(x, 1):
		return []byte(`{"$float":"inf"}`), nil
	case math.IsInf(x, -1):
		return []byte(`{"$float":"-inf"}`), nil
	}
	if a := math.Abs(x); a != 0 && (a >= 1e16 || a < 1e-4) {
		return strconv.AppendFloat(nil, x, 'e', -1, 64), nil
	}
	b := strconv.AppendFloat(nil, x, 'f', -1, 64)
	if !strings.ContainsRune(string(b), '.') {
		b = append(b, ".0"...)
	}
	return b, nil
}

// jsonLine is v as one line of JSON, newline included, as a terminal
// should show it: '<', '>' and '&' as they are, where encoding/json's
// default escapes them for HTML ("\u003c", which Python's repr of a class,
// "<class 'int'>", would be full of).
func jsonLine(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
