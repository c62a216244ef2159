package snakes

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/taipan-go/taipan/erlterm"
)

// Worker is one Python process running taipan's runtime, driven over two
// pipes. Its methods are safe for concurrent use: calls from many
// goroutines are multiplexed onto the pipes and their replies matched by
// id.
type Worker struct {
	id     string
	opts   Options
	log    hclog.Logger
	cmd    *exec.Cmd
	pid    int
	info   map[string]any
	decode erlterm.DecodeOptions

	wfd int // request pipe, write end (raw, non-blocking: see writeAll)
	rfd int // reply pipe, read end (raw; non-blocking when Spin > 0: see readSpin)

	// The writer: flat combining (writer.go).
	wmu      sync.Mutex
	writing  bool
	wbuf     []byte
	wspare   []byte
	wclosed  bool // Stop closed, or will close, the request pipe
	rblocked bool // the reader is in (or entering) read, past its flush
	wfdOpen  bool
	partial  bool // the last failed write left part of a frame in the pipe (writer role)

	// Calls in flight and the reader role (reader.go).
	mu        sync.Mutex
	calls     map[uint64]*call
	nextID    uint64
	reading   bool         // a goroutine holds the reader role
	waiters   int          // calls waiting for their reply, not reading
	activity  uint64       // bumped by every call: the background reader stays off while it moves
	dead      error        // the process is gone: every call fails with this
	refuse    error        // new calls are refused with this (stopped, broken)
	rbuf      []byte       // owned by the reader role, as are rstart, rend, delivered
	delivered bool         // the reader woke another goroutine since its last read
	expect    atomic.Int32 // callers woken with their reply that have not returned yet
	rstart    int
	rend      int
	rbig      []byte     // a big reply buffer kept for the next big reply (reader role)
	spin      spinBudget // the reader role's polling budget
	order     []written  // requests in the order written (run_order.go); guarded by mu
	callbacks uint64     // callbacks received from the worker; guarded by mu
	rspent    bool       // dispatch decoded its frame in place and kept nothing of it
	rwake     bool       // the reader role holds it for a cancellable call (wake.go)
	efd       int        // the wake fd (wake.go), -1 when none; guarded by mu

	// A big request buffer kept for the next request (requests.go).
	reqBig atomic.Pointer[[]byte]

	proto protocol // the wire protocol it speaks (protocol.go), chosen at Start

	allow *allowlist // Options.Allow (allow.go); nil allows everything
	// enc encodes what the program's callers send (a callback's result;
	// the protocols keep their own copy for requests): python opaque
	// objects refused unless Options.AllowPickle.
	enc erlterm.EncodeOptions

	funcMu sync.RWMutex
	funcs  map[string]Func

	msgs     chan any
	life     context.Context // ends when the worker stops
	lifeStop context.CancelFunc

	exited     chan struct{} // closed when the process has been reaped
	reaper     *exec.Cmd     // the process group's reaper (lifeline.go), or nil
	lifeline   *os.File      // the host's end of the reaper's lifeline
	drain      exitDrain     // the pipes once the process is gone (drain.go)
	exitErr    *ExitError
	limits     *workerLimits // the limits in force (limits.go), or nil when none
	killReason atomic.Pointer[error]
	stopOnce   sync.Once
	wg         sync.WaitGroup // every goroutine the worker starts
	bufs       sync.Pool      // request frame buffers
}

// ID returns the worker's name in logs.
func (w *Worker) ID() string { return w.id }

// Pid returns the Python process id.
func (w *Worker) Pid() int { return w.pid }

// Info returns the worker's hello map (pid, python, executable, features).
func (w *Worker) Info() map[string]any { return w.info }

// Exited is closed when the process has exited.
func (w *Worker) Exited() <-chan struct{} { return w.exited }

// Err returns why the worker takes no more calls (stopped, broken, exited),
// or nil while it is usable.
func (w *Worker) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.dead != nil {
		return w.dead
	}
	return w.refuse
}

