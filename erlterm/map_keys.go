package erlterm

import (
	"fmt"
	"math/big"
	"reflect"
)

// errDuplicateKey reports Go map keys that are different Go values but the
// same Erlang term, such as int(1) and int64(1), or nil and
// Atom("undefined"): binary_to_term refuses a map that holds both.
var errDuplicateKey = fmt.Errorf("%w: two map keys encode to the same term", ErrInvalid)

// distinctTerms checks that the keys of a map with interface keys stay
// distinct once encoded. Go already keeps keys of one dynamic type apart;
// only keys whose term has several Go spellings can collide.
func distinctTerms(keys []any, t reflect.Type) error {
	seen := make(map[any]struct{}, len(keys))
	for _, k := range keys {
		c := termKey(k)
		if _, dup := seen[c]; dup {
			return &EncodeError{Type: t, Err: errDuplicateKey}
		}
		seen[c] = struct{}{}
	}
	return nil
}

// bigKey stands for an integer beyond int64 in termKey.
type bigKey string

// termKey maps a comparable Go value to one Go value per Erlang term.
func termKey(k any) any {
	switch x := k.(type) {
	case nil:
		return AtomUndefined
	case bool:
		if x {
			return AtomTrue
		}
		return AtomFalse
	case Atom:
		return x
	case *big.Int:
		if x == nil {
			return AtomUndefined
		}
		if x.IsInt64() {
			return x.Int64()
		}
		return bigKey(x.String())
	}
	v := reflect.ValueOf(k)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if u := v.Uint(); u <= 1<<63-1 {
			return int64(u)
		}
		return bigKey(new(big.Int).SetUint64(v.Uint()).String())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return termKey(v.Bool())
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return AtomUndefined
		}
	}
	return k
}
