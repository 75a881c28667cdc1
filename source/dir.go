package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"
	"github.com/sourcegraph/conc/pool"
)

// Stable skip reasons reported by Dir (and usable by consumers that read the
// items it yields). Reports and tests compare against these words.
const (
	ReasonPermission    = "permission denied"
	ReasonBrokenSymlink = "broken symlink"
	ReasonSymlinkLoop   = "symlink loop"
	ReasonSymlink       = "symlink"
	ReasonNotRegular    = "not a regular file"
	ReasonTooLarge      = "too large"
	ReasonVanished      = "vanished"
	ReasonReadError     = "read error"
)

// Dir yields the regular files of a directory tree, or a single file.
//
// Policy, chosen to match what people expect from gitleaks and TruffleHog
// while never losing content silently:
//   - Symlinks below Root are never followed (a link to a file in the tree
//     would scan it twice; a link out of the tree scans what the user did not
//     name; a link to an ancestor would loop). Each one is reported: "broken
//     symlink" (target missing), "symlink loop" (ELOOP, or a directory link
//     to the root or one of its own ancestors), otherwise "symlink" with the
//     target in Detail. Root itself may be a symlink: the user named it.
//   - ".git" directories and ".git" files (worktree and submodule pointers)
//     are not walked: git content is the git sources' job. Not reported.
//   - Excluded paths are pruned silently: the user asked for it.
//   - FIFOs, sockets and devices are "not a regular file" and never opened
//     for reading (they can block forever or never end).
//   - Binary files are scanned like any other file: no extension list, as in
//     gitleaks. Use Excludes to skip them.
//   - An empty file is an item of size 0.
type Dir struct {
	// Root is a directory to walk or a single file.
	Root string
	// Excludes are gitignore-style patterns matched against the slash path
	// relative to Root: a name without "/" matches at any depth ("*.min.js",
	// "node_modules"), a leading "/" anchors at Root, a trailing "/" matches
	// directories only, "**" spans directories, "!" re-includes.
	Excludes []string
	// MaxFileSize skips larger files with reason "too large"; 0 means no limit.
	MaxFileSize int64
	// Workers is how many files are handed to the sink at once; 0 means
	// twice GOMAXPROCS, so that I/O waits overlap with matching.
	Workers int
	// Pruned, when set, is called with the slash path of each file or
	// directory an exclude pattern kept out (a directory's contents are
	// not listed), from the walking goroutine: callers that must say what
	// was excluded count them.
	Pruned func(rel string, dir bool)

	// hooks lets tests provoke races and errors the real filesystem makes
	// hard to reproduce (vanishing directories, EACCES as root).
	hooks dirHooks
}

type dirHooks struct {
	// beforeOpen runs before a listed directory is read or a file opened.
	beforeOpen func(rel string)
	// openFile replaces os.OpenFile for files and directories.
	openFile func(name string, flag int, perm fs.FileMode) (*os.File, error)
}

// Scan walks Root and hands every regular file to sink, from up to Workers
// goroutines. Each Item's Open returns a file that Scan already opened and
// checked (so "permission denied" and "vanished" are reported here, not by
// the consumer); the consumer must Close it. Errors while reading it are the
// consumer's to report (as ReasonReadError). Scan returns an error when Root
// cannot be scanned at all (missing, unreadable, not a file or directory),
// when an exclude pattern is malformed, when ctx ends, or with the first
// error sink.Item returned.
func (d *Dir) Scan(ctx context.Context, sink Sink) error {
	m, err := CompileExcludes(d.Excludes)
	if err != nil {
		return err
	}
	root := filepath.Clean(d.Root)
	fi, err := os.Stat(root) // follow: the user named the root
	if err != nil {
		return fmt.Errorf("scan root: %w", err)
	}
	w := &walker{d: d, sink: sink, excl: m}
	switch {
	case fi.Mode().IsRegular():
		// A single file keeps the path as given; excludes see its name.
		if m != nil && m.Match([]string{filepath.Base(root)}, false) {
			return nil
		}
		return w.file(ctx, root, filepath.ToSlash(root), true)
	case fi.IsDir():
	default:
		return fmt.Errorf("scan root %s: not a regular file or directory (use - to read stdin)", root)
	}

	workers := d.Workers
	if workers <= 0 {
		workers = 2 * runtime.GOMAXPROCS(0)
	}
	p := pool.New().WithMaxGoroutines(workers).WithContext(ctx).WithCancelOnError().WithFirstError()
	w.pool = p
	// The root's own listing failing is fatal: nothing could be scanned.
	walkErr := w.dir(ctx, root, "", []os.FileInfo{fi}, true)
	poolErr := p.Wait()
	if poolErr != nil {
		return poolErr
	}
	if walkErr != nil {
		return walkErr
	}
	return ctx.Err()
}

