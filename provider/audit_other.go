//go:build !unix

package provider

// Without O_NOFOLLOW, refuseSymlink's Lstat check guards the audit log.
const (
	noFollow = 0
	nonBlock = 0
)