// Start starts a Python worker and returns once its handshake is done.
func Start(ctx context.Context, opts Options) (*Worker, error) {
	opts = opts.withDefaults()
	allow, err := opts.check()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	proto, err := newProtocol(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
	}
	w := &Worker{
		opts:   opts,
		proto:  proto,
		allow:  allow,
		enc:    requestEncoding(erlterm.EncodeOptions{}, opts.AllowPickle),
		calls:  make(map[uint64]*call),
		funcs:  make(map[string]Func, len(opts.Funcs)),
		exited: make(chan struct{}),
		rbuf:   make([]byte, readChunk),
		efd:    -1,
		decode: erlterm.DecodeOptions{MaxDecompressedSize: opts.MaxDecompressedSize},
	}
	w.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	for name, f := range opts.Funcs {
		w.funcs[name] = f
	}
	w.life, w.lifeStop = context.WithCancel(context.Background())
	if err := w.spawn(); err != nil {
		w.lifeStop()
		return nil, fmt.Errorf("%w: %w", ErrStartFailed, err)
	}
	// Our end only: a write that finds the pipe full sleeps in poll(2),
	// so that it can give up at its caller's deadline (writer.go).
	syscall.SetNonblock(w.wfd, true)
	if opts.OnMessage != nil {
		w.msgs = make(chan any, 256)
		w.wg.Add(1)
		go w.deliverMessages()
	}
	if err := w.proto.ready(ctx, w); err != nil {
		w.kill(syscall.SIGKILL)
		<-w.exited
		w.closeRequests()
		w.shutdownGoroutines()
		w.wg.Wait() // a failed start leaves no goroutine and no descriptor
		if ctx.Err() != nil {
			err = fmt.Errorf("%w: %w: %w", ErrStartFailed, ctx.Err(), err)
		} else {
			err = fmt.Errorf("%w: %w", ErrStartFailed, err)
		}
		if !opts.Limits.IsZero() && errors.Is(err, ErrWorkerExited) {
			// Only when Python died starting: an Init that raised, or a
			// start that timed out, is not the limits' doing.
			err = fmt.Errorf("%w (with Limits %v: too low for Python to start?)", err, opts.Limits)
		}
		return nil, err
	}
	w.openWake()
	w.wg.Add(1)
	go w.backgroundReader()
	return w, nil
}

// spawn starts the process with its pipes and output loggers: the
// requests on the child's fd 3 and the replies on its fd 4, or on its fds
// 0 and 1 when the protocol says so (ErlPort's --use_stdio); then its
// reaper.
func (w *Worker) spawn() (err error) {
	cmd, stdio := w.proto.command(w.opts)
	// The child's ends are closed once it has them; ours if the start fails.
	var ours []func() error
	defer func() {
		if err != nil {
			for _, c := range ours {
				c()
			}
		}
	}()
	var req, rep [2]int
	if err := syscall.Pipe2(req[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	childReq := os.NewFile(uintptr(req[0]), "taipan-requests")
	defer childReq.Close()
	ours = append(ours, func() error { return syscall.Close(req[1]) })
	if err := syscall.Pipe2(rep[:], syscall.O_CLOEXEC); err != nil {
		return err
	}
	childRep := os.NewFile(uintptr(rep[1]), "taipan-replies")
	defer childRep.Close()
	ours = append(ours, func() error { return syscall.Close(rep[0]) })
	setPipeSize(req[1])
	setPipeSize(rep[0])
	if w.opts.Spin > 0 {
		// Our end only (its own open file description): readSpin polls
		// it. Without polling, reads block as they always did.
		if err := syscall.SetNonblock(rep[0], true); err != nil {
			return err
		}
	}
	// stdout (when not a protocol pipe) and stderr: our ends wait in Go's
	// poller (os.Pipe), so that they can be cut once the process is gone.
	// Which fds carry the protocol is the protocol's answer (command);
	// wiring them is the Worker's.
	var outR *os.File
	if !stdio {
		r, outW, err := os.Pipe()
		if err != nil {
			return err
		}
		defer outW.Close()
		outR = r
		ours = append(ours, outR.Close)
		cmd.Stdout = outW
		cmd.ExtraFiles = []*os.File{childReq, childRep} // fds 3 and 4
	} else {
		cmd.Stdin, cmd.Stdout = childReq, childRep
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return err
	}
	defer errW.Close()
	ours = append(ours, errR.Close)
	cmd.Stderr = errW
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	w.cmd, w.pid = cmd, cmd.Process.Pid
	w.wfd, w.rfd, w.wfdOpen = req[1], rep[0], true
	w.spin = newSpinBudget(w.opts.Spin)
	if err := w.proto.spawned(w); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return err
	}
	if w.id = w.opts.ID; w.id == "" {
		w.id = fmt.Sprintf("worker-%d", w.pid)
	}
	w.log = w.opts.Logger.With("worker", w.id, "pid", w.pid)
	if !w.opts.Limits.IsZero() {
		// Before the handshake: the process takes no request (nor runs
		// Init) before its limits are in force.
		if w.limits, err = applyLimits(w.pid, w.opts.Limits, w.log); err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			return err
		}
	}
	var rerr error
	if w.reaper, w.lifeline, rerr = startReaper(w.pid); rerr != nil {
		w.log.Warn("no reaper: if the host is killed, what the worker started outlives it", "error", rerr)
	}
	if outR != nil {
		out := newCutReader(outR)
		w.drain.streams = append(w.drain.streams, out)
		w.wg.Add(1)
		go w.logOutput(out, "stdout") // output.go
	}
	errs := newCutReader(errR)
	w.drain.streams = append(w.drain.streams, errs)
	w.wg.Add(2)
	go w.logOutput(errs, "stderr")
	go w.wait()
	return nil
}

