// Package source yields the bytes scour scans and says where they came from:
// a directory tree, a single file, stdin, git history, the staged index or a
// remote clone. It imports nothing else of scour's.
package source

import (
	"context"
	"io"
	"time"
)

// Commit is the provenance of a blob in git history.
type Commit struct {
	Hash        string    `json:"hash"`
	AuthorName  string    `json:"author_name"`
	AuthorEmail string    `json:"author_email"`
	Date        time.Time `json:"date"`
	Message     string    `json:"message"` // first line only
}

// Origin says where a piece of scanned content came from.
type Origin struct {
	// Kind is "file", "stdin", "blob", "staged" or "worktree".
	Kind string `json:"kind"`
	// Path is the file path (relative to the scan root where there is one),
	// or the path of the blob in its commit.
	Path string `json:"path,omitempty"`
	// BlobID is the git object id of the content, when known.
	BlobID string `json:"blob,omitempty"`
	// Commit is the commit that introduced the content at Path, if any.
	Commit *Commit `json:"commit,omitempty"`
	// Remote is the repository URL without credentials, for remote scans.
	Remote string `json:"remote,omitempty"`
	// Unreachable marks git objects that no ref reaches.
	Unreachable bool `json:"unreachable,omitempty"`
}

// Item is one unit of content to scan. Exactly one of Data and Open is set:
// in-memory content (git blobs, stdin read whole) or content to be streamed
// (files on disk of any size). A sink must not keep Data (or slices of it)
// after Item returns: the git history source reuses blob buffers (and
// Delta.Copies).
type Item struct {
	Origin Origin
	Data   []byte
	Open   func() (io.ReadCloser, error)
	Size   int64 // -1 when unknown
	// Memo, when set, lets the sink keep results for items built from
	// this one (Delta.Base of theirs); Delta, when set, says how this
	// item was built from an earlier one. Both only with Data.
	Memo  *Memo
	Delta *Delta
}

// Skipped records content that was not (fully) scanned, and why. It is never
// fatal: the scan goes on and the report lists it.
type Skipped struct {
	Path   string `json:"path"`
	Reason string `json:"reason"` // short, stable words: "too large", "permission denied", ...
	Detail string `json:"detail,omitempty"`
}

// Sink receives what a Source yields. Its methods are safe for concurrent use:
// a source may call them from several goroutines at once.
type Sink interface {
	Item(ctx context.Context, it Item) error
	Skipped(s Skipped)
}

// Source produces items. It decides its own parallelism (file I/O and pack
// reading want different shapes) and returns when every item was handed to
// the sink, or with the first error that stopped it as a whole.
type Source interface {
	Scan(ctx context.Context, sink Sink) error
}
