//go:build !unix

package source

// openFlags: no portable equivalent of O_NOFOLLOW|O_NONBLOCK here; the
// listing's type check and the post-open Stat still reject non-files.
const openFlags = 0
