//go:build !linux

package main

import "syscall"

// childAttributes puts a child in its own process group. Without a parent-death signal on this
// system, the next demo stops what a killed one left behind (see the pid file).
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
