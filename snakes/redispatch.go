package snakes

import (
	"errors"
	"syscall"
)

// Redispatch is the never-ran rule that pools and pets share, one value
// per request: a request that failed without running (ErrNotRun) on a
// worker that takes no more calls may be sent to another worker, or to a
// pet's next incarnation; one that ran, or may have, never is (a call
// never runs twice). Only the workers the request reached count against
// Max: a worker already dead or stopping turns a request away before it is
// sent, which is not the request's doing (those are bounded apart, by
// maxRefusals, to end a loop on workers that all die as they start). A
// request that kills every worker it reaches — or keeps landing behind
// requests that do — thus fails on its own, with a *RedispatchError,
// instead of taking worker after worker down.
type Redispatch struct {
	// Max is how many times a request may be sent again after reaching a
	// worker that died before running it (PoolOptions.MaxRedispatch;
	// DefaultMaxRedispatch when zero; negative: never).
	Max int

	reached, refused int
}

// maxRefusals bounds the workers a request may find dead or stopping
// before it reaches one.
const maxRefusals = 16

// Again reports whether the request that failed with err may be sent
// again. When it may not, err comes back: as it was when the request ran
// (or may have), or its worker still serves; as a *RedispatchError when
// the budget is what stopped it.
func (r *Redispatch) Again(err error) (bool, error) {
	var nr *notRunError
	if !errors.As(err, &nr) || !workerGone(err) {
		return false, err
	}
	limit := r.Max
	if limit == 0 {
		limit = DefaultMaxRedispatch
	}
	if nr.reached || limit < 0 {
		if r.reached >= limit {
			return false, &RedispatchError{Tries: r.reached + 1, Err: err}
		}
		r.reached++
		return true, nil
	}
	if r.refused >= maxRefusals {
		return false, &RedispatchError{Tries: r.reached + r.refused + 1, Err: err}
	}
	r.refused++
	return true, nil
}

// workerGone reports whether err says the worker takes no more calls.
func workerGone(err error) bool {
	return errors.Is(err, ErrWorkerExited) || errors.Is(err, ErrStopped) || errors.Is(err, ErrProtocol) ||
		errors.Is(err, syscall.EPIPE)
}
