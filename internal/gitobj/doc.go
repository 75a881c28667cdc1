// Package gitobj reads a git object database: loose objects, pack indexes
// and pack entries, with delta chains resolved. It is the one object reader
// of scour: history scanning (source/githistory) and pre-commit scanning
// (source/gitstaged) both use it.
//
// Everything it reads is hostile input. Every object is bounded before it
// is allocated (a size limit checked against headers and delta headers,
// and against what its compressed bytes can hold), delta chains are
// bounded in length and checked for cycles across packs, and every failure
// is a typed error: ErrNotFound, *TooLargeError or *CorruptError, to be
// told apart with errors.Is and errors.As, never by message text.
//
// The pieces, bottom up:
//   - Inflater: one reusable zlib inflater that inflates exactly the
//     declared size and checks that the stream ends there.
//   - Delta, Op, ApplyDelta: git's delta format, with its copy and insert
//     instructions accessible one by one.
//   - Index: a mapped pack index (version 2), looked up by binary search.
//   - Pack: a mapped pack file with its index; entries read at random by
//     offset, or all at once as a table in offset order with the delta
//     tree (Pack.Table), for readers that walk whole packs.
//   - Store: the object directories of a repository (alternates
//     included) with their packs; Reader reads objects by id from it.
package gitobj
