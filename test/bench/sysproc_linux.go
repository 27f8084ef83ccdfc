package bench

import "syscall"

// childAttributes puts the operator in its own process group and has the kernel kill it when the
// benchmark dies, even by SIGKILL or a panic that skips the deferred stops.
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
