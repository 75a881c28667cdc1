package sweep

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes git die with scour: a sweep killed with -9 leaves no
// fetch running that would race the resumed sweep's fetch of the mirror.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
