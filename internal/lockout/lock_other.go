//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || solaris)

package lockout

func syncDir(string) {}
