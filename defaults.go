package taipan

import (
	"time"

	"github.com/taipan-go/taipan/pets"
)

// The defaults of Options, in one place.
const (
	// DefaultPoolMaxRestarts and DefaultPoolPeriod are a pool's restart
	// intensity under Start when its ManagerOptions.Intensity is zero:
	// more than 10 worker crashes or failed starts within 10 s and the
	// pool fails, to be revived by the root supervisor. (A standalone
	// snakes.Manager has no limit.)
	DefaultPoolMaxRestarts = 10
	DefaultPoolPeriod      = 10 * time.Second

	// DefaultStopTimeout bounds Stop when its context has no deadline.
	DefaultStopTimeout = 30 * time.Second

	// rootName names the root supervisor; poolChildPrefix and petsChild
	// name its children.
	rootName        = "taipan"
	poolChildPrefix = "pool:"
	petsChild       = pets.DefaultSupervisorName
)
