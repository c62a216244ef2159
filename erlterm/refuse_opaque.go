package erlterm

import "bytes"

// EncodeOptions.RefuseOpaque: the encoder refuses opaque objects of the
// languages listed, however they were made. An Opaque is checked as it is
// encoded; a Tuple of three elements once its elements are written (an
// Atom, a RawTerm or a Marshaler may have written the tag); the bytes a
// RawTerm or a Marshaler splices in are walked when they hold the tag's
// name at all.

// opaqueRefused reports whether an opaque object of language lang is
// refused.
func (e *encodeState) opaqueRefused(lang Atom) bool {
	for _, l := range e.refuseOpaque {
		if l == lang {
			return true
		}
	}
	return false
}

// checkOpaqueTuple refuses the elements of a tuple of three, as written
// at the front of b, when they are the opaque tag and a refused language.
func (e *encodeState) checkOpaqueTuple(b []byte) error {
	n, ok := atomIs(b, string(opaqueTag))
	if !ok {
		return nil
	}
	for _, l := range e.refuseOpaque {
		if _, ok := atomIs(b[n:], string(l)); ok {
			return &OpaqueRefusedError{Language: l}
		}
	}
	return nil
}

// checkOpaqueInside refuses a well-formed term b (without the version
// byte) that holds a refused opaque object anywhere.
func (e *encodeState) checkOpaqueInside(b []byte) error {
	if e.refuseOpaque == nil || !bytes.Contains(b, []byte(opaqueTag)) {
		return nil
	}
	_, err := Walk(b, func(at int, h Header) error {
		if (h.Tag == TagSmallTuple || h.Tag == TagLargeTuple) && h.Parts == 3 {
			return e.checkOpaqueTuple(b[at+h.Len:])
		}
		return nil
	})
	return err
}

// atomIs reports whether b starts with the atom name (a latin-1 atom's
// characters compared as such), and the atom's length in bytes.
func atomIs(b []byte, name string) (n int, ok bool) {
	raw, n, ok := ReadAtomName(b)
	if !ok {
		return 0, false
	}
	if b[0] == tagAtomUTF8 || b[0] == tagSmallAtomUTF8 {
		return n, string(raw) == name
	}
	i := 0
	for _, r := range name {
		if i >= len(raw) || rune(raw[i]) != r {
			return n, false
		}
		i++
	}
	return n, i == len(raw)
}
