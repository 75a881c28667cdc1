//go:build !linux

package gitobj

// dropPages does nothing where scour does not ask the kernel to drop a
// mapping's pages (see LimitResident).
func dropPages([]byte) {}
