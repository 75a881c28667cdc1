// Package gitstaged yields what `git commit` would record: the index entries
// whose content differs from HEAD. It is what the pre-commit hook scans.
//
// It reads only the index, the HEAD trees along the changed paths and the
// staged blobs: the index is hashed into trees in memory (what `git
// write-tree` would write) and compared with HEAD's trees top-down, so
// directories whose tree hash matches HEAD are never read.
package gitstaged

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/util"
	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"

	"github.com/scour-dev/scour/source"
)

// Origin kinds this package yields.
const (
	KindStaged = "staged" // content the commit would record
	KindHead   = "head"   // the HEAD version of a changed path, for comparison
)

// Options says which repository and index to read.
type Options struct {
	// Dir is any directory inside the work tree ("" = current directory).
	Dir string
	// IndexFile overrides the repository's index file. Git sets
	// GIT_INDEX_FILE for hooks during `git commit -a` and `git commit PATH`:
	// that temporary index, not .git/index, is what the commit records.
	IndexFile string
}

// Change is one path whose staged content differs from HEAD.
type Change struct {
	Path string
	Mode filemode.FileMode
	// Blob is the staged blob id.
	Blob plumbing.Hash
	// HeadBlob is the blob at Path in HEAD; zero when the path is new there
	// (or was a directory or submodule).
	HeadBlob plumbing.Hash
	// RenamedFrom is a path removed by this commit whose HEAD blob equals
	// Blob. The content is still new at Path and scanned as such.
	RenamedFrom string
	// Stage is the merge stage (0 normally; 1-3 for an unmerged path).
	Stage int
}

// Staged is the difference between the index and HEAD.
type Staged struct {
	objs *objects

	// Root is the work tree's top directory.
	Root string
	// Initial is true when HEAD does not exist yet (first commit):
	// everything in the index is new.
	Initial bool
	// Changes are the paths with new content, in path order.
	Changes []Change
	// Deleted are paths removed by the commit (nothing to scan).
	Deleted []string
	// Notes are staged entries deliberately not scanned (submodules,
	// intent-to-add entries), with the reason.
	Notes []source.Skipped
	// Entries is the number of index entries read.
	Entries int
	// Excluded counts changed paths dropped by Exclude.
	Excluded int

	b           *builder
	treesRead   int // HEAD subtrees read, for tests: unchanged ones are not
	deletedRead int // entries read under removed directories
	deletedCut  bool
	trees       map[plumbing.Hash]*tree // HEAD trees read, by id (a tree may repeat)
}

// Open reads the index and HEAD of the repository containing opts.Dir and
// works out what a commit would record. Any failure to read the index or
// HEAD is an error: a pre-commit check must never pass because it could not
// see what is staged.
func Open(opts Options) (*Staged, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{
		DetectDotGit:          true,
		EnableDotGitCommonDir: true,
	})
	if err != nil {
		if errors.Is(err, git.ErrRepositoryNotExists) {
			return nil, fmt.Errorf("%s is not inside a git repository", dir)
		}
		return nil, fmt.Errorf("cannot open the git repository at %s: %w", dir, err)
	}
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil, errors.New("bare repository: there is no index to scan")
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open the work tree: %w", err)
	}

	ents, cache, err := readIndex(repo, opts.IndexFile)
	if err != nil {
		return nil, err
	}

	fs, ok := repo.Storer.(interface{ Filesystem() billy.Filesystem })
	if !ok {
		return nil, errors.New("cannot locate the git directory of this repository")
	}
	objs := openObjects(fs.Filesystem().Root())
	opened := false
	defer func() {
		if !opened {
			objs.close()
		}
	}()
	s := &Staged{objs: objs, Entries: len(ents), Root: wt.Filesystem.Root()}
	var headTree *tree
	ref, err := repo.Head()
	switch {
	case errors.Is(err, plumbing.ErrReferenceNotFound):
		s.Initial = true // unborn branch: no HEAD yet
	case err != nil:
		return nil, fmt.Errorf("cannot resolve HEAD: %w", err)
	default:
		typ, data, err := objs.read(ref.Hash(), maxStructure)
		if err != nil || typ != plumbing.CommitObject || len(data) < 46 || string(data[:5]) != "tree " {
			return nil, fmt.Errorf("cannot read the HEAD commit %s: %v", ref.Hash(), orCorrupt(err))
		}
		th := plumbing.NewHash(string(data[5:45]))
		if headTree, err = s.tree(th, ""); err != nil {
			return nil, err
		}
	}

	if err := s.compare(ents, cache, headTree); err != nil {
		return nil, err
	}
	opened = true
	return s, nil
}

