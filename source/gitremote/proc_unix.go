//go:build unix

package gitremote

import (
	"os/exec"
	"syscall"
)

// killGroup makes git the leader of its own process group and, when the
// context ends, kills the group: git's helpers (git-remote-https,
// index-pack) go with it instead of living on, holding the transfer open.
// On Linux git also dies with scour (dieWithParent).
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	dieWithParent(cmd.SysProcAttr)
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
