//go:build !linux

package harness

import "syscall"

// childAttributes puts the child in its own process group. Without a parent-death signal on this
// system, a killed parent leaves its children running (the demo's pid file catches those).
func childAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
