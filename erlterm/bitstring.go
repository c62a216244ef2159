package erlterm

// BitString is an Erlang bitstring whose length is not a whole number of
// bytes: Bits says how many of the high bits of the last byte are used
// (1..8). A bitstring of whole bytes decodes to []byte, and a []byte encodes
// as a BIT_BINARY_EXT with 8 bits in the last byte, which Erlang reads as a
// plain binary and Python as bytes.
type BitString struct {
	Bytes []byte
	Bits  uint8
}
