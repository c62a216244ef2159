package erlterm

import (
	"bytes"
	"math/big"
)

// Equal reports whether a and b are the same Erlang term: whether
// binary_to_term of their encodings would be =:=. So a string equals the
// []byte of the same bytes (both are binaries), true equals Atom("true"),
// nil equals Atom("undefined"), an int equals the same *big.Int, and maps
// are equal whatever their Go form and order. A value that cannot be
// encoded equals nothing. Equal is meant for tests and small lookups: it
// encodes and decodes both sides, and compares maps pairwise.
func Equal(a, b any) bool {
	ca, err := canonical(a)
	if err != nil {
		return false
	}
	cb, err := canonical(b)
	if err != nil {
		return false
	}
	return equalCanonical(ca, cb)
}

// canonical brings x to the form decoding gives it, so that only a few Go
// types remain to compare.
func canonical(x any) (any, error) {
	buf, err := Marshal(x)
	if err != nil {
		return nil, err
	}
	var v any
	err = DecodeOptions{ZeroCopy: true}.Unmarshal(buf, &v)
	return v, err
}

// equalCanonical compares two decoded terms.
func equalCanonical(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case []byte:
			return x == string(y)
		}
		return false
	case []byte:
		switch y := b.(type) {
		case string:
			return string(x) == y
		case []byte:
			return bytes.Equal(x, y)
		}
		return false
	case Atom:
		y, ok := b.(Atom)
		return ok && x == y
	case Tuple:
		y, ok := b.(Tuple)
		return ok && equalSlices(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && equalSlices(x, y)
	case ImproperList:
		y, ok := b.(ImproperList)
		return ok && equalSlices(x.Elems, y.Elems) && equalCanonical(x.Tail, y.Tail)
	case map[string]any, map[any]any, Map:
		ex, ey := entries(a), entries(b)
		if ey == nil || len(ex) != len(ey) {
			return false
		}
	next:
		for _, kx := range ex {
			for _, ky := range ey {
				if equalCanonical(kx.Key, ky.Key) {
					if !equalCanonical(kx.Value, ky.Value) {
						return false
					}
					continue next
				}
			}
			return false
		}
		return true
	case BitString:
		y, ok := b.(BitString)
		return ok && x.Bits == y.Bits && bytes.Equal(x.Bytes, y.Bytes)
	case Pid, Port, Export:
		return a == b
	case Ref:
		y, ok := b.(Ref)
		if !ok || x.Node != y.Node || x.Creation != y.Creation || len(x.ID) != len(y.ID) {
			return false
		}
		for i := range x.ID {
			if x.ID[i] != y.ID[i] {
				return false
			}
		}
		return true
	case Fun:
		y, ok := b.(Fun)
		return ok && x.Arity == y.Arity && x.Uniq == y.Uniq && x.Index == y.Index &&
			x.Module == y.Module && x.OldIndex == y.OldIndex && x.OldUniq == y.OldUniq &&
			x.Pid == y.Pid && equalSlices(x.FreeVars, y.FreeVars)
	case Opaque:
		y, ok := b.(Opaque)
		return ok && x.Language == y.Language && bytes.Equal(x.Data, y.Data)
	}
	return false
}

func equalSlices(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equalCanonical(x[i], y[i]) {
			return false
		}
	}
	return true
}

// entries lists a decoded map's entries; nil if m is not a map.
func entries(m any) Map {
	switch x := m.(type) {
	case Map:
		if x == nil {
			return Map{}
		}
		return x
	case map[string]any:
		out := make(Map, 0, len(x))
		for k, v := range x {
			out = append(out, MapEntry{Key: k, Value: v})
		}
		return out
	case map[any]any:
		out := make(Map, 0, len(x))
		for k, v := range x {
			out = append(out, MapEntry{Key: k, Value: v})
		}
		return out
	}
	return nil
}
