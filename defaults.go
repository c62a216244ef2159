package taipan

import (
	"time"

	"github.com/taipan-go/taipan/pets"
)

// The defaults of Options, in one place.
const (
	// DefaultStopTimeout bounds Stop when its context has no deadline.
	DefaultStopTimeout = 30 * time.Second

	// rootName names the root supervisor; poolChildPrefix and petsChild
	// name its children.
	rootName        = "taipan"
	poolChildPrefix = "pool:"
	petsChild       = pets.DefaultSupervisorName
)
