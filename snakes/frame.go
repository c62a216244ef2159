package snakes

import (
	"encoding/binary"

	"github.com/taipan-go/taipan/erlterm"
)

// Frame tags of docs/protocol.md: the first element of every frame's tuple.
const (
	tagCall    = 'C' // host → worker call; worker → host callback
	tagKwCall  = 'K'
	tagStream  = 'S'
	tagGrant   = 'G'
	tagCancel  = 'X'
	tagCast    = 'A'
	tagMessage = 'M'
	tagReload  = 'R'
	tagEval    = 'E'
	tagResult  = 'r'
	tagError   = 'e'
	tagItem    = 's'
	tagLog     = 'L'
	tagUnknown = 0 // not a one-letter tag (hello), or not a tuple
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

// parseHeader reads {Tag, Id, ...} at the front of a frame with
// erlterm's header readers: a version byte, a tuple, a one-letter atom and
// a non-negative integer. Anything else comes back with tag tagUnknown and
// is decoded in full by the caller.
func parseHeader(f []byte) frameHeader {
	var h frameHeader
	if len(f) < 6 || f[0] != erlterm.Version {
		return h
	}
	arity, n, ok := erlterm.ReadTupleHeader(f[1:])
	if !ok {
		return h
	}
	p := 1 + n
	name, n, ok := erlterm.ReadAtomName(f[p:])
	if !ok || len(name) != 1 || name[0] >= 0x80 { // tags are ASCII letters
		return h
	}
	h.tag, h.arity = name[0], arity
	p += n
	if h.arity < 2 || len(f) <= p {
		h.off = p
		return h
	}
	id, n, ok := erlterm.ReadUint(f[p:])
	if !ok { // no id (or not one a request could have): decoded in full
		h.off = p
		return h
	}
	h.id, h.hasID, h.off = id, true, p+n
	return h
}

// decodeAt decodes the term that starts at f[off] and runs to the end of
// f into v. Unmarshal wants the version byte in front; the byte before
// off (the end of the id) is borrowed for it and put back, which saves
// copying the term. The caller owns f.
func decodeAt(opts erlterm.DecodeOptions, f []byte, off int, v any) error {
	saved := f[off-1]
	f[off-1] = erlterm.Version
	err := opts.Unmarshal(f[off-1:], v)
	f[off-1] = saved
	return err
}

// appendFrame appends a length-prefixed frame holding term.
func appendFrame(dst []byte, term any) ([]byte, error) {
	return appendFrameWith(erlterm.EncodeOptions{}, dst, term)
}

// appendFrameWith is appendFrame encoding with enc.
func appendFrameWith(enc erlterm.EncodeOptions, dst []byte, term any) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	out, err := enc.Append(dst, term)
	if err != nil {
		return dst[:start], err
	}
	binary.BigEndian.PutUint32(out[start:], uint32(len(out)-start-4))
	return out, nil
}
