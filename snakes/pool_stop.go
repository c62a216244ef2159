package snakes

import (
	"context"
	"fmt"
)

// Stop stops the pool gracefully: new calls and waiters get
// ErrPoolStopped at once, idle workers are stopped, and calls and leases in
// flight may finish until ctx ends; then the workers still busy are stopped
// by escalation (end of file, SIGTERM, SIGKILL, SignalGrace apart). Stop
// returns once every Python process of the pool has exited, with an error
// wrapping ctx's when it had to cut calls short. Calling it again waits for
// the first call's outcome.
func (p *Pool) Stop(ctx context.Context) error {
	p.stopOnce.Do(func() {
		p.stopErr = p.stop(ctx)
		close(p.done)
	})
	<-p.done
	return p.stopErr
}

func (p *Pool) stop(ctx context.Context) error {
	p.mu.Lock()
	p.exec(p.mach.Stop(ErrPoolStopped)) // idle workers stop now, busy ones once free
	if p.cleanOff != nil {
		p.cleanOff()
	}
	// Let the calls in flight finish, until ctx ends.
	wake := context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	for p.mach.Joined() > 0 && ctx.Err() == nil {
		p.cond.Wait()
	}
	wake()
	cut := p.mach.Cut() // end of file, SIGTERM, SIGKILL
	ncut := len(cut)
	p.exec(cut)
	p.mu.Unlock()

	p.lifeStop() // aborts the starts in progress

	// Wait for the starts in progress, then for every process.
	p.mu.Lock()
	for p.mach.Starting() > 0 {
		p.cond.Wait()
	}
	procs := make([]*Worker, 0, len(p.mach.Members()))
	for _, m := range p.mach.Members() {
		procs = append(procs, m.Worker)
	}
	p.mu.Unlock()
	for _, w := range procs {
		select {
		case <-w.Exited():
		case <-ctx.Done():
			go w.stopBroken()
			<-w.Exited()
		}
		w.shutdownGoroutines()
	}

	// A Supervised pool's manager actor is its supervisor's to stop.
	if c := p.ctl.Load(); c != nil && !p.opts.Supervised {
		c.system.Root.StopFuture(c.pid).Wait()
	}
	if p.own != nil {
		p.own.Shutdown()
	}
	p.log.Debug("pool stopped", "cut", ncut)
	if ncut > 0 {
		return fmt.Errorf("snakes: pool %s stopped with %d workers still busy: %w", p.opts.Name, ncut, ctx.Err())
	}
	return nil
}
