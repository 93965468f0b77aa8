package crio

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

const time2s = 2 * time.Second

func itoa(i int) string { return strconv.Itoa(i) }

func statIno(fi os.FileInfo) uint64 { return fi.Sys().(*syscall.Stat_t).Ino }
