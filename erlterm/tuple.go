package erlterm

// Tuple is an Erlang tuple. A Go slice would encode as a list; Tuple is the
// way to say "tuple" on the Go side. Decoding a tuple into `any` gives a Tuple.
type Tuple []any

// T builds a Tuple from its elements: erlterm.T(AtomOK, 42).
func T(elems ...any) Tuple { return Tuple(elems) }
