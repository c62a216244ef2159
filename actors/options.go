package actors

import "github.com/hashicorp/go-hclog"

// Options configures NewSystem; the zero value works.
type Options struct {
	// Logger receives protoactor's logs (through the slog bridge) and the
	// system's own; default a logger that discards everything, so that
	// the library never writes to stdout or stderr on its own.
	Logger hclog.Logger
	// Name names the system in logs (DefaultName).
	Name string
	// DeadLetterThrottle is how many dead letters are logged per second
	// (DefaultDeadLetterThrottle); negative logs none.
	DeadLetterThrottle int
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	if o.Name == "" {
		o.Name = DefaultName
	}
	if o.DeadLetterThrottle == 0 {
		o.DeadLetterThrottle = DefaultDeadLetterThrottle
	}
	return o
}
