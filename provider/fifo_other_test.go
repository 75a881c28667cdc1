//go:build !unix

package provider

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs on this system") }