// readIndex reads the index of repo, or file when set.
func readIndex(repo *git.Repository, file string) ([]ientry, map[string]cachedTree, error) {
	var data []byte
	var err error
	if file != "" {
		data, err = os.ReadFile(file)
	} else {
		fs, ok := repo.Storer.(interface{ Filesystem() billy.Filesystem })
		if !ok {
			return nil, nil, errors.New("cannot locate the git index of this repository")
		}
		file = fs.Filesystem().Join(fs.Filesystem().Root(), "index")
		data, err = util.ReadFile(fs.Filesystem(), "index")
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, nil // nothing added yet
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the git index: %w", err)
	}
	entries, cache, err := parseIndex(data)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot read the git index %s: %w", file, err)
	}
	return entries, cache, nil
}

// node is one entry of a tree as git would write it from the index. A
// directory's children are built only when needed: when the index's cache
// tree already knows its hash and that hash matches HEAD, they never are.
type node struct {
	key  string // name, plus "/" for a directory: git's tree order
	name string
	mode filemode.FileMode
	hash plumbing.Hash
	e    *ientry // files, symlinks, gitlinks

	// Directories: the index entries below (sharing a prefix of length
	// plen), and the children once built.
	ents  []ientry
	plen  int
	sub   []node
	built bool
}

// builder hashes directories as `git write-tree` would, trusting the
// index's cache tree where it is valid.
type builder struct {
	cache map[string]cachedTree
	buf   []byte
}

// dir makes the node for the directory whose entries are ents; path is the
// directory's path ("" for the root), plen the length of its prefix.
func (b *builder) dir(ents []ientry, path string, plen int) node {
	name := path[strings.LastIndexByte(path, '/')+1:]
	n := node{key: name + "/", name: name, mode: filemode.Dir, ents: ents, plen: plen}
	if c, ok := b.cache[path]; ok && c.count == len(ents) {
		n.hash = c.hash
		return n
	}
	n.sub, n.built = b.children(ents, plen), true
	n.hash = b.hash(n.sub)
	return n
}

// children returns the nodes of a directory.
func (b *builder) children(ents []ientry, plen int) []node {
	var out []node
	for i := 0; i < len(ents); {
		rest := ents[i].name[plen:]
		k := strings.IndexByte(rest, '/')
		if k < 0 {
			e := &ents[i]
			out = append(out, node{key: rest, name: rest, mode: e.mode, hash: e.hash, e: e})
			i++
			continue
		}
		prefix := ents[i].name[:plen+k+1]
		j := i + 1
		for j < len(ents) && strings.HasPrefix(ents[j].name, prefix) {
			j++
		}
		out = append(out, b.dir(ents[i:j], prefix[:len(prefix)-1], len(prefix)))
		i = j
	}
	return out
}

// sub returns a directory node's children, building them if needed.
func (b *builder) sub(n *node) []node {
	if !n.built {
		n.sub, n.built = b.children(n.ents, n.plen), true
	}
	return n.sub
}

func (b *builder) hash(nodes []node) plumbing.Hash {
	buf := b.buf[:0]
	for _, n := range nodes {
		buf = strconv.AppendUint(buf, uint64(n.mode), 8)
		buf = append(buf, ' ')
		buf = append(buf, n.name...)
		buf = append(buf, 0)
		buf = append(buf, n.hash[:]...)
	}
	b.buf = buf
	h := sha1.New()
	h.Write([]byte("tree " + strconv.Itoa(len(buf)) + "\x00"))
	h.Write(buf)
	var out plumbing.Hash
	copy(out[:], h.Sum(nil))
	return out
}

