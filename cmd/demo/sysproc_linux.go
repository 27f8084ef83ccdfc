package main

import "syscall"

// childAttributes puts a child in its own process group and has the kernel kill it when the demo
// dies, even by SIGKILL: a crashed demo leaves no simulator or operator behind.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