type walker struct {
	d      *Dir
	sink   Sink
	excl   gitignore.Matcher
	pool   *pool.ContextPool
	failed atomic.Bool // a file task returned an error: stop walking
}

// dir lists one directory and recurses. It runs on the walker goroutine only;
// files go to the pool. ancestors holds the FileInfo of every directory from
// Root down to this one, to recognise directory links that would loop.
func (w *walker) dir(ctx context.Context, abs, rel string, ancestors []os.FileInfo, isRoot bool) error {
	if err := ctx.Err(); err != nil || w.failed.Load() {
		return err
	}
	if !isRoot {
		w.before(rel)
	}
	f, err := w.open(abs, os.O_RDONLY, 0)
	var entries []os.DirEntry
	if err == nil {
		entries, err = f.ReadDir(-1)
		f.Close()
	}
	if err != nil {
		if isRoot && len(entries) == 0 {
			return fmt.Errorf("scan root: %w", err)
		}
		w.skip(rel, err)
		// A partial listing is still worth walking.
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil || w.failed.Load() {
			return err
		}
		name := e.Name()
		cabs := filepath.Join(abs, name)
		crel := name
		if rel != "" {
			crel = rel + "/" + name
		}
		t := e.Type()
		if name == ".git" {
			continue
		}
		if w.excl != nil && w.excl.Match(strings.Split(crel, "/"), t.IsDir()) {
			if w.d.Pruned != nil {
				w.d.Pruned(crel, t.IsDir())
			}
			continue
		}
		switch {
		case t.IsDir():
			fi, err := e.Info()
			if err != nil {
				w.skip(crel, err)
				continue
			}
			if isAncestor(fi, ancestors) {
				// Not a symlink, yet its own ancestor: a bind mount loop.
				w.sink.Skipped(Skipped{Path: crel, Reason: ReasonSymlinkLoop, Detail: "directory is its own ancestor (bind mount?)"})
				continue
			}
			if err := w.dir(ctx, cabs, crel, append(ancestors[:len(ancestors):len(ancestors)], fi), false); err != nil {
				return err
			}
		case t&fs.ModeSymlink != 0:
			w.symlink(cabs, crel, ancestors)
		case t.IsRegular():
			w.pool.Go(func(ctx context.Context) error {
				err := w.file(ctx, cabs, crel, false)
				if err != nil {
					// The pool cancels only its own context and keeps
					// this first error; the walker must stop too.
					w.failed.Store(true)
				}
				return err
			})
		default:
			w.sink.Skipped(Skipped{Path: crel, Reason: ReasonNotRegular, Detail: kindName(t)})
		}
	}
	return nil
}

func (w *walker) symlink(abs, rel string, ancestors []os.FileInfo) {
	target, _ := os.Readlink(abs)
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir() && isAncestor(fi, ancestors):
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonSymlinkLoop, Detail: "links to an enclosing directory: " + target})
	case err == nil:
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonSymlink, Detail: "not followed: " + target})
	case errors.Is(err, syscall.ELOOP):
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonSymlinkLoop, Detail: target})
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		if _, lerr := os.Lstat(abs); lerr != nil {
			w.skip(rel, lerr) // the link itself is gone
			return
		}
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonBrokenSymlink, Detail: target})
	default:
		w.skip(rel, err)
	}
}

func isAncestor(fi os.FileInfo, ancestors []os.FileInfo) bool {
	for _, a := range ancestors {
		if os.SameFile(fi, a) {
			return true
		}
	}
	return false
}

