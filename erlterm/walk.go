package erlterm

import (
	"encoding/binary"
	"strconv"
)

// Reading a term's structure without decoding it: ReadHeader reads the
// header of one term, Walk and Skip go through a whole term. They are for
// code that checks or frames terms without building Go values (taipan
// checks this way that a request holds only what ErlPort's Python side
// decodes). They check the structure (tags, lengths, counts, the node of
// a pid) against the bytes there are, as the decoder does, but not the
// values: an atom's UTF-8, a float's finiteness, a map's duplicate keys, a
// fun's size field and the nesting depth are Unmarshal's to refuse. What
// Unmarshal accepts they read the same way, to the same length.

// Header is what ReadHeader reads of the term at the front of some bytes.
type Header struct {
	Tag Tag
	// Len is the length in bytes of the term's own bytes: the whole term
	// when it holds no other term, else what comes before its parts.
	Len int
	// Parts is how many whole terms follow the Len bytes as parts of this
	// one: a tuple's arity; a list's length plus one, its tail; twice a
	// map's size, each key before its value; three for an export
	// (module, function, arity); for a fun (NEW_FUN_EXT) four (module, old
	// index, old uniq, pid) plus its free variables. 0 for any other term
	// (the node name of a pid, a port or a reference is among its own
	// bytes).
	Parts int
}

// ReadHeader reads the header of the term at the front of b. Its error is
// a *SyntaxError: ErrTruncated when b ends too soon for the header or for
// the bytes or parts it announces, ErrUnknownTag for a byte that starts no
// term this package reads (FUN_EXT included), ErrDistributionOnly for
// ATOM_CACHE_REF and LOCAL_EXT, ErrInvalid for COMPRESSED (only a whole
// term may be compressed: see Inflate), a bit count out of range, a
// reference of no or too many words, or a node name that is not an atom.
func ReadHeader(b []byte) (Header, error) {
	return readHeader(b, 0)
}

// readHeader is ReadHeader for b at offset at of the caller's input,
// which its errors count from.
func readHeader(b []byte, at int) (Header, error) {
	if len(b) == 0 {
		return headerError(at, ErrTruncated, "term")
	}
	t := Tag(b[0])
	switch t {
	case TagSmallInteger:
		return fixedHeader(b, at, 2, "small integer")
	case TagInteger:
		return fixedHeader(b, at, 5, "integer")
	case TagNewFloat:
		return fixedHeader(b, at, 9, "float")
	case TagFloat:
		return fixedHeader(b, at, 32, "float text")
	case TagNil:
		return Header{Tag: t, Len: 1}, nil
	case TagAtom, TagAtomUTF8:
		return sizedHeader(b, at, 2, 0, "atom")
	case TagSmallAtom, TagSmallAtomUTF8:
		return sizedHeader(b, at, 1, 0, "atom")
	case TagString:
		return sizedHeader(b, at, 2, 0, "string")
	case TagBinary:
		return sizedHeader(b, at, 4, 0, "binary")
	case TagSmallBig:
		return sizedHeader(b, at, 1, 1, "big integer") // the sign byte, then the digits
	case TagLargeBig:
		return sizedHeader(b, at, 4, 1, "big integer")
	case TagBitBinary:
		h, err := sizedHeader(b, at, 4, 1, "bit binary") // the bit count, then the bytes
		if err != nil {
			return h, err
		}
		n, bits := h.Len-6, b[5]
		if n == 0 && bits != 0 || n > 0 && (bits < 1 || bits > 8) {
			return headerError(at, ErrInvalid, "bit count "+strconv.Itoa(int(bits))+" for "+strconv.Itoa(n)+" bytes")
		}
		return h, nil
	case TagSmallTuple:
		if len(b) < 2 {
			return headerError(at+1, ErrTruncated, "tuple arity")
		}
		return partsHeader(b, at, 2, uint64(b[1]), "tuple")
	case TagLargeTuple, TagList, TagMap:
		if len(b) < 5 {
			return headerError(at+1, ErrTruncated, "count")
		}
		n := uint64(binary.BigEndian.Uint32(b[1:]))
		switch t {
		case TagLargeTuple:
			return partsHeader(b, at, 5, n, "tuple")
		case TagList:
			return partsHeader(b, at, 5, n+1, "list")
		}
		return partsHeader(b, at, 5, 2*n, "map")
	case TagExport:
		return partsHeader(b, at, 1, 3, "export")
	case TagNewFun:
		// Size (counting itself), arity, uniq (16 bytes), index, the
		// number of free variables, then the parts.
		const head = 1 + 4 + 1 + 16 + 4 + 4
		if len(b) < head {
			return headerError(at+1, ErrTruncated, "fun")
		}
		if size := binary.BigEndian.Uint32(b[1:]); size < head-1 || uint64(size) > uint64(len(b)-1) {
			return headerError(at+1, ErrTruncated, "fun of "+strconv.FormatUint(uint64(size), 10)+" bytes")
		}
		return partsHeader(b, at, head, 4+uint64(binary.BigEndian.Uint32(b[head-4:])), "fun")
	case TagPid:
		return nodeHeader(b, at, 1, 4+4+1, "pid") // id, serial, creation
	case TagNewPid:
		return nodeHeader(b, at, 1, 4+4+4, "pid")
	case TagPort, TagReference:
		return nodeHeader(b, at, 1, 4+1, "port or reference") // id, creation
	case TagNewPort:
		return nodeHeader(b, at, 1, 4+4, "port")
	case TagV4Port:
		return nodeHeader(b, at, 1, 8+4, "port")
	case TagNewReference, TagNewerReference:
		if len(b) < 3 {
			return headerError(at+1, ErrTruncated, "reference length")
		}
		words := int(binary.BigEndian.Uint16(b[1:]))
		if words < 1 || words > maxRefWords {
			return headerError(at, ErrInvalid, "reference of "+strconv.Itoa(words)+" words")
		}
		creation := 1
		if t == TagNewerReference {
			creation = 4
		}
		return nodeHeader(b, at, 3, creation+4*words, "reference")
	case TagAtomCacheRef, TagLocal:
		return headerError(at, ErrDistributionOnly, t.String())
	case TagCompressed:
		return headerError(at, ErrInvalid, "compressed term inside a term")
	}
	return headerError(at, ErrUnknownTag, t.String())
}

