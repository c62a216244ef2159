package erlterm

import "strconv"

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

// Tag is the first byte of every term of the external term format: it says
// which kind of term follows. Its String is the OTP documentation's name
// (SMALL_TUPLE_EXT, MAP_EXT…). The constants below name every tag of the
// format; ReadHeader says which of them this package reads.
type Tag byte

// The tags of the external term format.
const (
	TagNewFloat       Tag = tagNewFloat       // NEW_FLOAT_EXT: a float64
	TagBitBinary      Tag = tagBitBinary      // BIT_BINARY_EXT: a binary whose last byte holds 1..8 bits
	TagCompressed     Tag = tagCompressed     // COMPRESSED: a zlib-compressed term, only right after Version
	TagAtomCacheRef   Tag = tagAtomCacheRef   // ATOM_CACHE_REF: distribution only
	TagNewPid         Tag = tagNewPid         // NEW_PID_EXT: a pid
	TagNewPort        Tag = tagNewPort        // NEW_PORT_EXT: a port
	TagNewerReference Tag = tagNewerReference // NEWER_REFERENCE_EXT: a reference
	TagSmallInteger   Tag = tagSmallInteger   // SMALL_INTEGER_EXT: 0..255
	TagInteger        Tag = tagInteger        // INTEGER_EXT: an int32
	TagFloat          Tag = tagFloat          // FLOAT_EXT: a float as text (before OTP R11)
	TagAtom           Tag = tagAtom           // ATOM_EXT: a latin-1 atom
	TagReference      Tag = tagReference      // REFERENCE_EXT: an old reference
	TagPort           Tag = tagPort           // PORT_EXT: an old port
	TagPid            Tag = tagPid            // PID_EXT: an old pid
	TagSmallTuple     Tag = tagSmallTuple     // SMALL_TUPLE_EXT: up to 255 elements
	TagLargeTuple     Tag = tagLargeTuple     // LARGE_TUPLE_EXT
	TagNil            Tag = tagNil            // NIL_EXT: the empty list
	TagString         Tag = tagString         // STRING_EXT: a list of up to 65535 bytes
	TagList           Tag = tagList           // LIST_EXT: elements, then a tail
	TagBinary         Tag = tagBinary         // BINARY_EXT
	TagSmallBig       Tag = tagSmallBig       // SMALL_BIG_EXT: an integer of up to 255 bytes
	TagLargeBig       Tag = tagLargeBig       // LARGE_BIG_EXT
	TagNewFun         Tag = tagNewFun         // NEW_FUN_EXT: a closure
	TagExport         Tag = tagExport         // EXPORT_EXT: fun M:F/A
	TagNewReference   Tag = tagNewReference   // NEW_REFERENCE_EXT: a reference
	TagSmallAtom      Tag = tagSmallAtom      // SMALL_ATOM_EXT: a latin-1 atom of up to 255 bytes
	TagMap            Tag = tagMap            // MAP_EXT
	TagFun            Tag = tagFun            // FUN_EXT: an old closure, removed in OTP 23
	TagAtomUTF8       Tag = tagAtomUTF8       // ATOM_UTF8_EXT
	TagSmallAtomUTF8  Tag = tagSmallAtomUTF8  // SMALL_ATOM_UTF8_EXT
	TagV4Port         Tag = tagV4Port         // V4_PORT_EXT: a port with a 64-bit id
	TagLocal          Tag = tagLocal          // LOCAL_EXT: distribution only
)

// String returns the tag's name in the OTP documentation, or "tag N" for
// a byte that is not a tag.
func (t Tag) String() string {
	switch t {
	case TagNewFloat:
		return "NEW_FLOAT_EXT"
	case TagBitBinary:
		return "BIT_BINARY_EXT"
	case TagCompressed:
		return "COMPRESSED"
	case TagAtomCacheRef:
		return "ATOM_CACHE_REF"
	case TagNewPid:
		return "NEW_PID_EXT"
	case TagNewPort:
		return "NEW_PORT_EXT"
	case TagNewerReference:
		return "NEWER_REFERENCE_EXT"
	case TagSmallInteger:
		return "SMALL_INTEGER_EXT"
	case TagInteger:
		return "INTEGER_EXT"
	case TagFloat:
		return "FLOAT_EXT"
	case TagAtom:
		return "ATOM_EXT"
	case TagReference:
		return "REFERENCE_EXT"
	case TagPort:
		return "PORT_EXT"
	case TagPid:
		return "PID_EXT"
	case TagSmallTuple:
		return "SMALL_TUPLE_EXT"
	case TagLargeTuple:
		return "LARGE_TUPLE_EXT"
	case TagNil:
		return "NIL_EXT"
	case TagString:
		return "STRING_EXT"
	case TagList:
		return "LIST_EXT"
	case TagBinary:
		return "BINARY_EXT"
	case TagSmallBig:
		return "SMALL_BIG_EXT"
	case TagLargeBig:
		return "LARGE_BIG_EXT"
	case TagNewFun:
		return "NEW_FUN_EXT"
	case TagExport:
		return "EXPORT_EXT"
	case TagNewReference:
		return "NEW_REFERENCE_EXT"
	case TagSmallAtom:
		return "SMALL_ATOM_EXT"
	case TagMap:
		return "MAP_EXT"
	case TagFun:
		return "FUN_EXT"
	case TagAtomUTF8:
		return "ATOM_UTF8_EXT"
	case TagSmallAtomUTF8:
		return "SMALL_ATOM_UTF8_EXT"
	case TagV4Port:
		return "V4_PORT_EXT"
	case TagLocal:
		return "LOCAL_EXT"
	}
	return "tag " + strconv.Itoa(int(t))
}