// file opens one file, checks what it really is now (it may have changed
// since the listing), and hands it to the sink. An error return stops the
// scan; problems with the file itself are reported and return nil, except
// for a root file: like an unlistable root directory, it is an error, as
// nothing at all could be scanned.
func (w *walker) file(ctx context.Context, abs, rel string, isRoot bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w.before(rel)
	f, size, err := w.openRegular(abs)
	if err != nil {
		if isRoot {
			return fmt.Errorf("scan root: %w", err)
		}
		w.skipFile(rel, err)
		return nil
	}
	if max := w.d.MaxFileSize; max > 0 && size > max {
		f.Close()
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonTooLarge, Detail: fmt.Sprintf("%d bytes, limit %d", size, max)})
		return nil
	}
	h := &handoff{f: f, reopen: func() (io.ReadCloser, error) {
		f, _, err := w.openRegular(abs)
		if err != nil {
			return nil, err
		}
		return f, nil
	}}
	err = w.sink.Item(ctx, Item{Origin: Origin{Kind: "file", Path: rel}, Open: h.open, Size: size})
	h.release()
	return err
}

// notRegularError says a path is not (or no longer) a regular file.
type notRegularError struct{ mode fs.FileMode }

func (e notRegularError) Error() string { return kindName(e.mode) }

func kindName(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "device"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsDir():
		return "directory"
	}
	return "irregular file"
}

// openRegular opens abs without following a symlink and without blocking on
// a FIFO that replaced a file since the listing, then insists on a regular file.
func (w *walker) openRegular(abs string) (io.ReadCloser, int64, error) {
	if w.d.hooks.openFile == nil {
		return openRegularFile(abs)
	}
	f, err := w.open(abs, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, 0, err
	}
	return regularOrClose(f)
}

// regularOrClose returns f and its size if f is a regular file, and
// closes it otherwise (a FIFO or device that replaced a listed file).
func regularOrClose(f *os.File) (io.ReadCloser, int64, error) {
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, notRegularError{fi.Mode()}
	}
	return f, fi.Size(), nil
}

func (w *walker) open(name string, flag int, perm fs.FileMode) (*os.File, error) {
	if w.d.hooks.openFile != nil {
		return w.d.hooks.openFile(name, flag, perm)
	}
	return os.OpenFile(name, flag, perm)
}

func (w *walker) before(rel string) {
	if w.d.hooks.beforeOpen != nil {
		w.d.hooks.beforeOpen(rel)
	}
}

func (w *walker) skipFile(rel string, err error) {
	var nr notRegularError
	switch {
	case errors.As(err, &nr):
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonNotRegular, Detail: nr.Error()})
	case errors.Is(err, syscall.ELOOP):
		// O_NOFOLLOW met a symlink where the listing saw a file.
		w.sink.Skipped(Skipped{Path: rel, Reason: ReasonVanished, Detail: "replaced by a symlink"})
	default:
		w.skip(rel, err)
	}
}

// skip reports err for rel under its stable reason.
func (w *walker) skip(rel string, err error) {
	if rel == "" {
		rel = "."
	}
	w.sink.Skipped(Skipped{Path: rel, Reason: Reason(err), Detail: errDetail(err)})
}

// Reason maps an error met while opening or reading content to its stable
// skip reason: ReasonPermission, ReasonVanished or ReasonReadError.
func Reason(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return ReasonPermission
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return ReasonVanished
	default:
		return ReasonReadError
	}
}

// errDetail drops the path from a PathError: the Skipped already names it.
func errDetail(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}

// handoff gives the consumer the already-open file on the first Open, and a
// fresh handle on any later one. release closes the file if nobody took it,
// so a sink that ignores an item does not leak a descriptor.
type handoff struct {
	mu     sync.Mutex
	f      io.ReadCloser
	reopen func() (io.ReadCloser, error)
}

func (h *handoff) open() (io.ReadCloser, error) {
	h.mu.Lock()
	f := h.f
	h.f = nil
	h.mu.Unlock()
	if f != nil {
		return f, nil
	}
	return h.reopen()
}

func (h *handoff) release() {
	h.mu.Lock()
	f := h.f
	h.f = nil
	h.mu.Unlock()
	if f != nil {
		f.Close()
	}
}