// headerError is ReadHeader's error at offset off.
func headerError(off int, err error, detail string) (Header, error) {
	return Header{}, &SyntaxError{Offset: off, Err: err, Detail: detail}
}

// fixedHeader reads a term of n bytes in all.
func fixedHeader(b []byte, at, n int, what string) (Header, error) {
	if len(b) < n {
		return headerError(at+1, ErrTruncated, what)
	}
	return Header{Tag: Tag(b[0]), Len: n}, nil
}

// sizedHeader reads a term whose tag is followed by a big-endian length
// of width bytes, extra bytes, then as many bytes as the length says.
func sizedHeader(b []byte, at, width, extra int, what string) (Header, error) {
	if len(b) < 1+width {
		return headerError(at+1, ErrTruncated, what+" length")
	}
	var n uint64
	for _, c := range b[1 : 1+width] {
		n = n<<8 | uint64(c)
	}
	total := uint64(1+width+extra) + n
	if total > uint64(len(b)) {
		return headerError(at+1+width, ErrTruncated, what+" of "+strconv.FormatUint(n, 10)+" bytes")
	}
	return Header{Tag: Tag(b[0]), Len: int(total)}, nil
}

// partsHeader reads a term of head bytes followed by n terms, each of a
// byte at least.
func partsHeader(b []byte, at, head int, n uint64, what string) (Header, error) {
	if len(b) < head {
		return headerError(at+1, ErrTruncated, what)
	}
	if n > uint64(len(b)-head) {
		return headerError(at+1, ErrTruncated, what+" of "+strconv.FormatUint(n, 10)+" terms")
	}
	return Header{Tag: Tag(b[0]), Len: head, Parts: int(n)}, nil
}

// nodeHeader reads a term of head bytes, then a node name (an atom), then
// tail bytes: a pid, a port or a reference.
func nodeHeader(b []byte, at, head, tail int, what string) (Header, error) {
	if len(b) <= head {
		return headerError(at+head, ErrTruncated, what+" node")
	}
	switch b[head] {
	case tagAtom, tagSmallAtom, tagAtomUTF8, tagSmallAtomUTF8:
	default:
		return headerError(at+head, ErrInvalid, what+": node name must be an atom")
	}
	_, n, ok := ReadAtomName(b[head:])
	if !ok {
		return headerError(at+head+1, ErrTruncated, what+" node")
	}
	if total := head + n + tail; total <= len(b) {
		return Header{Tag: Tag(b[0]), Len: total}, nil
	}
	return headerError(at+head+n, ErrTruncated, what)
}

// Walk goes through the whole term at the front of b and returns its
// length in bytes. It reads the term's header, then each of its parts',
// depth first, in the order they are written, and calls visit (unless
// nil) with each header and the offset in b where its term starts; an
// error from visit ends the walk and is returned as it is. A malformed
// term is a *SyntaxError (see ReadHeader) whose Offset counts from the
// start of b. Walk keeps no stack: no input, however deep, exhausts
// memory, and it never reads past b.
func Walk(b []byte, visit func(at int, h Header) error) (n int, err error) {
	for pending := 1; pending > 0; pending-- {
		h, err := readHeader(b[n:], n)
		if err != nil {
			return 0, err
		}
		if visit != nil {
			if err := visit(n, h); err != nil {
				return 0, err
			}
		}
		n += h.Len
		pending += h.Parts
		// Each term still to read takes a byte at least: a count beyond
		// what is left fails here (and pending stays below len(b)).
		if pending-1 > len(b)-n {
			return 0, &SyntaxError{Offset: n, Err: ErrTruncated, Detail: strconv.Itoa(pending-1) + " more terms"}
		}
	}
	return n, nil
}

// Skip returns the length in bytes of the whole term at the front of b
// (Walk without a visit).
func Skip(b []byte) (n int, err error) {
	return Walk(b, nil)
}