func (s *Staged) compare(ents []ientry, cache map[string]cachedTree, head *tree) error {
	// Intent-to-add entries are not in the commit's tree, unmerged ones are
	// handled apart. Usually there are none: no copy then.
	merged := ents
	var unmerged []ientry
	if slices.ContainsFunc(ents, func(e ientry) bool { return e.ita || e.stage != 0 }) {
		merged = make([]ientry, 0, len(ents))
		for _, e := range ents {
			switch {
			case e.ita:
				s.Notes = append(s.Notes, source.Skipped{Path: e.name, Reason: "intent-to-add",
					Detail: "added with `git add -N`: no content staged yet"})
			case e.stage != 0:
				unmerged = append(unmerged, e)
			default:
				merged = append(merged, e)
			}
		}
	}
	s.b = &builder{cache: cache}
	root := s.b.dir(merged, "", 0)

	var deleted []deletion
	switch {
	case head == nil:
		s.added(s.b.sub(&root), "")
	case root.hash != head.hash:
		var err error
		if deleted, err = s.diff(s.b.sub(&root), head, ""); err != nil {
			return err
		}
	}

	for _, e := range unmerged {
		c := Change{Path: e.name, Mode: e.mode, Blob: e.hash, Stage: e.stage}
		if head != nil {
			if h, ok := s.findBlob(head, e.name); ok {
				c.HeadBlob = h
			}
		}
		s.Changes = append(s.Changes, c)
	}

	// A new path whose blob a removed path had in HEAD is a rename.
	if len(deleted) > 0 {
		gone := map[plumbing.Hash]string{}
		conflicted := map[string]bool{}
		for _, e := range unmerged {
			conflicted[e.name] = true
		}
		for _, d := range deleted {
			if conflicted[d.path] {
				continue // unmerged, not deleted
			}
			if _, ok := gone[d.hash]; !ok {
				gone[d.hash] = d.path
			}
			s.Deleted = append(s.Deleted, d.path)
		}
		for i := range s.Changes {
			c := &s.Changes[i]
			if c.HeadBlob.IsZero() {
				c.RenamedFrom = gone[c.Blob]
			}
		}
		sort.Strings(s.Deleted)
	}
	sort.SliceStable(s.Changes, func(i, j int) bool { return s.Changes[i].Path < s.Changes[j].Path })
	sort.Slice(s.Notes, func(i, j int) bool { return s.Notes[i].Path < s.Notes[j].Path })
	return nil
}

type deletion struct {
	path string
	hash plumbing.Hash
}

// diff compares index nodes with HEAD tree t at prefix. Both are in git's
// tree order, so one merge pass pairs them; a file that became a directory
// (or back) has different keys and shows as one deletion and one addition.
// Only subdirectories whose hashes differ are read.
func (s *Staged) diff(nodes []node, t *tree, prefix string) ([]deletion, error) {
	var deleted []deletion
	headKey := func(te rawTreeEntry) string {
		if te.mode == modeDir {
			return te.name + "/"
		}
		return te.name
	}
	i, j := 0, 0
	for i < len(nodes) || j < len(t.entries) {
		var cmp int
		switch {
		case i == len(nodes):
			cmp = 1
		case j == len(t.entries):
			cmp = -1
		default:
			cmp = strings.Compare(nodes[i].key, headKey(t.entries[j]))
		}
		switch {
		case cmp < 0: // only in the index: new
			s.addNode(nodes[i], prefix)
			i++
		case cmp > 0: // only in HEAD: removed
			te := t.entries[j]
			if te.mode == modeDir {
				del, err := s.deletedTree(te.hash, prefix+te.name+"/")
				if err != nil {
					return nil, err
				}
				deleted = append(deleted, del...)
			} else if isBlob(te.mode) {
				deleted = append(deleted, deletion{prefix + te.name, te.hash})
			}
			j++
		default:
			n, te := nodes[i], t.entries[j]
			i++
			j++
			if n.hash == te.hash {
				continue // same content; a mode change alone adds nothing to scan
			}
			if n.e == nil {
				sub, err := s.tree(te.hash, prefix+n.name)
				if err != nil {
					return nil, err
				}
				del, err := s.diff(s.b.sub(&n), sub, prefix+n.key)
				if err != nil {
					return nil, err
				}
				deleted = append(deleted, del...)
				continue
			}
			var headBlob plumbing.Hash
			if isBlob(te.mode) {
				headBlob = te.hash
			}
			s.change(n.e, prefix+n.name, headBlob)
		}
	}
	return deleted, nil
}

