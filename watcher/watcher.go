package watcher

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Watcher watches module paths and reloads (or restarts) its Target when
// Python files change. New configures it; Serve watches until its context
// ends. A Watcher is safe for concurrent use; it serves once at a time and
// may serve again after Serve returned (as a supervisor restarts a
// service).
type Watcher struct {
	opts    Options
	serving atomic.Bool
	batch   sync.Mutex // one batch at a time: watched or manual

	mu    sync.Mutex
	ready chan struct{} // closed once the current (or next) Serve is armed
}

// New validates opts and returns a Watcher that does not watch yet: call
// Serve. Errors: ErrNoTarget, ErrNoPaths, ErrBadStrategy, ErrBadDebounce,
// or a *PathError for a module path that is not an existing directory.
func New(opts Options) (*Watcher, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Watcher{opts: opts, ready: make(chan struct{})}, nil
}

// Paths returns the module paths watched, absolute.
func (w *Watcher) Paths() []string { return append([]string(nil), w.opts.Paths...) }

// Ready returns a channel closed once Serve watches every module path:
// changes made after that are seen.
func (w *Watcher) Ready() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.ready
}

// Serve watches the module paths until ctx ends, then returns nil (after
// the batch in progress, cut short by ctx, has ended). It returns an error
// when the watch cannot be set up (a *PathError) or breaks, and
// ErrServing when the Watcher already serves.
func (w *Watcher) Serve(ctx context.Context) error {
	if !w.serving.CompareAndSwap(false, true) {
		return ErrServing
	}
	defer w.serving.Store(false)
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return &PathError{Path: strings.Join(w.opts.Paths, string(filepath.ListSeparator)), Err: err}
	}
	defer fw.Close()
	s := &serve{w: w, fw: fw, dirs: make(map[string]bool), pending: newPending(w.opts.Debounce)}
	for _, root := range w.opts.Paths {
		if err := s.addTree(root, time.Time{}); err != nil {
			return err
		}
	}
	w.mu.Lock()
	close(w.ready)
	w.mu.Unlock()
	defer func() { // a later Serve is armed anew
		w.mu.Lock()
		w.ready = make(chan struct{})
		w.mu.Unlock()
	}()
	w.opts.Logger.Debug("watching", "paths", w.opts.Paths, "strategy", w.opts.Strategy, "debounce", w.opts.Debounce)
	return s.loop(ctx)
}

// serve is the state of one Serve: the directories watched and the
// changes not yet acted on. Only Serve's goroutine touches it.
type serve struct {
	w       *Watcher
	fw      *fsnotify.Watcher
	dirs    map[string]bool
	pending *pending
}

// loop runs the event loop: events feed pending; when a batch is due and
// none runs, one is started on a goroutine of its own, so events keep
// flowing while workers reload.
func (s *serve) loop(ctx context.Context) error {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var (
		running bool
		done    = make(chan struct{}, 1)
		wg      sync.WaitGroup
	)
	defer wg.Wait() // the batch in progress ends with ctx
	arm := func() {
		if running {
			return
		}
		if at, ok := s.pending.due(); ok {
			timer.Reset(time.Until(at))
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-s.fw.Events:
			if !ok {
				return errors.New("watcher: fsnotify stopped")
			}
			s.event(ev, time.Now())
			arm()
		case err, ok := <-s.fw.Errors:
			if !ok {
				return errors.New("watcher: fsnotify stopped")
			}
			s.w.opts.Logger.Warn("watch error", "error", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) { // events lost: everything may have changed
				for _, root := range s.w.opts.Paths {
					s.addTree(root, time.Now())
				}
			}
			arm()
		case <-timer.C:
			if running {
				continue
			}
			files := s.pending.take(time.Now())
			if len(files) == 0 {
				arm()
				continue
			}
			running = true
			wg.Go(func() {
				s.w.changed(ctx, files)
				done <- struct{}{}
			})
		case <-done:
			running = false
			arm()
		}
	}
}

// event books one fsnotify event at now.
func (s *serve) event(ev fsnotify.Event, now time.Time) {
	path := filepath.Clean(ev.Name)
	if ev.Op == fsnotify.Chmod || s.ignored(path) {
		return
	}
	switch {
	case ev.Has(fsnotify.Create):
		if fi, err := os.Lstat(path); err == nil && fi.IsDir() {
			s.addTree(path, now) // files may be in it already
			return
		}
	case ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename):
		if s.dirs[path] { // a package gone: its modules fail to reload
			s.dropTree(path)
			s.pending.add(filepath.Join(path, "__init__.py"), now)
			return
		}
	}
	if len(ModulesOf(s.w.opts.Paths, path)) > 0 {
		s.pending.add(path, now)
	}
}

// ignored reports whether path is ignored under the module path it is in.
func (s *serve) ignored(path string) bool {
	for _, root := range s.w.opts.Paths {
		if rel, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(rel, "..") && Ignored(rel) {
			return true
		}
	}
	return false
}

// addTree watches dir and the directories under it (not ignored ones).
// With a non-zero now (a directory created after start, or events lost),
// the module files found are booked as changed at now. A directory that
// vanishes meanwhile is skipped; a module path that cannot be watched is
// an error.
func (s *serve) addTree(dir string, now time.Time) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir && now.IsZero() {
				return &PathError{Path: path, Err: err}
			}
			return nil // vanished while we walked
		}
		if path != dir && s.ignored(path) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if err := s.fw.Add(path); err != nil {
				if path == dir && now.IsZero() {
					return &PathError{Path: path, Err: err}
				}
				s.w.opts.Logger.Warn("cannot watch", "dir", path, "error", err)
				return fs.SkipDir
			}
			s.dirs[path] = true
			return nil
		}
		if !now.IsZero() && len(ModulesOf(s.w.opts.Paths, path)) > 0 {
			s.pending.add(path, now)
		}
		return nil
	})
}

// dropTree forgets dir and the directories under it (inotify drops the
// watches of deleted directories itself; a renamed one is removed here).
func (s *serve) dropTree(dir string) {
	prefix := dir + string(filepath.Separator)
	for d := range s.dirs {
		if d == dir || strings.HasPrefix(d, prefix) {
			delete(s.dirs, d)
			s.fw.Remove(d) // an error only says it is gone already
		}
	}
}
