package erlterm

// Marshaler is implemented by types that encode themselves. AppendETF
// appends exactly one encoded term, without the version byte, to dst and
// returns the extended slice. The encoder checks that what was appended is
// one well-formed term.
type Marshaler interface {
	AppendETF(dst []byte) ([]byte, error)
}

// Unmarshaler is implemented by types that decode themselves. UnmarshalETF
// receives exactly one encoded term, without the version byte. The bytes
// belong to the decoder's input: copy them to keep them after returning.
type Unmarshaler interface {
	UnmarshalETF(term []byte) error
}
