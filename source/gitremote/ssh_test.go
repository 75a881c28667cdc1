package gitremote

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/scour-dev/scour/internal/gittest"
)

// sshServer serves git-upload-pack over ssh on loopback, with password
// authentication, as a git host does. It returns the address and a
// known_hosts file that trusts its key.
func sshServer(t *testing.T, user, pass string) (addr, knownHostsFile string) {
	t.Helper()
	if _, err := exec.LookPath("git-upload-pack"); err != nil {
		execPath, err := exec.Command("git", "--exec-path").Output()
		if err != nil {
			gittest.Unavailable(t, "git is not installed: cannot serve git over ssh")
		}
		t.Setenv("PATH", strings.TrimSpace(string(execPath))+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{PasswordCallback: func(c ssh.ConnMetadata, p []byte) (*ssh.Permissions, error) {
		if c.User() == user && string(p) == pass {
			return nil, nil
		}
		return nil, errors.New("permission denied")
	}}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveSSH(c, cfg)
			}()
		}
	}()
	addr = ln.Addr().String()
	knownHostsFile = filepath.Join(t.TempDir(), "known_hosts")
	line := knownhosts.Line([]string{knownhosts.Normalize(addr)}, signer.PublicKey())
	if err := os.WriteFile(knownHostsFile, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return addr, knownHostsFile
}

func serveSSH(c net.Conn, cfg *ssh.ServerConfig) {
	defer c.Close()
	_, chans, reqs, err := ssh.NewServerConn(c, cfg)
	if err != nil {
		return
	}
	go ssh.DiscardRequests(reqs)
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "session only")
			continue
		}
		ch, reqs, err := nc.Accept()
		if err != nil {
			return
		}
		go func() {
			defer ch.Close()
			for req := range reqs {
				if req.Type != "exec" || len(req.Payload) < 4 {
					req.Reply(req.Type == "env", nil)
					continue
				}
				// "git-upload-pack '/path'": the only command served.
				line := string(req.Payload[4:])
				prog, arg, _ := strings.Cut(line, " ")
				if prog != "git-upload-pack" {
					req.Reply(false, nil)
					continue
				}
				req.Reply(true, nil)
				cmd := exec.Command("git-upload-pack", strings.Trim(arg, "'"))
				cmd.Stdin, cmd.Stdout, cmd.Stderr = ch, ch, ch.Stderr()
				status := uint32(0)
				if err := cmd.Run(); err != nil {
					status = 1
				}
				var b [4]byte
				binary.BigEndian.PutUint32(b[:], status)
				ch.SendRequest("exit-status", false, b[:])
				return
			}
		}()
	}
}

func TestCloneOverSSHWithPassword(t *testing.T) {
	gittest.RequireGit(t)
	up := upstream(t)
	addr, kh := sshServer(t, "git", testPass)
	t.Setenv("SSH_KNOWN_HOSTS", kh)
	t.Setenv("SSH_AUTH_SOCK", "") // no agent: the password is the only way in
	url := "ssh://git@" + addr + filepath.ToSlash(up.GitDir)

	tmp := t.TempDir()
	_, err := CloneContext(context.Background(), Options{URL: url, Password: testPass + "-wrong", TempDir: tmp})
	if err == nil || strings.Contains(err.Error(), testPass) {
		t.Errorf("wrong password: err = %v", err)
	}
	assertEmptyDir(t, tmp)

	c, err := CloneContext(context.Background(), Options{URL: url, Password: testPass, TempDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Remote != url {
		t.Errorf("Remote = %q", c.Remote)
	}
	if got := refs(t, c.Dir); !strings.Contains(got, "refs/heads/feature\n") || !strings.Contains(got, "refs/pull/1/head\n") {
		t.Errorf("refs:\n%s", got)
	}
}
