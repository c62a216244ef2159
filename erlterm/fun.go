package erlterm

// Export is an external fun, fun Module:Function/Arity.
type Export struct {
	Module   Atom
	Function Atom
	Arity    uint8
}

// Fun is an Erlang closure (NEW_FUN_EXT). Go cannot call it; it is kept so
// that it can travel back to Erlang unchanged.
type Fun struct {
	Arity    uint8
	Uniq     [16]byte
	Index    uint32
	Module   Atom
	OldIndex int64
	OldUniq  int64
	Pid      Pid
	FreeVars []any
}