// wait reaps the process and records how it ended; its process group is
// killed first, and its cgroup removed (limits.go: what left the group is
// killed with it), while the worker is a zombie (its pid, the group's id
// and in its cgroup's name, stays reserved until the reap), so that
// nothing it left outlives it and nothing of a later process with its pid
// is touched. Then every pipe of the worker is drained of what it holds
// and finished (drain.go): descendants holding them keep nobody waiting.
func (w *Worker) wait() {
	defer w.wg.Done()
	waitExited(w.pid)
	if err := killGroup(w.pid); err != nil {
		w.log.Warn("killing the worker's process group", "error", err)
	}
	if err := w.limits.retire(); err != nil {
		w.log.Warn("removing the worker's cgroup", "error", err)
	}
	err := w.cmd.Wait()
	e := &ExitError{Code: w.cmd.ProcessState.ExitCode()}
	if ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Code, e.Signal = -1, ws.Signal()
	} else if err != nil && e.Code == 0 {
		e.Code = -1
	}
	if r := w.killReason.Load(); r != nil {
		e.Reason = *r
	} else if w.limits != nil {
		e.Reason = w.limits.exitReason(w.cmd.ProcessState)
	}
	w.exitErr = e
	stopReaper(w.reaper, w.lifeline)
	close(w.exited)
	w.log.Debug("worker exited", "status", e.Error())
	w.endPipes()
	if w.opts.OnExit != nil {
		w.opts.OnExit(e)
	}
}

// kill signals the worker's process group.
func (w *Worker) kill(sig syscall.Signal) {
	select {
	case <-w.exited:
		return
	default:
	}
	if err := syscall.Kill(-w.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		w.log.Warn("signalling the worker", "signal", sig, "error", err)
	}
}

// killFor records why the host is killing the worker (it shows in the
// ExitError) and kills it.
func (w *Worker) killFor(reason error) {
	w.killReason.CompareAndSwap(nil, &reason)
	w.kill(syscall.SIGKILL)
}

// setRefuse makes new calls fail with err (first reason wins).
func (w *Worker) setRefuse(err error) {
	w.mu.Lock()
	if w.refuse == nil {
		w.refuse = err
	}
	w.mu.Unlock()
}

// Stop stops the worker: new calls are refused, the request pipe is closed
// (Python finishes what it has read and exits on end of file), and if the
// process is still there after StopGrace it gets SIGTERM, then SIGKILL.
// Stop returns once the process is reaped and every goroutine of the worker
// has ended, or when ctx ends.
func (w *Worker) Stop(ctx context.Context) error {
	w.setRefuse(ErrStopped)
	w.closeRequests()
	w.escalate(ctx, w.opts.StopGrace)
	w.shutdownGoroutines()
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// escalate waits for the process to exit, first for grace, then after
// SIGTERM and after SIGKILL.
func (w *Worker) escalate(ctx context.Context, grace time.Duration) {
	steps := []struct {
		sig   syscall.Signal
		grace time.Duration
	}{{0, grace}, {syscall.SIGTERM, w.opts.SignalGrace}, {syscall.SIGKILL, 0}}
	for _, s := range steps {
		if s.sig != 0 {
			w.kill(s.sig)
		}
		if s.grace == 0 {
			select {
			case <-w.exited:
			case <-ctx.Done():
				w.kill(syscall.SIGKILL)
				<-w.exited
			}
			return
		}
		t := time.NewTimer(s.grace)
		select {
		case <-w.exited:
			t.Stop()
			return
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			w.kill(syscall.SIGKILL)
			<-w.exited
			return
		}
	}
}

// shutdownGoroutines tells the worker's own goroutines to finish.
func (w *Worker) shutdownGoroutines() {
	w.stopOnce.Do(func() {
		w.lifeStop()
	})
}

// stopBroken stops a worker whose state is unknown (an abandoned call):
// it gets the request pipe closed and a short grace only.
func (w *Worker) stopBroken() {
	w.closeRequests()
	w.escalate(w.life, w.opts.SignalGrace)
}

// deliverMessages hands Python's messages to OnMessage, in order.
func (w *Worker) deliverMessages() {
	defer w.wg.Done()
	for {
		select {
		case m := <-w.msgs:
			w.opts.OnMessage(m)
		case <-w.life.Done():
			return
		}
	}
}
