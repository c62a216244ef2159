package erlterm

// Atom is an Erlang atom. Its text is held as UTF-8; on the wire an atom
// whose characters are all latin-1 travels as ATOM_EXT (which ErlPort's
// Python side can read) and any other as SMALL_ATOM_UTF8_EXT.
//
// The atoms true and false decode to Go bools and undefined to nil when
// the target is `any`; into an Atom target they stay atoms.
type Atom string

// Common atoms, for readability at call sites.
const (
	AtomOK        Atom = "ok"
	AtomError     Atom = "error"
	AtomTrue      Atom = "true"
	AtomFalse     Atom = "false"
	AtomUndefined Atom = "undefined"
)

// String returns the atom's text.
func (a Atom) String() string { return string(a) }