// maxDeletedEntries bounds the HEAD tree entries read under removed
// directories. They only serve rename detection, and a hostile HEAD tree
// can repeat one subtree under many names (a tree bomb) or contain itself.
const maxDeletedEntries = 1 << 18

// deletedTree lists the blobs under a directory that the commit removes,
// for rename detection.
func (s *Staged) deletedTree(h plumbing.Hash, prefix string) ([]deletion, error) {
	if s.deletedRead >= maxDeletedEntries {
		if !s.deletedCut {
			s.deletedCut = true
			s.Notes = append(s.Notes, source.Skipped{Path: strings.TrimSuffix(prefix, "/"), Reason: "too many deleted paths",
				Detail: fmt.Sprintf("the commit removes directories holding over %d entries (a tree bomb?): renames from the rest are not detected, their new paths are still scanned", maxDeletedEntries)})
		}
		return nil, nil
	}
	t, err := s.tree(h, strings.TrimSuffix(prefix, "/"))
	if err != nil {
		return nil, err
	}
	s.deletedRead += len(t.entries)
	var out []deletion
	for _, te := range t.entries {
		switch {
		case te.mode == modeDir:
			sub, err := s.deletedTree(te.hash, prefix+te.name+"/")
			if err != nil {
				return nil, err
			}
			out = append(out, sub...)
		case isBlob(te.mode):
			out = append(out, deletion{prefix + te.name, te.hash})
		}
	}
	return out, nil
}

// added records everything under nodes as new.
func (s *Staged) added(nodes []node, prefix string) {
	for _, n := range nodes {
		s.addNode(n, prefix)
	}
}

func (s *Staged) addNode(n node, prefix string) {
	if n.e == nil {
		s.added(s.b.sub(&n), prefix+n.key)
		return
	}
	s.change(n.e, prefix+n.name, plumbing.ZeroHash)
}

func (s *Staged) change(e *ientry, p string, headBlob plumbing.Hash) {
	if e.mode == filemode.Submodule {
		s.Notes = append(s.Notes, source.Skipped{Path: p, Reason: "submodule",
			Detail: "gitlink to commit " + e.hash.String() + ": scan the submodule's own repository"})
		return
	}
	s.Changes = append(s.Changes, Change{Path: p, Mode: e.mode, Blob: e.hash, HeadBlob: headBlob})
}

// Source yields the staged content of every change, Origin.Kind "staged".
func (s *Staged) Source() source.Source {
	items := make([]blobRef, 0, len(s.Changes))
	for _, c := range s.Changes {
		items = append(items, blobRef{c.Path, c.Blob})
	}
	return &blobSource{objs: s.objs, kind: KindStaged, blobs: items}
}

// HeadSource yields the HEAD version of the given changed paths (those that
// have one), Origin.Kind "head": scanning it tells which secrets a change
// merely keeps.
func (s *Staged) HeadSource(paths []string) source.Source {
	want := map[string]bool{}
	for _, p := range paths {
		want[p] = true
	}
	var items []blobRef
	seen := map[string]bool{}
	for _, c := range s.Changes {
		if want[c.Path] && !c.HeadBlob.IsZero() && !seen[c.Path] {
			seen[c.Path] = true
			items = append(items, blobRef{c.Path, c.HeadBlob})
		}
	}
	return &blobSource{objs: s.objs, kind: KindHead, blobs: items}
}

type blobRef struct {
	path string
	hash plumbing.Hash
}

// streamAbove is the size over which a loose blob is streamed rather than
// read into memory.
const streamAbove = 16 << 20

// blobSource reads blobs one after another: a go-git storer is not safe for
// concurrent use, and a commit's worth of blobs is small.
type blobSource struct {
	objs  *objects
	kind  string
	blobs []blobRef
}

