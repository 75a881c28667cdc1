package gitremote

import "syscall"

// dieWithParent kills git when scour dies, even by SIGKILL: a sweep
// killed with -9 leaves no fetch running that would race the resumed
// sweep's fetch of the same mirror.
func dieWithParent(a *syscall.SysProcAttr) { a.Pdeathsig = syscall.SIGKILL }
