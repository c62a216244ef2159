package taipan

import (
	"github.com/taipan-go/taipan/pets"
	"github.com/taipan-go/taipan/snakes"
)

// Stats is a snapshot of a System.
type Stats struct {
	// Pools is each pool's snapshot, by name.
	Pools map[string]snakes.Stats
	// Pets lists the pets, by name.
	Pets []pets.PetInfo
}

// Stats returns a snapshot of every pool and every pet.
func (s *System) Stats() Stats {
	return Stats{Pools: s.pools.Stats(), Pets: s.pets.List()}
}
