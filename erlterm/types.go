package erlterm

import (
	"math/big"
	"reflect"
)

// The reflect.Types the codec treats specially. They are computed once and
// never change.
var (
	anyType        = reflect.TypeFor[any]()
	stringType     = reflect.TypeFor[string]()
	bytesType      = reflect.TypeFor[[]byte]()
	atomType       = reflect.TypeFor[Atom]()
	tupleType      = reflect.TypeFor[Tuple]()
	anySliceType   = reflect.TypeFor[[]any]()
	stringMapType  = reflect.TypeFor[map[string]any]()
	anyMapType     = reflect.TypeFor[map[any]any]()
	rawTermType    = reflect.TypeFor[RawTerm]()
	orderedMapType = reflect.TypeFor[Map]()
	bigIntType     = reflect.TypeFor[big.Int]()
	opaqueType     = reflect.TypeFor[Opaque]()

	marshalerType   = reflect.TypeFor[Marshaler]()
	unmarshalerType = reflect.TypeFor[Unmarshaler]()
)

// termTypes are the erlterm types (and big.Int) that have their own
// encoding and decoding; reflection hands them to the `any` paths.
var termTypes = map[reflect.Type]bool{
	atomType:                        true,
	tupleType:                       true,
	rawTermType:                     true,
	bigIntType:                      true,
	reflect.TypeFor[Map]():          true,
	reflect.TypeFor[ImproperList](): true,
	reflect.TypeFor[BitString]():    true,
	reflect.TypeFor[Pid]():          true,
	reflect.TypeFor[Port]():         true,
	reflect.TypeFor[Ref]():          true,
	reflect.TypeFor[Export]():       true,
	reflect.TypeFor[Fun]():          true,
	reflect.TypeFor[Opaque]():       true,
}

// maxRefWords is how many 32-bit words a reference may have (OTP 24+).
const maxRefWords = 5
