//go:build !unix

package gitremote

import "os/exec"

// killGroup: elsewhere, killing git itself (exec's default) must do.
func killGroup(*exec.Cmd) {}
