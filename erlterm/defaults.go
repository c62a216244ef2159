package erlterm

// Defaults for the zero values of DecodeOptions, EncodeOptions and
// StreamOptions. They live here, in one place, so that the documented
// numbers and the code cannot drift apart.
const (
	// DefaultMaxDepth is how deeply lists, tuples and maps may nest before
	// decoding or encoding stops with ErrTooDeep. Each tail of a list that
	// is itself a list ([1 | [2 | ...]]) counts as a level when decoding,
	// as in Python's decoder (taipan.etf.DEFAULT_MAX_DEPTH, the same number). Deep enough for any real
	// data; shallow enough that a hostile input cannot exhaust the stack.
	DefaultMaxDepth = 1000

	// DefaultMaxDecompressedSize bounds the size a compressed term may
	// inflate to (16 MiB). It is well under DefaultMaxFrameSize because it
	// is an amplifier: a 16 KiB frame can declare, and inflate to, 16 MiB,
	// and the decoded values then cost a few times that again, so the
	// budget bounds what one small hostile frame can make the decoder hold.
	// Terms are compressed only when asked for (EncodeOptions.Compression,
	// term_to_binary's compressed option; taipan's own peers never do), and
	// a term that big is better sent plain, where MaxFrameSize is the bound.
	// Python's taipan.etf.DEFAULT_MAX_UNCOMPRESSED is the same number.
	DefaultMaxDecompressedSize = 16 << 20

	// DefaultMaxFrameSize bounds one frame read or written by a Decoder or
	// an Encoder (64 MiB), and is further capped by the packet size. The
	// same as snakes.DefaultMaxFrame and Python's
	// taipan.framing.DEFAULT_MAX_FRAME.
	DefaultMaxFrameSize = 64 << 20

	// DefaultPacket is the length-prefix width of a stream, in bytes, as in
	// ErlPort's default {packet, 4}.
	DefaultPacket = 4
)
