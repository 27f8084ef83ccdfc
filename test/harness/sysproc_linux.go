package harness

import "syscall"

// childAttributes puts the child in its own process group and has the kernel kill it when this
// program dies, even by SIGKILL or a panic that skips Stop.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