func (b *blobSource) Scan(ctx context.Context, sink source.Sink) error {
	for _, ref := range b.blobs {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Big loose blobs (new content is loose until git gc) are streamed,
		// so memory stays bounded whatever is staged.
		if typ, size, rc, err := b.objs.openLoose(ref.hash); err == nil {
			rc.Close()
			if typ == plumbing.BlobObject && size > streamAbove {
				h := ref.hash
				it := source.Item{
					Origin: source.Origin{Kind: b.kind, Path: ref.path, BlobID: h.String()},
					Size:   size,
					Open: func() (io.ReadCloser, error) {
						_, _, rc, err := b.objs.openLoose(h)
						return rc, err
					},
				}
				if err := sink.Item(ctx, it); err != nil {
					return err
				}
				continue
			}
		}
		typ, data, err := b.objs.read(ref.hash, maxBlob)
		if err == nil && typ != plumbing.BlobObject {
			err = fmt.Errorf("is a %s, not a blob", typ)
		}
		if err != nil {
			sink.Skipped(source.Skipped{Path: ref.path, Reason: "unreadable blob",
				Detail: fmt.Sprintf("%s: %v", ref.hash, err)})
			continue
		}
		it := source.Item{
			Origin: source.Origin{Kind: b.kind, Path: ref.path, BlobID: ref.hash.String()},
			Data:   data,
			Size:   int64(len(data)),
		}
		if err := sink.Item(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

// Paths returns the changed paths (for messages and tests).
func (s *Staged) Paths() []string {
	out := make([]string, 0, len(s.Changes))
	for _, c := range s.Changes {
		out = append(out, c.Path)
	}
	return out
}

const modeDir = 0o040000

// isBlob tells whether a tree entry mode holds a blob (file or symlink).
func isBlob(mode uint32) bool {
	return mode&0o170000 == 0o100000 || mode&0o170000 == 0o120000
}

// tree is a HEAD tree object, parsed.
type tree struct {
	hash    plumbing.Hash
	entries []rawTreeEntry
}

// tree reads HEAD's tree h (at path p, for messages).
func (s *Staged) tree(h plumbing.Hash, p string) (*tree, error) {
	if p != "" {
		s.treesRead++
	}
	if p == "" {
		p = "/"
	}
	if t, ok := s.trees[h]; ok {
		return t, nil
	}
	typ, data, err := s.objs.read(h, maxStructure)
	if err == nil && typ != plumbing.TreeObject {
		err = fmt.Errorf("is a %s", typ)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read the HEAD tree of %s (%s): %w", p, h, err)
	}
	ents, err := parseTree(data)
	if err != nil {
		return nil, fmt.Errorf("cannot read the HEAD tree of %s (%s): %w", p, h, err)
	}
	t := &tree{hash: h, entries: ents}
	if s.trees == nil {
		s.trees = map[plumbing.Hash]*tree{}
	}
	if len(s.trees) < 4096 {
		s.trees[h] = t
	}
	return t, nil
}

// findBlob looks a path up in HEAD, reading only the trees along it.
func (s *Staged) findBlob(t *tree, p string) (plumbing.Hash, bool) {
	for {
		name, rest, more := strings.Cut(p, "/")
		var next *rawTreeEntry
		for i := range t.entries {
			if t.entries[i].name == name {
				next = &t.entries[i]
				break
			}
		}
		if next == nil {
			return plumbing.ZeroHash, false
		}
		if !more {
			return next.hash, isBlob(next.mode)
		}
		if next.mode != modeDir {
			return plumbing.ZeroHash, false
		}
		sub, err := s.tree(next.hash, name)
		if err != nil {
			return plumbing.ZeroHash, false
		}
		t, p = sub, rest
	}
}

func orCorrupt(err error) error {
	if err == nil {
		return errors.New("not a commit")
	}
	return err
}

// Close releases the pack files Open and the sources opened.
func (s *Staged) Close() error {
	s.objs.close()
	return nil
}

// Exclude drops changes whose paths match gitignore-style patterns (the
// config's and --exclude, as in `scour scan`, with the same matching),
// counting them in Excluded. A malformed pattern is an error.
func (s *Staged) Exclude(patterns []string) error {
	ex, err := source.NewExcluder(patterns)
	if ex == nil || err != nil {
		return err
	}
	kept := s.Changes[:0]
	for _, c := range s.Changes {
		if ex.Excluded(c.Path) {
			s.Excluded++
			continue
		}
		kept = append(kept, c)
	}
	s.Changes = kept
	return nil
}
