package poolstate

// Use is how a caller uses a member.
type Use uint8

const (
	// Shared: a pool call; with Pipeline > 1 a Busy member takes more.
	Shared Use = iota
	// Exclusive: a lease or a session: the member is its holder's alone.
	Exclusive
)

// Waiter is a caller queued for a member (Wait). C is what the executor
// attaches to it (snakes: the channel the grant is sent on).
type Waiter[C any] struct {
	C C

	use        Use
	queued     *queue[C] // the queue it is in, nil once out of it
	prev, next *Waiter[C]
}

// queue is the FIFO of waiters: intrusive, so that a waiter that gives up
// leaves it in O(1) without a list element to allocate.
type queue[C any] struct {
	head, tail *Waiter[C]
	n          int
}

func (q *queue[C]) push(w *Waiter[C]) {
	w.queued, w.prev, w.next = q, q.tail, nil
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	q.n++
}

func (q *queue[C]) remove(w *Waiter[C]) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.queued, w.prev, w.next = nil, nil, nil
	q.n--
}
