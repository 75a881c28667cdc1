package gitobj

import "syscall"

// dropPages removes a read-only shared mapping's pages from the process;
// they stay in the page cache and fault back in on the next read.
func dropPages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
