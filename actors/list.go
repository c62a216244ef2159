package actors

// List returns the ids of the live actors, sorted: the path of each from
// its top-level ancestor, "/"-separated, each name ending in protoactor's
// "$<n>" (e.g. "taipan$2/pets$5/pet:model$6"). Futures, guardians and the
// event stream are not listed. For tests and diagnostics: it walks the
// whole process registry.
func (s *System) List() []string { return s.alive() }
