package erlterm

// Defaults for the zero values of DecodeOptions, EncodeOptions and
// StreamOptions. They live here, in one place, so that the documented
// numbers and the code cannot drift apart.
const (
	// DefaultMaxDepth is how deeply lists, tuples and maps may nest before
	// decoding or encoding stops with ErrTooDeep. Deep enough for any real
	// data; shallow enough that a hostile input cannot exhaust the stack.
	DefaultMaxDepth = 1000

	// DefaultMaxDecompressedSize bounds the size a compressed term may
	// inflate to (64 MiB).
	DefaultMaxDecompressedSize = 64 << 20

	// DefaultMaxFrameSize bounds one frame read or written by a Decoder or
	// an Encoder (64 MiB), and is further capped by the packet size.
	DefaultMaxFrameSize = 64 << 20

	// DefaultPacket is the length-prefix width of a stream, in bytes, as in
	// ErlPort's default {packet, 4}.
	DefaultPacket = 4
)
