package snakes

import (
	"encoding/binary"

	"github.com/taipan-go/taipan/erlterm"
)

// Frame tags of docs/protocol.md: the first element of every frame's tuple.
const (
	tagCall      = 'C' // host → worker call; worker → host callback
	tagKwCall    = 'K'
	tagStream    = 'S'
	tagGrant     = 'G'
	tagCancel    = 'X'
	tagCast      = 'A'
	tagMessage   = 'M'
	tagReload    = 'R'
	tagEval      = 'E'
	tagResult    = 'r'
	tagError     = 'e'
	tagItem      = 's'
	tagLog       = 'L'
	tagUnknown   = 0 // not a one-letter tag (hello), or not a tuple
	versionMagic = 131
)

// tagAtom is the atom of a one-letter tag. Single-byte strings do not
// allocate.
func tagAtom(t byte) erlterm.Atom { return erlterm.Atom(string(rune(t))) }

// frameHeader is what the reader needs to route a frame without decoding
// it: its tag, its id, and where the next element starts.
type frameHeader struct {
	tag   byte
	arity int
	id    uint64
	hasID bool
	off   int // offset of the element after the id
}

// parseHeader reads {Tag, Id, ...} at the front of a frame by hand: a
// version byte, a small tuple, a one-letter atom and a non-negative
// integer. Anything else comes back with tag tagUnknown and is decoded in
// full by the caller.
func parseHeader(f []byte) frameHeader {
	var h frameHeader
	if len(f) < 6 || f[0] != versionMagic || f[1] != 104 {
		return h
	}
	h.arity = int(f[2])
	p := 3
	switch f[p] {
	case 100, 118: // ATOM_EXT, ATOM_UTF8_EXT: 2-byte length
		if len(f) < p+4 || f[p+1] != 0 || f[p+2] != 1 {
			return h
		}
		h.tag = f[p+3]
		p += 4
	case 115, 119: // SMALL_ATOM_EXT, SMALL_ATOM_UTF8_EXT: 1-byte length
		if len(f) < p+3 || f[p+1] != 1 {
			return h
		}
		h.tag = f[p+2]
		p += 3
	default:
		return h
	}
	if h.arity < 2 || len(f) <= p {
		h.off = p
		return h
	}
	switch f[p] {
	case 97: // SMALL_INTEGER
		if len(f) < p+2 {
			return frameHeader{}
		}
		h.id, h.hasID, h.off = uint64(f[p+1]), true, p+2
	case 98: // INTEGER
		if len(f) < p+5 {
			return frameHeader{}
		}
		v := int32(binary.BigEndian.Uint32(f[p+1:]))
		if v < 0 {
			return frameHeader{}
		}
		h.id, h.hasID, h.off = uint64(v), true, p+5
	case 110: // SMALL_BIG, up to 8 bytes, positive
		if len(f) < p+3 {
			return frameHeader{}
		}
		n := int(f[p+1])
		if n > 8 || f[p+2] != 0 || len(f) < p+3+n {
			return frameHeader{}
		}
		for i := n - 1; i >= 0; i-- {
			h.id = h.id<<8 | uint64(f[p+3+i])
		}
		h.hasID, h.off = true, p+3+n
	default:
		h.off = p
	}
	return h
}

// decodeAt decodes the term that starts at f[off] and runs to the end of
// f into v. Unmarshal wants the version byte in front; the byte before
// off (the end of the id) is borrowed for it and put back, which saves
// copying the term. The caller owns f.
func decodeAt(opts erlterm.DecodeOptions, f []byte, off int, v any) error {
	saved := f[off-1]
	f[off-1] = versionMagic
	err := opts.Unmarshal(f[off-1:], v)
	f[off-1] = saved
	return err
}

// appendFrame appends a length-prefixed frame holding term.
func appendFrame(dst []byte, term any) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	out, err := erlterm.Append(dst, term)
	if err != nil {
		return dst[:start], err
	}
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	return out, nil
}
