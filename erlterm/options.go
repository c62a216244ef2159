package erlterm

// DecodeOptions tunes decoding. The zero value is ready to use and is what
// Unmarshal uses; zero fields mean the defaults of defaults.go.
type DecodeOptions struct {
	// MaxDepth bounds nesting of lists, tuples and maps, each list tail
	// that is itself a list counting as a level (DefaultMaxDepth). Past it:
	// ErrTooDeep, with a *LimitError naming LimitDepth.
	MaxDepth int

	// MaxDecompressedSize bounds what a compressed term may inflate to
	// (DefaultMaxDecompressedSize). A larger declared size is refused
	// before inflating, and a stream is never inflated past its declared
	// size: ErrTooLarge, with a *LimitError naming LimitDecompressed.
	MaxDecompressedSize int

	// ZeroCopy makes decoded strings, []byte and RawTerm values alias the
	// input instead of copying it. The caller must then neither modify nor
	// reuse the input while the decoded values are in use. It has no effect
	// on compressed terms, which are decompressed into a fresh buffer that
	// the values then alias.
	ZeroCopy bool

	// OrderedMaps makes every map decoded into `any` a Map, keeping the
	// order of its entries, instead of map[string]any or map[any]any.
	OrderedMaps bool

	// DisallowUnknownFields makes decoding a map into a struct fail when a
	// key matches no field, instead of skipping it.
	DisallowUnknownFields bool
}

// EncodeOptions tunes encoding. The zero value is ready to use and is what
// Marshal uses.
type EncodeOptions struct {
	// Compression is a zlib level from 1 (fastest) to 9 (smallest); 0 means
	// no compression. A term is compressed only when that makes it smaller,
	// as Erlang's term_to_binary(T, [compressed]) does.
	Compression int

	// UTF8Atoms encodes every atom as SMALL_ATOM_UTF8_EXT/ATOM_UTF8_EXT, as
	// term_to_binary(T, [{minor_version, 2}]) does. The default, ATOM_EXT for
	// latin-1 atoms, is what ErlPort's Python side can read.
	UTF8Atoms bool

	// BytesAsBinary encodes []byte as BINARY_EXT instead of BIT_BINARY_EXT
	// with 8 bits. Erlang sees the same binary either way; peers that decode
	// only BINARY_EXT (ErlPort's Python side) need this, at the cost of
	// bytes and str no longer being told apart.
	BytesAsBinary bool

	// Deterministic writes map entries in a fixed order, so that equal
	// values always encode to equal bytes (Go's map order is random). Keys
	// follow Erlang's term order for numbers, atoms and binaries, which
	// makes small maps byte-exact with term_to_binary. It costs a sort and
	// some allocation per map. Two keys that encode alike (int(1) and
	// int64(1)) are refused with ErrInvalid.
	Deterministic bool

	// MaxDepth bounds nesting, so that a cyclic Go value fails with
	// ErrTooDeep instead of overflowing the stack (DefaultMaxDepth).
	MaxDepth int

	// RefuseOpaque lists languages whose opaque objects
	// ({'$erlport.opaque', Language, Data}) the encoder refuses with an
	// *OpaqueRefusedError (ErrOpaqueRefused), wherever they are: an
	// Opaque, a Tuple of that shape, or one inside a RawTerm or a
	// Marshaler's output. A "python" opaque's Data is a pickle that the
	// Python side unpickles, and unpickling runs code: a program that
	// forwards data it did not make lists "python" here. The check costs
	// nothing on terms without tuples of three elements (and a scan of
	// the bytes of each RawTerm and Marshaler output).
	RefuseOpaque []Atom
}

func (o *DecodeOptions) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}

func (o *DecodeOptions) maxDecompressed() int {
	if o.MaxDecompressedSize > 0 {
		return o.MaxDecompressedSize
	}
	return DefaultMaxDecompressedSize
}

func (o *EncodeOptions) maxDepth() int {
	if o.MaxDepth > 0 {
		return o.MaxDepth
	}
	return DefaultMaxDepth
}
