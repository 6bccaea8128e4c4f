//go:build !linux

package main

import "os"

// Elsewhere watch writes lines: netviz reads Linux hosts.
func screenCapable(*os.File) bool { return false }

func termSize(*os.File) (width, height int, ok bool) { return 80, 24, false }

func noEcho(*os.File) func() { return func() {} }

func notifyResize() (<-chan os.Signal, func()) { return make(chan os.Signal), func() {} }
