// Command scour finds leaked DevOps credentials in files and git history.
package main

import (
	"os"

	"github.com/scour-dev/scour/cmd"
)

func main() { os.Exit(cmd.Main()) }
