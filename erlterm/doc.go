// Package erlterm encodes and decodes the Erlang External Term Format
// (ETF), the bytes of term_to_binary and binary_to_term, and the wire of
// ErlPort. It depends on the standard library only and can be used on its
// own.
//
// # Shape
//
// The API follows encoding/json: Marshal and Unmarshal, an Append for
// encoding into a caller's buffer without allocating, an Encoder and a
// Decoder for length-prefixed streams (ErlPort's {packet, 1|2|4}), the
// Marshaler and Unmarshaler interfaces, and struct tags:
//
//	type Job struct {
//		ID    int      `erl:"id"`
//		Tags  []string `erl:"tags,omitempty"`
//		State Atom     `erl:"state,atom"` // the key travels as an atom
//	}
//
// Options live in two plain structs, EncodeOptions and DecodeOptions,
// whose zero values are the defaults (see defaults.go); the package-level
// functions use the zero values.
//
// Below that, for protocols that frame or check terms by hand: single
// terms appended and read exactly as Append writes them
// (AppendTupleHeader, AppendASCIIAtom, AppendBinary, AppendUint,
// ReadTupleHeader, ReadAtomName, ReadUint), the header of any term
// (ReadHeader, with its Tag), a whole term gone through without decoding
// it (Walk, Skip), and a compressed term inflated (Inflate).
//
// # Go values and terms
//
//	Go                           term                                   back into any
//	nil                          atom undefined                         nil
//	bool                         atom true / false                      bool
//	int*, uint*, *big.Int        SMALL_INTEGER, INTEGER, SMALL/LARGE_BIG int64, or *big.Int beyond int64
//	float64, float32             NEW_FLOAT (NaN and ±Inf are refused)    float64
//	string                       BINARY                                 string
//	[]byte                       BIT_BINARY, 8 bits in the last byte     []byte
//	Atom                         ATOM (latin-1) or SMALL_ATOM_UTF8      Atom
//	Tuple                        SMALL_TUPLE / LARGE_TUPLE              Tuple
//	slices, arrays               LIST, NIL when empty; STRING when      []any
//	                             every element is an int in 0..255
//	ImproperList                 LIST with a tail other than NIL        ImproperList
//	map[K]V, struct              MAP (struct fields keyed by name)      map[string]any, map[any]any or Map
//	Map                          MAP, entries in order                  (see below)
//	BitString                    BIT_BINARY                             BitString
//	Pid, Port, Ref, Export, Fun  their own tags                         the same types
//	Opaque                       {'$erlport.opaque', Lang, Data}        Opaque
//	RawTerm, Marshaler           the bytes they hold or append          —
//
// Decoding into `any` makes a map a map[string]any when every key is a
// binary (the common case: Python dicts with str keys), a map[any]any when
// every key is comparable in Go with Erlang's meaning (atoms, numbers,
// binaries, pids, ports, exports), and a Map otherwise — tuples, lists,
// maps, []byte or big integers as keys. DecodeOptions.OrderedMaps always
// gives a Map. Typed targets take what fits: a string accepts a binary, an
// atom or a character list; a []byte accepts a binary, a bit binary of
// whole bytes or a STRING_EXT; numbers check for overflow; the atom
// undefined sets pointers, slices, maps and interfaces to nil and leaves
// other targets unchanged, as encoding/json does with null.
//
// # Safety
//
// Decoding never panics, never modifies its input and never allocates more
// than a small multiple of the input's size: every length is checked
// against what remains before anything is allocated, nesting is bounded by
// MaxDepth (each list tail that is itself a list counting as a level), a
// compressed term declaring more than MaxDecompressedSize is refused before
// it is inflated and is never inflated past its declared size, and a stream
// frame is refused above MaxFrameSize before it is read; those refusals
// carry a *LimitError naming the limit. Errors say where and what:
// *SyntaxError carries the byte offset and wraps a sentinel (ErrTruncated,
// ErrInvalid, ErrTooDeep, …) for errors.Is; *UnmarshalTypeError names the
// struct field path.
//
// Decoded strings and []byte values do not alias the input unless
// DecodeOptions.ZeroCopy is set. (When decoding into `any`, the binaries
// of an input of up to 16 KiB share one private copy of it, which saves an
// allocation per binary.)
//
// # Interoperability
//
// Every encoding is one that Erlang's binary_to_term accepts, and integers,
// floats, atoms, lists, tuples, binaries, pids, ports, references and funs
// are written exactly as term_to_binary writes them, so those round trips
// are byte for byte. Atoms go out as ATOM_EXT when latin-1 (as
// minor_version 1, and readable by ErlPort's Python side) unless
// EncodeOptions.UTF8Atoms asks for minor_version 2's form. Go map order is
// random; encode a Map to control the order of keys.
package erlterm
