package erlterm

// Tags of the Erlang external term format, as listed in the OTP documentation
// (erts/doc/src/erl_ext_dist.xml). Every encoded term starts with one of them.
const (
	versionMagic = 131 // first byte of every top-level term

	tagCompressed     = 80  // zlib-compressed term, only right after versionMagic
	tagNewFloat       = 70  // IEEE 754 float64, big-endian
	tagBitBinary      = 77  // binary whose last byte holds 1..8 used bits
	tagAtomCacheRef   = 82  // distribution only
	tagNewPid         = 88  // pid with a 32-bit creation
	tagNewPort        = 89  // port with a 32-bit creation
	tagNewerReference = 90  // reference with a 32-bit creation
	tagSmallInteger   = 97  // uint8
	tagInteger        = 98  // int32
	tagFloat          = 99  // float as 31 bytes of "%.20e" text (pre-R11)
	tagAtom           = 100 // latin-1 atom, 16-bit length
	tagReference      = 101 // old single-word reference
	tagPort           = 102 // old port, 8-bit creation
	tagPid            = 103 // old pid, 8-bit creation
	tagSmallTuple     = 104 // tuple, 8-bit arity
	tagLargeTuple     = 105 // tuple, 32-bit arity
	tagNil            = 106 // the empty list
	tagString         = 107 // list of bytes, 16-bit length
	tagList           = 108 // list, 32-bit length, then a tail
	tagBinary         = 109 // binary, 32-bit length
	tagSmallBig       = 110 // integer, 8-bit byte count
	tagLargeBig       = 111 // integer, 32-bit byte count
	tagNewFun         = 112 // closure
	tagExport         = 113 // fun M:F/A
	tagNewReference   = 114 // reference with an 8-bit creation
	tagSmallAtom      = 115 // latin-1 atom, 8-bit length
	tagMap            = 116 // map, 32-bit pair count
	tagFun            = 117 // old closure, removed in OTP 23
	tagAtomUTF8       = 118 // UTF-8 atom, 16-bit length
	tagSmallAtomUTF8  = 119 // UTF-8 atom, 8-bit length
	tagV4Port         = 120 // port with a 64-bit id
	tagLocal          = 121 // distribution only
)

// maxAtomChars is Erlang's limit on the length of an atom, in characters.
const maxAtomChars = 255
